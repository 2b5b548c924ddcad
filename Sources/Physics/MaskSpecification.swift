import Tensors

/// A family of inpainting masks, as the command line names them.
///
/// | text | mask (1 = observed) |
/// | --- | --- |
/// | `box:TOP,LEFT,HEIGHT,WIDTH` | a hole of `HEIGHT × WIDTH` pixels whose top-left pixel is `(TOP, LEFT)` |
/// | `center:SIZE` | a `SIZE × SIZE` hole whose top-left pixel is `((H − SIZE)/2, (W − SIZE)/2)` |
/// | `random:DROP_FRACTION,SEED` | every pixel dropped independently with probability `DROP_FRACTION` |
/// | `FILE.npy`, `FILE.png` | read from a file (`H × W`, or `1 × H × W`; PNG values ≥ 0.5 are observed) |
public enum MaskSpecification: Equatable, Sendable, CustomStringConvertible {
  /// A `height × width` hole whose top-left pixel is `(top, left)`; it must lie inside the image.
  case box(top: Int, left: Int, height: Int, width: Int)
  /// A `size × size` hole centred in the image (`Masks.centeredBox`).
  case center(size: Int)
  /// Every pixel dropped with probability `dropFraction ∈ [0, 1]`, drawn from `seed`
  /// (`Masks.randomDrop`).
  case random(dropFraction: Double, seed: UInt64)
  /// A `.npy` or `.png` path; `makeMask(height:width:loadFile:)` reads it.
  case file(String)

  /// Parses a spelling of the table above (`box:0,0,8,8`, `center:15`, `random:0.3,0`,
  /// `mask.png`); the kind is case-insensitive. The inverse of `description`.
  /// - Throws: `PhysicsError.invalidSpecification` for an unknown kind, arguments that are not
  ///   integers (for `random`: a fraction in `[0, 1]` and a non-negative seed), `TOP` or
  ///   `LEFT < 0`, `HEIGHT`, `WIDTH` or `SIZE < 1`, or a file name not ending in `.npy` or `.png`.
  public init(parsing text: String) throws {
    let (kind, arguments) = splitSpecification(text)
    switch kind {
    case "box":
      let values = try integers(arguments, count: 4, specification: text, expected: "box:TOP,LEFT,HEIGHT,WIDTH")
      guard values[0] >= 0, values[1] >= 0 else {
        throw PhysicsError.invalidSpecification("mask '\(text)': TOP and LEFT must be ≥ 0 (the box lies inside the image)")
      }
      guard values[2] >= 1, values[3] >= 1 else {
        throw PhysicsError.invalidSpecification("mask '\(text)': the box's HEIGHT and WIDTH must be ≥ 1")
      }
      self = .box(top: values[0], left: values[1], height: values[2], width: values[3])
    case "center":
      let values = try integers(arguments, count: 1, specification: text, expected: "center:SIZE")
      guard values[0] >= 1 else { throw PhysicsError.invalidSpecification("mask '\(text)': SIZE must be ≥ 1") }
      self = .center(size: values[0])
    case "random":
      let parts = arguments.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
      guard parts.count == 2, let fraction = Double(parts[0]), (0...1).contains(fraction),
            let seed = UInt64(parts[1]) else {
        throw PhysicsError.invalidSpecification(
          "mask '\(text)': expected random:DROP_FRACTION,SEED with DROP_FRACTION in [0, 1] and SEED a non-negative integer")
      }
      self = .random(dropFraction: fraction, seed: seed)
    default:
      let lowered = text.lowercased()
      guard lowered.hasSuffix(".npy") || lowered.hasSuffix(".png") else {
        throw PhysicsError.invalidSpecification(
          "mask '\(text)': expected FILE.npy, FILE.png, box:TOP,LEFT,HEIGHT,WIDTH, center:SIZE or random:DROP_FRACTION,SEED")
      }
      self = .file(text)
    }
  }

  /// The `height × width` mask; `.file` masks come from `loadFile`, which returns its tensor.
  ///
  /// The geometry is checked against the image before anything is built: a box or centred
  /// hole must lie inside the image, a file mask must be `H × W` (or `1 × H × W`) of the
  /// images' size with finite values.
  /// - Throws: `PhysicsError.invalidMask` for images smaller than 1 × 1, a hole outside the
  ///   image, or a file mask of the wrong shape or with NaN or ±∞; whatever `loadFile` throws.
  public func makeMask(height: Int, width: Int, loadFile: (String) throws -> Tensor) throws -> Tensor {
    guard height >= 1, width >= 1 else {
      throw PhysicsError.invalidMask("'\(self)': images of \(height)×\(width) pixels; expected at least 1×1")
    }
    switch self {
    case let .box(top, left, boxHeight, boxWidth):
      guard top >= 0, left >= 0, boxHeight >= 1, boxWidth >= 1,
            let bottom = ShapeArithmetic.sum(top, boxHeight), bottom <= height,
            let right = ShapeArithmetic.sum(left, boxWidth), right <= width else {
        throw PhysicsError.invalidMask(
          "'\(self)' does not lie inside the \(height)×\(width) image; expected 0 ≤ TOP, TOP + HEIGHT ≤ \(height), 0 ≤ LEFT, LEFT + WIDTH ≤ \(width)")
      }
      return Masks.box(height: height, width: width, top: top, left: left, boxHeight: boxHeight, boxWidth: boxWidth)
    case let .center(size):
      guard size >= 1, size <= Swift.min(height, width) else {
        throw PhysicsError.invalidMask("'\(self)' does not fit the \(height)×\(width) image; expected 1 ≤ SIZE ≤ \(Swift.min(height, width))")
      }
      return Masks.centeredBox(height: height, width: width, size: size)
    case let .random(fraction, seed):
      return Masks.randomDrop(height: height, width: width, dropFraction: fraction, seed: seed)
    case let .file(path):
      var mask = try loadFile(path)
      if mask.rank == 3 && mask.shape[0] == 1 { mask = mask.reshaped(Array(mask.shape.dropFirst())) }
      guard mask.rank == 2 else {
        throw PhysicsError.invalidMask("\(path) has shape \(mask.shape); expected H × W")
      }
      guard mask.shape == [height, width] else {
        throw PhysicsError.invalidMask(
          "\(path) is \(mask.shape.map(String.init).joined(separator: "×")); expected an H × W mask of the images' size \(height)×\(width)")
      }
      if let bad = mask.firstNonFiniteDescription { throw PhysicsError.invalidMask("\(path) has \(bad); expected values in [0, 1]") }
      return mask.map { $0 >= 0.5 ? 1 : 0 }
    }
  }

  public var description: String {
    switch self {
    case let .box(top, left, height, width): return "box:\(top),\(left),\(height),\(width)"
    case let .center(size): return "center:\(size)"
    case let .random(fraction, seed): return "random:\(fraction),\(seed)"
    case let .file(path): return path
    }
  }
}

/// Mask builders (1 = observed).
public enum Masks {
  /// All ones except a `boxHeight × boxWidth` hole at `(top, left)`, clipped to the image
  /// (a box wholly outside leaves every pixel observed).
  public static func box(height: Int, width: Int, top: Int, left: Int, boxHeight: Int, boxWidth: Int) -> Tensor {
    var mask = Tensor(repeating: 1, shape: [height, width])
    let rowEnd = Swift.min(height, top.addingReportingOverflow(Swift.max(boxHeight, 0)).overflow ? Int.max : top + Swift.max(boxHeight, 0))
    let columnEnd = Swift.min(width, left.addingReportingOverflow(Swift.max(boxWidth, 0)).overflow ? Int.max : left + Swift.max(boxWidth, 0))
    let rowStart = Swift.min(Swift.max(0, top), rowEnd), columnStart = Swift.min(Swift.max(0, left), columnEnd)
    for i in rowStart ..< Swift.max(rowStart, rowEnd) {
      for j in columnStart ..< Swift.max(columnStart, columnEnd) { mask[i, j] = 0 }
    }
    return mask
  }

  /// A `size × size` hole whose top-left pixel is `((H − size)/2, (W − size)/2)` (integer division).
  public static func centeredBox(height: Int, width: Int, size: Int) -> Tensor {
    box(height: height, width: width, top: (height - size) / 2, left: (width - size) / 2, boxHeight: size, boxWidth: size)
  }

  /// Every pixel dropped independently with probability `dropFraction`: pixel `p` (row-major)
  /// is dropped when the `p`-th uniform draw of `SeededGenerator(seed:)` is below it.
  public static func randomDrop(height: Int, width: Int, dropFraction: Double, seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor(shape: [height, width], scalars: (0 ..< height * width).map { _ in
      generator.nextUniformDouble() < dropFraction ? 0 : 1
    })
  }
}

func splitSpecification(_ text: String) -> (kind: String, arguments: String) {
  guard let colon = text.firstIndex(of: ":") else { return (text.lowercased(), "") }
  return (text[..<colon].lowercased(), String(text[text.index(after: colon)...]))
}

func integers(_ arguments: String, count: Int, specification: String, expected: String) throws -> [Int] {
  let values = arguments.split(separator: ",", omittingEmptySubsequences: false)
    .map { Int($0.trimmingCharacters(in: .whitespaces)) }
  guard values.count == count, values.allSatisfy({ $0 != nil }) else {
    throw PhysicsError.invalidSpecification("'\(specification)': expected \(expected) with integers")
  }
  return values.map { $0! }
}
