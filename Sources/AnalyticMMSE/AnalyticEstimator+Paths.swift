import Foundation
import Tensors

extension AnalyticEstimator {
  /// `l-mmse`: the query's own position in every training image.
  func accumulateLocal(_ inputs: Tensor, progress: (@Sendable (Double) -> Void)?) -> ReductionPart {
    let shape = training.imageBatchShape
    let geometry = patchGeometry
    let tests = inputs.imageBatchShape.count
    let pixels = shape.planeSize
    let means = self.means, training = self.training
    // Query features per class: tests × positions × dimension.
    let queries = DenseClassKernel(geometry: geometry, threshold: .infinity).queries(for: inputs)
    return reduceOverTraining(tests: tests, progress: progress) { images in
      var results = (0..<tests).map { _ in SoftmaxAccumulator(pixels: pixels, channels: shape.channels) }
      means.scalars.withUnsafeBufferPointer { m in
        for image in images {
          for (c, patchClass) in geometry.classes.enumerated() {
            let dimension = queries[c].dimension, positions = patchClass.positions.count
            var keys = [Float](repeating: 0, count: positions * dimension)
            keys.withUnsafeMutableBufferPointer {
              geometry.features(of: m.baseAddress! + image * shape.imageSize, classIndex: c, into: $0.baseAddress!)
            }
            for t in 0..<tests {
              for (row, p) in patchClass.positions.enumerated() {
                var distance = 0.0
                for k in 0..<dimension {
                  let difference = Double(queries[c].features[(t * positions + row) * dimension + k]) - Double(keys[row * dimension + k])
                  distance += difference * difference
                }
                results[t].add(pixel: p, logit: -0.5 * distance) { channel in
                  Double(training.scalars[image * shape.imageSize + channel * pixels + p])
                }
              }
            }
          }
        }
      }
      return results
    }
  }

  /// `mmse`: one weight per training image from the whole whitened image.
  func accumulateWholeImage(_ inputs: Tensor, progress: (@Sendable (Double) -> Void)?) -> ReductionPart {
    let shape = training.imageBatchShape
    let whitening = WholeImageWhitening(structure: structure, sigma: settings.sigma, height: shape.height, width: shape.width)
    let tests = inputs.imageBatchShape.count
    let pixels = shape.planeSize
    let queries = (0..<tests).map { t in
      inputs.scalars.withUnsafeBufferPointer { whitening.whiten($0.baseAddress! + t * shape.imageSize, channels: shape.channels) }
    }
    let means = self.means, training = self.training
    return reduceOverTraining(tests: tests, progress: progress) { images in
      var results = (0..<tests).map { _ in SoftmaxAccumulator(pixels: pixels, channels: shape.channels) }
      for image in images {
        let key = means.scalars.withUnsafeBufferPointer { whitening.whiten($0.baseAddress! + image * shape.imageSize, channels: shape.channels) }
        for t in 0..<tests {
          var distance = 0.0
          for index in key.indices {
            let difference = queries[t][index] - key[index]
            distance += difference * difference
          }
          for p in 0..<pixels {
            results[t].add(pixel: p, logit: -0.5 * distance) { channel in
              Double(training.scalars[image * shape.imageSize + channel * pixels + p])
            }
          }
        }
      }
      return results
    }
  }

  /// `e-mmse`: every circular shift of every training image; distances to all shifts at once
  /// by FFT cross-correlation, `‖w_u‖² + ‖w_m‖² − 2 Σ_p w_u[p] w_m[p + s]`.
  func accumulateEquivariant(_ inputs: Tensor, progress: (@Sendable (Double) -> Void)?) -> ReductionPart {
    let shape = training.imageBatchShape
    let (height, width, channels) = (shape.height, shape.width, shape.channels)
    let pixels = shape.planeSize
    let whitening = WholeImageWhitening(structure: structure, sigma: settings.sigma, height: height, width: width)
    let validShifts = whitening.patternPreservingShifts()
    let fft = FFT2D(height: height, width: width)
    let tests = inputs.imageBatchShape.count
    struct Query { var spectra: [ComplexPlane]; var squaredNorm: Double }
    let queries: [Query] = (0..<tests).map { t in
      let whitened = inputs.scalars.withUnsafeBufferPointer { whitening.whiten($0.baseAddress! + t * shape.imageSize, channels: channels) }
      return Query(spectra: (0..<channels).map { fft.forward(whitened[$0 * pixels ..< ($0 + 1) * pixels]) },
                   squaredNorm: whitened.reduce(0) { $0 + $1 * $1 })
    }
    let means = self.means, training = self.training
    return reduceOverTraining(tests: tests, chunkSize: 64, progress: progress) { images in
      // Per test image: one running maximum and sums (the weights do not depend on p).
      var results = (0..<tests).map { _ in SoftmaxAccumulator(pixels: pixels, channels: channels) }
      for image in images {
        let whitened = means.scalars.withUnsafeBufferPointer { whitening.whiten($0.baseAddress! + image * shape.imageSize, channels: channels) }
        let squaredNorm = whitened.reduce(0) { $0 + $1 * $1 }
        let keySpectra = (0..<channels).map { fft.forward(whitened[$0 * pixels ..< ($0 + 1) * pixels]) }
        let valueSpectra = (0..<channels).map { c in
          fft.forward(training.scalars[image * shape.imageSize + c * pixels ..< image * shape.imageSize + (c + 1) * pixels])
        }
        for t in 0..<tests {
          var cross = ComplexPlane(height: height, width: width)
          for c in 0..<channels {
            let product = keySpectra[c].multiplied(by: queries[t].spectra[c], conjugatingOther: true)
            for f in 0..<pixels {
              cross.real[f] += product.real[f]
              cross.imaginary[f] += product.imaginary[f]
            }
          }
          let correlation = fft.inverseReal(cross)  // Σ_p w_u[p] w_m[p + s]
          var logits = [Double](repeating: -.infinity, count: pixels)
          for s in 0..<pixels where validShifts[s] {
            logits[s] = -0.5 * Swift.max(0, queries[t].squaredNorm + squaredNorm - 2 * correlation[s])
          }
          Self.addShiftWeights(logits: logits, values: valueSpectra, fft: fft, to: &results[t])
        }
      }
      return results
    }
  }

  /// Adds one training image's candidates at every shift `s`, with log-weights `logits[s]`
  /// that do not depend on the pixel: `Σ_s w[s] x[p + s]` for every `p` is a correlation,
  /// computed by FFT.
  private static func addShiftWeights(logits: [Double], values valueSpectra: [ComplexPlane], fft: FFT2D,
                                      to result: inout SoftmaxAccumulator) {
    let pixels = logits.count, channels = valueSpectra.count
    let largest = logits.max()!
    if largest > result.maximum[0] {
      for p in 0..<pixels { result.rescale(pixel: p, to: largest) }
    }
    let reference = result.maximum[0]
    let weights = logits.map { exp($0 - reference) }
    let weightSum = weights.reduce(0, +), weightSquareSum = weights.reduce(0) { $0 + $1 * $1 }
    let weightSpectrum = fft.forward(weights)
    for c in 0..<channels {
      let contribution = fft.inverseReal(valueSpectra[c].multiplied(by: weightSpectrum, conjugatingOther: true))
      for p in 0..<pixels { result.weighted[p * channels + c] += contribution[p] }
    }
    for p in 0..<pixels {
      result.sum[p] += weightSum
      result.squareSum[p] += weightSquareSum
    }
  }
}
