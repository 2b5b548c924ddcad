import Foundation
import Tensors

/// A family of blur kernels, as the command line names them.
///
/// | text | kernel (normalised to sum 1) |
/// | --- | --- |
/// | `gaussian:STD[,SIZE]` | `exp(−(a² + b²)/(2·STD²))`, size `2·⌈4·STD⌉ + 1` unless given |
/// | `defocus:RADIUS` | 1 where `a² + b² ≤ RADIUS²`, size `2·⌊RADIUS⌋ + 1` |
/// | `box:SIZE` | uniform `SIZE × SIZE` |
/// | `FILE.npy` | read from a file (`Kh × Kw`), used as it is |
///
/// `a, b` are offsets from the kernel centre `k[Kh/2, Kw/2]`.
public enum KernelSpecification: Equatable, Sendable, CustomStringConvertible {
  /// `exp(−(a² + b²)/(2·std²))` with `std > 0` in pixels; `size` `nil` gives `2·⌈4·std⌉ + 1`.
  case gaussian(standardDeviation: Double, size: Int?)
  /// A disk of radius `r ≥ 0` pixels, size `2·⌊r⌋ + 1`.
  case defocus(radius: Double)
  /// A uniform `size × size` kernel, `size ≥ 1`.
  case box(size: Int)
  /// A `.npy` path; `makeKernel(height:width:loadFile:)` reads it.
  case file(String)

  /// Parses a spelling of the table above (`gaussian:1.5`, `gaussian:1,9`, `defocus:2.5`,
  /// `box:3`, `blur.npy`); the kind is case-insensitive. The inverse of `description`.
  /// - Throws: `PhysicsError.invalidSpecification` for an unknown kind, a wrong argument count,
  ///   a `STD` that is not finite and > 0, a `RADIUS` that is not finite and ≥ 0, a `SIZE` < 1,
  ///   or a file name not ending in `.npy`.
  public init(parsing text: String) throws {
    let (kind, arguments) = splitSpecification(text)
    let parts = arguments.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    switch kind {
    case "gaussian":
      guard (1...2).contains(parts.count), let std = Double(parts[0]), std > 0, std.isFinite else {
        throw PhysicsError.invalidSpecification("kernel '\(text)': expected gaussian:STD[,SIZE] with STD > 0")
      }
      var size: Int?
      if parts.count == 2 {
        guard let given = Int(parts[1]), given > 0 else {
          throw PhysicsError.invalidSpecification("kernel '\(text)': SIZE must be a positive integer")
        }
        size = given
      }
      self = .gaussian(standardDeviation: std, size: size)
    case "defocus":
      guard parts.count == 1, let radius = Double(parts[0]), radius >= 0, radius.isFinite else {
        throw PhysicsError.invalidSpecification("kernel '\(text)': expected defocus:RADIUS with RADIUS ≥ 0")
      }
      self = .defocus(radius: radius)
    case "box":
      guard parts.count == 1, let size = Int(parts[0]), size > 0 else {
        throw PhysicsError.invalidSpecification("kernel '\(text)': expected box:SIZE with SIZE a positive integer")
      }
      self = .box(size: size)
    default:
      guard text.lowercased().hasSuffix(".npy") else {
        throw PhysicsError.invalidSpecification(
          "kernel '\(text)': expected FILE.npy, gaussian:STD[,SIZE], defocus:RADIUS or box:SIZE")
      }
      self = .file(text)
    }
  }

  /// The kernel for `height × width` images; `.file` kernels come from `loadFile`.
  ///
  /// The kernel's size is worked out (in `Double`, so huge parameters cannot overflow) and
  /// checked against the image before anything is allocated: a kernel is at most the image.
  /// - Throws: `PhysicsError.invalidKernel` for a kernel larger than the image, or a file
  ///   kernel that is not `Kh × Kw` or holds NaN or ±∞; whatever `loadFile` throws.
  public func makeKernel(height: Int, width: Int, loadFile: (String) throws -> Tensor) throws -> Tensor {
    func requireFits(_ extent: Double) throws -> Int {
      guard extent <= Double(Swift.min(height, width)) else {
        throw PhysicsError.invalidKernel(
          "'\(self)' is \(extent < 1e15 ? String(Int(extent)) : String(extent)) pixels wide, larger than the \(height)×\(width) image; a kernel must be at most the image size")
      }
      return Int(extent)
    }
    switch self {
    case let .gaussian(std, size):
      let extent = try requireFits(size.map(Double.init) ?? 2 * (4 * std).rounded(.up) + 1)
      return Kernels.gaussian(standardDeviation: std, size: extent)
    case let .defocus(radius):
      _ = try requireFits(2 * radius.rounded(.down) + 1)
      return Kernels.defocus(radius: radius)
    case let .box(size):
      return Kernels.box(size: try requireFits(Double(size)))
    case let .file(path):
      let kernel = try loadFile(path)
      guard kernel.rank == 2, kernel.count > 0 else {
        throw PhysicsError.invalidKernel("\(path) has shape \(kernel.shape); expected Kh × Kw")
      }
      if let bad = kernel.firstNonFiniteDescription { throw PhysicsError.invalidKernel("\(path) has \(bad); expected finite values") }
      guard kernel.shape[0] <= height, kernel.shape[1] <= width else {
        throw PhysicsError.invalidKernel(
          "\(path) is \(kernel.shape[0])×\(kernel.shape[1]), larger than the \(height)×\(width) image; a kernel must be at most the image size")
      }
      return kernel
    }
  }

  public var description: String {
    switch self {
    case let .gaussian(std, size): return size.map { "gaussian:\(std),\($0)" } ?? "gaussian:\(std)"
    case let .defocus(radius): return "defocus:\(radius)"
    case let .box(size): return "box:\(size)"
    case let .file(path): return path
    }
  }
}

/// Blur kernel builders; each sums to 1.
public enum Kernels {
  /// A Gaussian of standard deviation `std`, of size `2·⌈4·std⌉ + 1` unless `size` is given.
  public static func gaussian(standardDeviation std: Double, size: Int? = nil) -> Tensor {
    let extent = size ?? 2 * Int((4 * std).rounded(.up)) + 1
    let center = extent / 2
    return normalised(Tensor(shape: [extent, extent], generator: { index in
      let a = Double(index / extent - center), b = Double(index % extent - center)
      // The centre is 1 whatever `std`: for a tiny `std` the quotient below is 0 / 0 there.
      if a == 0 && b == 0 { return 1 }
      return Float(Foundation.exp(-(a * a + b * b) / (2 * std * std)))
    }))
  }

  /// A defocus disk: 1 where `a² + b² ≤ r²`, size `2·⌊r⌋ + 1`.
  public static func defocus(radius: Double) -> Tensor {
    let extent = 2 * Int(radius.rounded(.down)) + 1
    let center = extent / 2
    return normalised(Tensor(shape: [extent, extent], generator: { index in
      let a = Double(index / extent - center), b = Double(index % extent - center)
      return a * a + b * b <= radius * radius ? 1 : 0
    }))
  }

  /// A uniform `size × size` box.
  public static func box(size: Int) -> Tensor {
    Tensor(repeating: 1 / Float(size * size), shape: [size, size])
  }

  static func normalised(_ kernel: Tensor) -> Tensor {
    let total = Float(kernel.sum())
    return kernel.map { $0 / total }
  }
}
