import Foundation

/// A one-dimensional discrete Fourier transform of any length, in `Double`.
///
/// ```
/// X[f] = Σ_t x[t] · exp(−2πi·f·t / n)        (forward)
/// x[t] = (1/n) Σ_f X[f] · exp(+2πi·f·t / n)  (inverse)
/// ```
/// Powers of two use an iterative radix-2 transform; other lengths use Bluestein's chirp-z
/// algorithm on a power-of-two transform, so every length costs `O(n log n)`.
public struct FFT: Sendable {
  public let length: Int
  private let kind: Kind

  private enum Kind: Sendable {
    case trivial
    case radix2(cosines: [Double], sines: [Double], bitReversal: [Int])
    case bluestein(chirpReal: [Double], chirpImaginary: [Double], filterReal: [Double], filterImaginary: [Double],
                   inner: Radix2)
  }

  public init(length: Int) {
    precondition(length >= 1, "FFT length must be positive, got \(length)")
    self.length = length
    if length == 1 {
      kind = .trivial
    } else if length & (length - 1) == 0 {
      let plan = Radix2(length: length)
      kind = .radix2(cosines: plan.cosines, sines: plan.sines, bitReversal: plan.bitReversal)
    } else {
      var padded = 1
      while padded < 2 * length - 1 { padded <<= 1 }
      let inner = Radix2(length: padded)
      // chirp[t] = exp(−πi t² / n); t² taken mod 2n keeps the angle exact for large t.
      var chirpReal = [Double](repeating: 0, count: length), chirpImaginary = chirpReal
      for t in 0..<length {
        let angle = Double.pi * Double((t * t) % (2 * length)) / Double(length)
        chirpReal[t] = cos(angle)
        chirpImaginary[t] = -sin(angle)
      }
      var filterReal = [Double](repeating: 0, count: padded), filterImaginary = filterReal
      filterReal[0] = chirpReal[0]
      filterImaginary[0] = -chirpImaginary[0]
      for t in 1..<length {
        filterReal[t] = chirpReal[t]
        filterImaginary[t] = -chirpImaginary[t]
        filterReal[padded - t] = chirpReal[t]
        filterImaginary[padded - t] = -chirpImaginary[t]
      }
      inner.transform(&filterReal, &filterImaginary, inverse: false)
      kind = .bluestein(chirpReal: chirpReal, chirpImaginary: chirpImaginary, filterReal: filterReal,
                        filterImaginary: filterImaginary, inner: inner)
    }
  }

  /// Transforms `(real, imaginary)` in place; the inverse includes the `1/n` factor.
  public func transform(_ real: inout [Double], _ imaginary: inout [Double], inverse: Bool = false) {
    precondition(real.count == length && imaginary.count == length,
                 "FFT of length \(length) got \(real.count) and \(imaginary.count) values")
    switch kind {
    case .trivial:
      return
    case let .radix2(cosines, sines, bitReversal):
      Radix2(cosines: cosines, sines: sines, bitReversal: bitReversal).transform(&real, &imaginary, inverse: inverse)
    case let .bluestein(chirpReal, chirpImaginary, filterReal, filterImaginary, inner):
      // The inverse transform is the conjugate of the forward transform of the conjugate.
      let sign: Double = inverse ? -1 : 1
      let padded = inner.length
      var workReal = [Double](repeating: 0, count: padded), workImaginary = workReal
      for t in 0..<length {
        let xr = real[t], xi = sign * imaginary[t]
        workReal[t] = xr * chirpReal[t] - xi * chirpImaginary[t]
        workImaginary[t] = xr * chirpImaginary[t] + xi * chirpReal[t]
      }
      inner.transform(&workReal, &workImaginary, inverse: false)
      for f in 0..<padded {
        let ar = workReal[f], ai = workImaginary[f]
        workReal[f] = ar * filterReal[f] - ai * filterImaginary[f]
        workImaginary[f] = ar * filterImaginary[f] + ai * filterReal[f]
      }
      inner.transform(&workReal, &workImaginary, inverse: true)
      let scale = inverse ? 1.0 / Double(length) : 1.0
      for f in 0..<length {
        let ar = workReal[f], ai = workImaginary[f]
        real[f] = scale * (ar * chirpReal[f] - ai * chirpImaginary[f])
        imaginary[f] = scale * sign * (ar * chirpImaginary[f] + ai * chirpReal[f])
      }
    }
  }
}

/// The iterative radix-2 Cooley–Tukey transform behind `FFT`.
struct Radix2: Sendable {
  let length: Int
  let cosines: [Double]
  let sines: [Double]
  let bitReversal: [Int]

  init(length: Int) {
    self.length = length
    var cosines = [Double](repeating: 0, count: length / 2), sines = cosines
    for index in 0..<length / 2 {
      let angle = 2 * Double.pi * Double(index) / Double(length)
      cosines[index] = cos(angle)
      sines[index] = sin(angle)
    }
    var bits = 0
    while 1 << bits < length { bits += 1 }
    var reversal = [Int](repeating: 0, count: length)
    for index in 0..<length {
      var reversed = 0
      for bit in 0..<bits where index & (1 << bit) != 0 { reversed |= 1 << (bits - 1 - bit) }
      reversal[index] = reversed
    }
    self.cosines = cosines
    self.sines = sines
    self.bitReversal = reversal
  }

  init(cosines: [Double], sines: [Double], bitReversal: [Int]) {
    self.length = bitReversal.count
    self.cosines = cosines
    self.sines = sines
    self.bitReversal = bitReversal
  }

  func transform(_ real: inout [Double], _ imaginary: inout [Double], inverse: Bool) {
    let n = length
    for index in 0..<n {
      let partner = bitReversal[index]
      if partner > index {
        real.swapAt(index, partner)
        imaginary.swapAt(index, partner)
      }
    }
    let sign: Double = inverse ? 1 : -1
    var half = 1
    while half < n {
      let stride = n / (2 * half)
      var start = 0
      while start < n {
        for offset in 0..<half {
          let wr = cosines[offset * stride], wi = sign * sines[offset * stride]
          let top = start + offset, bottom = top + half
          let br = real[bottom] * wr - imaginary[bottom] * wi
          let bi = real[bottom] * wi + imaginary[bottom] * wr
          real[bottom] = real[top] - br
          imaginary[bottom] = imaginary[top] - bi
          real[top] += br
          imaginary[top] += bi
        }
        start += 2 * half
      }
      half *= 2
    }
    if inverse {
      let scale = 1.0 / Double(n)
      for index in 0..<n {
        real[index] *= scale
        imaginary[index] *= scale
      }
    }
  }
}

/// A complex `H × W` array in split real/imaginary form, row-major.
public struct ComplexPlane: Equatable, Sendable {
  public let height: Int
  public let width: Int
  public var real: [Double]
  public var imaginary: [Double]

  public init(height: Int, width: Int, real: [Double], imaginary: [Double]) {
    precondition(real.count == height * width && imaginary.count == height * width,
                 "complex plane \(height)×\(width) got \(real.count) and \(imaginary.count) values")
    self.height = height
    self.width = width
    self.real = real
    self.imaginary = imaginary
  }

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

/// The two-dimensional DFT of `H × W` planes: rows, then columns.
///
/// ```
/// X[u, v] = Σ_{i,j} x[i, j] · exp(−2πi (u·i/H + v·j/W))
/// ```
public struct FFT2D: Sendable {
  public let height: Int
  public let width: Int
  private let rows: FFT
  private let columns: FFT

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

  /// Transforms a complex plane in place.
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
