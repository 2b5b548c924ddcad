import Foundation
import Testing
@testable import ImageQuality
import Tensors

@Test func psnrIsPerImageThenAveraged() {
  // Image 0 differs by 0.1 everywhere (MSE 0.01 → 20 dB), image 1 by 0.01 (MSE 1e-4 → 40 dB).
  let reference = Tensor(repeating: 0.5, shape: [2, 1, 4, 4])
  var estimate = reference
  for index in 0..<16 { estimate.scalars[index] += 0.1 }
  for index in 16..<32 { estimate.scalars[index] += 0.01 }
  let values = psnrPerImage(estimate, reference)
  #expect(abs(values[0] - 20) < 1e-4 && abs(values[1] - 40) < 1e-3)
  #expect(abs(psnr(estimate, reference) - 30) < 1e-3)  // not 10·log10(1/mean MSE) ≈ 23 dB
}

@Test func psnrWithTheReferenceRangeUsesItsOwnPeak() {
  var reference = Tensor(zeros: [1, 1, 2, 2])
  reference.scalars = [0.2, 0.4, 0.6, 0.7]  // range 0.5
  let estimate = reference + 0.05  // MSE 0.0025
  #expect(abs(psnr(estimate, reference, peak: .referenceRange) - 10 * log10(0.25 / 0.0025)) < 1e-4)
  #expect(abs(psnr(estimate, reference, peak: .one) - 10 * log10(1 / 0.0025)) < 1e-4)
}

@Test func ssimOfConstantImagesHasTheClosedForm() {
  // Constant images: σ = 0, so SSIM = (2ab + C1) / (a² + b² + C1).
  let a = Tensor(repeating: 0.3, shape: [1, 3, 16, 16]), b = Tensor(repeating: 0.7, shape: [1, 3, 16, 16])
  let c1 = 0.0001
  let expected = (2 * 0.3 * 0.7 + c1) / (0.09 + 0.49 + c1)
  #expect(abs(ssim(a, b) - expected) < 1e-5)
  #expect(abs(ssim(b, b) - 1) < 1e-12)
}

@Test func ssimMatchesAPlainReferenceOnRandomImages() {
  var generator = SeededGenerator(seed: 3)
  let a = Tensor.uniform(shape: [1, 1, 12, 12], using: &generator)
  let b = (a + Tensor.gaussian(shape: [1, 1, 12, 12], using: &generator) * 0.1)
  // Plain reference: Gaussian window 11×11, σ 1.5, valid positions (2 × 2 of them).
  let w = (0..<11).map { exp(-Double(($0 - 5) * ($0 - 5)) / 4.5) }
  let total = w.reduce(0, +) * w.reduce(0, +)
  var sum = 0.0
  for i in 0..<2 {
    for j in 0..<2 {
      var ma = 0.0, mb = 0.0, aa = 0.0, bb = 0.0, ab = 0.0
      for u in 0..<11 {
        for v in 0..<11 {
          let weight = w[u] * w[v] / total
          let x = Double(a[0, 0, i + u, j + v]), y = Double(b[0, 0, i + u, j + v])
          ma += weight * x; mb += weight * y; aa += weight * x * x; bb += weight * y * y; ab += weight * x * y
        }
      }
      sum += ((2 * ma * mb + 1e-4) * (2 * (ab - ma * mb) + 9e-4)) / ((ma * ma + mb * mb + 1e-4) * (aa - ma * ma + bb - mb * mb + 9e-4))
    }
  }
  #expect(abs(ssim(b, a) - sum / 4) < 1e-9)
  #expect(ssim(b, a) < 0.99)
}
