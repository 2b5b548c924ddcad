/// The two-dimensional DFT of `H × W` planes: rows, then columns.
///
/// ```
/// X[u, v] = Σ_{i,j} x[i, j] · exp(−2πi (u·i/H + v·j/W))
/// ```
public struct FFT2D: Sendable {
  /// `H`, the length of the column transforms.
  public let height: Int
  /// `W`, the length of the row transforms.
  public let width: Int
  private let rows: FFT
  private let columns: FFT

  /// Plans the transforms of `H × W` planes (any positive sizes, see `FFT`).
  public init(height: Int, width: Int) {
    self.height = height
    self.width = width
    rows = FFT(length: width)
    columns = FFT(length: height)
  }

  /// The forward transform of a real plane of `H · W` values.
  public func forward<Values: Collection>(_ values: Values) -> ComplexPlane where Values.Element: BinaryFloatingPoint {
    precondition(values.count == height * width, "FFT2D \(height)×\(width) got \(values.count) values")
    var plane = ComplexPlane(height: height, width: width, real: values.map { Double($0) },
                             imaginary: .init(repeating: 0, count: height * width))
    transform(&plane, inverse: false)
    return plane
  }

  /// Transforms a complex `H × W` plane in place, rows then columns; the inverse includes the
  /// `1/(H·W)` factor.
  public func transform(_ plane: inout ComplexPlane, inverse: Bool) {
    precondition(plane.height == height && plane.width == width, "FFT2D \(height)×\(width) got \(plane.height)×\(plane.width)")
    // Rows (contiguous), then columns (stride W): one 1-D transform per line.
    transformLines(&plane, count: height, lineStart: width, elementStride: 1, fft: rows, inverse: inverse)
    transformLines(&plane, count: width, lineStart: 1, elementStride: width, fft: columns, inverse: inverse)
  }

  /// Transforms `count` lines of the plane: line `l` holds the entries `l·lineStart + k·elementStride`.
  private func transformLines(_ plane: inout ComplexPlane, count: Int, lineStart: Int, elementStride: Int, fft: FFT,
                              inverse: Bool) {
    var real = [Double](repeating: 0, count: fft.length), imaginary = real
    for line in 0..<count {
      for k in 0..<fft.length {
        real[k] = plane.real[line * lineStart + k * elementStride]
        imaginary[k] = plane.imaginary[line * lineStart + k * elementStride]
      }
      fft.transform(&real, &imaginary, inverse: inverse)
      for k in 0..<fft.length {
        plane.real[line * lineStart + k * elementStride] = real[k]
        plane.imaginary[line * lineStart + k * elementStride] = imaginary[k]
      }
    }
  }

  /// The real part of the inverse transform.
  public func inverseReal(_ plane: ComplexPlane) -> [Double] {
    var copy = plane
    transform(&copy, inverse: true)
    return copy.real
  }
}
