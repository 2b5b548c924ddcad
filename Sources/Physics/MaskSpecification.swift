/// A family of inpainting masks, as the command line names them.
///
/// | text | mask (1 = observed) |
/// | --- | --- |
/// | `box:TOP,LEFT,HEIGHT,WIDTH` | a hole of `HEIGHT × WIDTH` pixels whose top-left pixel is `(TOP, LEFT)` |
/// | `center:SIZE` | a `SIZE × SIZE` hole whose top-left pixel is `((H − SIZE)/2, (W − SIZE)/2)` |
/// | `random:DROP_FRACTION,SEED` | every pixel dropped independently with probability `DROP_FRACTION` |
/// | `FILE.npy`, `FILE.png` | read from a file (`H × W`, or `1 × H × W`; PNG values ≥ 0.5 are observed) |
public enum MaskSpecification: Equatable, Sendable, CustomStringConvertible {
  case box(top: Int, left: Int, height: Int, width: Int)
  case center(size: Int)
  case random(dropFraction: Double, seed: UInt64)
  case file(String)

  public init(parsing text: String) throws {
    let (kind, arguments) = splitSpecification(text)
    switch kind {
    case "box":
      let values = try integers(arguments, count: 4, specification: text, expected: "box:TOP,LEFT,HEIGHT,WIDTH")
      guard values[2] >= 0, values[3] >= 0 else {
        throw PhysicsError.invalidSpecification("mask '\(text)': the box's height and width must be ≥ 0")
      }
      self = .box(top: values[0], left: values[1], height: values[2], width: values[3])
    case "center":
      let values = try integers(arguments, count: 1, specification: text, expected: "center:SIZE")
      guard values[0] >= 0 else { throw PhysicsError.invalidSpecification("mask '\(text)': SIZE must be ≥ 0") }
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
  public func makeMask(height: Int, width: Int, loadFile: (String) throws -> Tensor) throws -> Tensor {
    switch self {
    case let .box(top, left, boxHeight, boxWidth):
      return Masks.box(height: height, width: width, top: top, left: left, boxHeight: boxHeight, boxWidth: boxWidth)
    case let .center(size):
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
        throw PhysicsError.maskSizeMismatch(mask: mask.shape, images: [height, width])
      }
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
  /// All ones except a `boxHeight × boxWidth` hole at `(top, left)`, clipped to the image.
  public static func box(height: Int, width: Int, top: Int, left: Int, boxHeight: Int, boxWidth: Int) -> Tensor {
    var mask = Tensor(repeating: 1, shape: [height, width])
    for i in Swift.max(0, top) ..< Swift.min(height, top + boxHeight) {
      for j in Swift.max(0, left) ..< Swift.min(width, left + boxWidth) { mask[i, j] = 0 }
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
