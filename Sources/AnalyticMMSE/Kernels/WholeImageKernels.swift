import Foundation
import Tensors
import Physics

/// The whitening of whole images for `mmse` and `e-mmse`: `w = Σ^(+1/2) v` per channel, so the
/// Mahalanobis distance `(v − v')ᵀ Σ⁺ (v − v')` is `‖w − w'‖²`.
///
/// A circulant `B Bᵀ` is diagonal in Fourier space with eigenvalues `λ_f = 𝓕(autocorrelation)`:
/// `w = 𝓕⁻¹(𝓕v · λ_f^(−1/2) / σ)` over the kept frequencies (`λ_f > 1e-10 · max λ`).
struct WholeImageWhitening: Sendable {
  enum Kind: Sendable {
    case gain([Double])  // per pixel; 0 = noise-free
    case fourier(gain: [Double], fft: FFT2D)
  }
  let kind: Kind
  let height: Int
  let width: Int
  /// Per pixel: whether it is known exactly (zero variance).
  let noiseFree: [Bool]

  init(structure: InputNoiseStructure, sigma: Double, height: Int, width: Int) {
    self.height = height
    self.width = width
    let pixels = height * width
    switch structure {
    case let .scaledIdentity(scale):
      kind = .gain(.init(repeating: 1 / (sigma * scale.squareRoot()), count: pixels))
      noiseFree = .init(repeating: false, count: pixels)
    case let .diagonal(variance):
      kind = .gain(variance.map { $0 > 0 ? 1 / (sigma * $0.squareRoot()) : 0 })
      noiseFree = variance.map { $0 == 0 }
    case let .circulant(autocorrelation, _, _):
      let fft = FFT2D(height: height, width: width)
      let eigenvalues = fft.forward(autocorrelation).real
      let largest = eigenvalues.max() ?? 0
      kind = .fourier(gain: eigenvalues.map { $0 > 1e-10 * largest ? 1 / (sigma * $0.squareRoot()) : 0 }, fft: fft)
      noiseFree = .init(repeating: false, count: pixels)
    }
  }

  /// The whitened channels of one image (`C × H × W` values), in `Double`.
  func whiten(_ image: UnsafePointer<Float>, channels: Int) -> [Double] {
    let pixels = height * width
    var result = [Double](repeating: 0, count: channels * pixels)
    for c in 0..<channels {
      let plane = UnsafeBufferPointer(start: image + c * pixels, count: pixels)
      switch kind {
      case let .gain(gain):
        for p in 0..<pixels { result[c * pixels + p] = Double(plane[p]) * gain[p] }
      case let .fourier(gain, fft):
        var spectrum = fft.forward(plane)
        for f in 0..<pixels {
          spectrum.real[f] *= gain[f]
          spectrum.imaginary[f] *= gain[f]
        }
        let values = fft.inverseReal(spectrum)
        for p in 0..<pixels { result[c * pixels + p] = values[p] }
      }
    }
    return result
  }

  /// The shifts `s` under which the pattern of noise-free pixels is unchanged
  /// (`noiseFree[p + s] == noiseFree[p]` for all `p`).
  func patternPreservingShifts() -> [Bool] {
    (0 ..< height * width).map { s in
      let (sy, sx) = (s / width, s % width)
      return (0 ..< height * width).allSatisfy { p in
        noiseFree[((p / width + sy) % height) * width + (p % width + sx) % width] == noiseFree[p]
      }
    }
  }
}
