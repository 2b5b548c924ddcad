import Foundation
import Tensors

/// Structural similarity (Wang, Bovik, Sheikh & Simoncelli, [Image quality assessment: from
/// error visibility to structural similarity](https://doi.org/10.1109/TIP.2003.819861), 2004).
///
/// ```
/// SSIM = mean over pixels of ((2 μa μb + C1)(2 σab + C2)) / ((μa² + μb² + C1)(σa² + σb² + C2))
/// C1 = (0.01 L)²,  C2 = (0.03 L)²
/// ```
/// with local statistics from an `11 × 11` Gaussian window of standard deviation 1.5 applied
/// without padding ("valid", as pytorch_msssim and deepinv do), each channel separately, then
/// averaged over channels and pixels per image, then over images. Images smaller than the
/// window use a window of their own size (odd, at most `min(H, W)`).
///
/// - Parameters:
///   - a: estimates, `N × C × H × W` (or `C × H × W`).
///   - b: references of the same shape.
///   - dataRange: `L`, 1 for images in `[0, 1]`.
/// - Returns: the mean SSIM over images.
public func ssim(_ a: Tensor, _ b: Tensor, dataRange: Double = 1) -> Double {
  let values = ssimPerImage(a, b, dataRange: dataRange)
  return values.reduce(0, +) / Double(values.count)
}

/// The SSIM of each image (see `ssim(_:_:dataRange:)`).
public func ssimPerImage(_ a: Tensor, _ b: Tensor, dataRange: Double = 1) -> [Double] {
  precondition(a.shape == b.shape, "SSIM of shapes \(a.shape) and \(b.shape)")
  let batchA = a.asImageBatch, batchB = b.asImageBatch
  let shape = batchA.imageBatchShape
  var extent = Swift.min(11, shape.height, shape.width)
  if extent % 2 == 0 { extent -= 1 }
  let window = gaussianWindow(extent: extent, standardDeviation: 1.5)
  let c1 = (0.01 * dataRange) * (0.01 * dataRange), c2 = (0.03 * dataRange) * (0.03 * dataRange)
  let outHeight = shape.height - extent + 1, outWidth = shape.width - extent + 1
  return (0..<shape.count).map { n in
    var total = 0.0
    for c in 0..<shape.channels {
      let base = (n * shape.channels + c) * shape.planeSize
      for i in 0..<outHeight {
        for j in 0..<outWidth {
          var meanA = 0.0, meanB = 0.0, meanAA = 0.0, meanBB = 0.0, meanAB = 0.0
          for u in 0..<extent {
            for v in 0..<extent {
              let weight = window[u] * window[v]
              let index = base + (i + u) * shape.width + (j + v)
              let x = Double(batchA.scalars[index]), y = Double(batchB.scalars[index])
              meanA += weight * x
              meanB += weight * y
              meanAA += weight * x * x
              meanBB += weight * y * y
              meanAB += weight * x * y
            }
          }
          let varianceA = meanAA - meanA * meanA, varianceB = meanBB - meanB * meanB
          let covariance = meanAB - meanA * meanB
          total += ((2 * meanA * meanB + c1) * (2 * covariance + c2))
            / ((meanA * meanA + meanB * meanB + c1) * (varianceA + varianceB + c2))
        }
      }
    }
    return total / Double(shape.channels * outHeight * outWidth)
  }
}

/// A normalised 1-D Gaussian of `extent` taps.
func gaussianWindow(extent: Int, standardDeviation: Double) -> [Double] {
  let center = Double(extent / 2)
  let weights = (0..<extent).map { exp(-(Double($0) - center) * (Double($0) - center) / (2 * standardDeviation * standardDeviation)) }
  let total = weights.reduce(0, +)
  return weights.map { $0 / total }
}
