import Tensors
import Foundation

/// The peak used by PSNR.
public enum PSNRPeak: String, CaseIterable, Codable, Sendable {
  /// Peak 1, for images in `[0, 1]`: `10·log10(1 / MSE)`.
  case one
  /// The reference image's own dynamic range `max(b) − min(b)`, as deepinv's
  /// `PSNR(max_pixel=None)` does: `10·log10(range² / MSE)`.
  case referenceRange
}

/// Peak signal-to-noise ratio between estimates `a` and references `b`, in dB.
///
/// ```
/// PSNR(a, b) = mean over images n of 10·log10(peak_n² / mean((a_n − b_n)²))
/// ```
/// computed **per image** and then averaged (deepinv's convention).
///
/// - Parameters:
///   - a: estimates, `N × C × H × W` (or one `C × H × W` image).
///   - b: references of the same shape.
///   - peak: `.one` (default) or the reference's dynamic range.
/// - Returns: the mean PSNR in dB; `+∞` when some image matches exactly.
public func psnr(_ a: Tensor, _ b: Tensor, peak: PSNRPeak = .one) -> Double {
  let values = psnrPerImage(a, b, peak: peak)
  return values.reduce(0, +) / Double(values.count)
}

/// The PSNR of each image, in dB (see `psnr(_:_:peak:)`).
public func psnrPerImage(_ a: Tensor, _ b: Tensor, peak: PSNRPeak = .one) -> [Double] {
  precondition(a.shape == b.shape, "PSNR of shapes \(a.shape) and \(b.shape)")
  let batchA = a.asImageBatch, batchB = b.asImageBatch
  let size = batchA.imageBatchShape.imageSize
  return (0..<batchA.imageBatchShape.count).map { n in
    var squaredError = 0.0
    var lowest = Double.infinity, highest = -Double.infinity
    for index in n * size ..< (n + 1) * size {
      let reference = Double(batchB.scalars[index])
      let difference = Double(batchA.scalars[index]) - reference
      squaredError += difference * difference
      lowest = Swift.min(lowest, reference)
      highest = Swift.max(highest, reference)
    }
    let meanSquaredError = squaredError / Double(size)
    let peakValue = peak == .one ? 1.0 : highest - lowest
    return 10 * log10(peakValue * peakValue / meanSquaredError)
  }
}
