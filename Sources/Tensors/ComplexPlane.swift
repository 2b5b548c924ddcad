/// A complex `H × W` array in split real/imaginary form, row-major.
public struct ComplexPlane: Equatable, Sendable {
  /// `H`, the rows.
  public let height: Int
  /// `W`, the columns.
  public let width: Int
  /// The real parts, `H · W` values, row-major.
  public var real: [Double]
  /// The imaginary parts, `H · W` values, row-major.
  public var imaginary: [Double]

  /// Wraps `real` and `imaginary`, `H · W` values each.
  public init(height: Int, width: Int, real: [Double], imaginary: [Double]) {
    precondition(real.count == height * width && imaginary.count == height * width,
                 "complex plane \(height)×\(width) got \(real.count) and \(imaginary.count) values")
    self.height = height
    self.width = width
    self.real = real
    self.imaginary = imaginary
  }

  /// An `H × W` plane of zeros.
  public init(height: Int, width: Int) {
    self.init(height: height, width: width, real: .init(repeating: 0, count: height * width),
              imaginary: .init(repeating: 0, count: height * width))
  }

  /// Elementwise `self · other` (or `self · conj(other)`).
  public func multiplied(by other: ComplexPlane, conjugatingOther: Bool = false) -> ComplexPlane {
    precondition(height == other.height && width == other.width, "complex planes differ in size")
    var result = self
    let sign: Double = conjugatingOther ? -1 : 1
    for index in real.indices {
      let ar = real[index], ai = imaginary[index]
      let br = other.real[index], bi = sign * other.imaginary[index]
      result.real[index] = ar * br - ai * bi
      result.imaginary[index] = ar * bi + ai * br
    }
    return result
  }

  /// `|z|²` for every entry.
  public var squaredMagnitudes: [Double] { zip(real, imaginary).map { $0 * $0 + $1 * $1 } }
}
