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
  /// `n`, the number of values transformed.
  public let length: Int
  private let kind: Kind

  private enum Kind: Sendable {
    case trivial
    case radix2(cosines: [Double], sines: [Double], bitReversal: [Int])
    case bluestein(chirpReal: [Double], chirpImaginary: [Double], filterReal: [Double], filterImaginary: [Double],
                   inner: Radix2)
  }

  /// Plans a transform of `length ≥ 1` values: twiddle factors, and for lengths that are not
  /// powers of two the chirp and its transform, computed once and reused by every `transform`.
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
