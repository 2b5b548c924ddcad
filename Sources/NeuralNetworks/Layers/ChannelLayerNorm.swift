import Foundation
import Tensors

/// Layer normalisation over the channels of each pixel ([Ba et al. 2016](https://arxiv.org/abs/1607.06450)),
/// the per-token LayerNorm of an MLP applied to every pixel; local, so it keeps the receptive field.
///
/// ```
/// μ_{n,i,j}, σ²_{n,i,j} = mean and variance of x[n, :, i, j];  y[n, c, i, j] = γ_c (x − μ)/√(σ² + ε) + β_c
/// ```
/// Backward: `∂x = (1/√(σ²+ε)) · (g − mean_c(g) − x̂ · mean_c(g ⊙ x̂))`, `g = γ ⊙ ∂y`.
///
/// - Shapes: `N × C × H × W` in and out; γ (`scale`) and β (`offset`) are `C`.
public final class ChannelLayerNorm: Layer {
  /// The channels `C` normalised together at every pixel.
  public let channels: Int
  /// `ε`, added to the variance (PyTorch's default `1e-5`).
  public let epsilon: Float
  /// γ, `C`, starts at 1.
  public let scale: Parameter
  /// β, `C`, starts at 0.
  public let offset: Parameter
  /// `x̂` of the latest `forward`.
  private var normalized: Tensor?
  /// `1/√(σ² + ε)` per image and pixel, `N · H · W`.
  private var inverseDeviations: [Float] = []

  /// A channel LayerNorm with `γ = 1`, `β = 0`.
  public init(channels: Int, epsilon: Float = 1e-5) {
    precondition(channels > 0, "ChannelLayerNorm needs a positive channel count, got \(channels)")
    self.channels = channels
    self.epsilon = epsilon
    (scale, offset) = AffineNormalization.parameters(channels: channels)
  }

  /// `[scale, offset]`.
  public var parameters: [Parameter] { [scale, offset] }

  /// Normalises the channels of every pixel; `N × C × H × W` in and out.
  ///
  /// The statistics are summed in `Float` over the channels, one plane at a time, so the loops
  /// run along contiguous rows.
  public func forward(_ x: Tensor) -> Tensor {
    let shape = x.imageBatchShape
    precondition(shape.channels == channels, "ChannelLayerNorm expects \(channels) channels, got input \(shape)")
    let plane = shape.planeSize, channels = channels, epsilon = epsilon
    let gamma = scale.value.scalars, beta = offset.value.scalars
    var xHat = x, output = x
    var inverse = [Float](repeating: 0, count: shape.count * plane)
    xHat.withMutableSendablePointer { xh in
      output.withMutableSendablePointer { y in
        inverse.withMutableSendablePointer { inv in
          Parallel.forEach(shape.count) { n in
            let image = xh + n * channels * plane, out = y + n * channels * plane
            var mean = [Float](repeating: 0, count: plane), variance = mean
            for c in 0..<channels { let row = image + c * plane; for p in 0..<plane { mean[p] += row[p] } }
            for p in 0..<plane { mean[p] /= Float(channels) }
            for c in 0..<channels {
              let row = image + c * plane
              for p in 0..<plane { let d = row[p] - mean[p]; variance[p] += d * d }
            }
            // `variance` becomes 1/√(σ² + ε).
            for p in 0..<plane {
              let value = 1 / (variance[p] / Float(channels) + epsilon).squareRoot()
              variance[p] = value
              inv[n * plane + p] = value
            }
            for c in 0..<channels {
              let row = image + c * plane, target = out + c * plane
              for p in 0..<plane {
                let value = (row[p] - mean[p]) * variance[p]
                row[p] = value
                target[p] = gamma[c] * value + beta[c]
              }
            }
          }
        }
      }
    }
    normalized = xHat
    inverseDeviations = inverse
    return output
  }

  /// The input gradient of the latest `forward`; adds `∂γ` and `∂β` to the parameters.
  ///
  /// The parameter gradients are summed per image, then over the images in order.
  public func backward(_ gradOutput: Tensor) -> Tensor {
    guard let xHat = normalized else { preconditionFailure("ChannelLayerNorm.backward called before forward") }
    precondition(gradOutput.shape == xHat.shape, "ChannelLayerNorm.backward expects shape \(xHat.shape), got \(gradOutput.shape)")
    let shape = xHat.imageBatchShape, plane = shape.planeSize, channels = channels, gamma = scale.value.scalars
    var gradInput = gradOutput
    var partialScale = [Float](repeating: 0, count: shape.count * channels), partialOffset = partialScale
    xHat.withSendablePointer { xh in
      gradInput.withMutableSendablePointer { g in
        inverseDeviations.withSendablePointer { inv in
          partialScale.withMutableSendablePointer { ps in
            partialOffset.withMutableSendablePointer { po in
              Parallel.forEach(shape.count) { n in
                let gImage = g + n * channels * plane, xImage = xh + n * channels * plane
                var meanG = [Float](repeating: 0, count: plane), meanGX = meanG
                for c in 0..<channels {
                  let row = gImage + c * plane, xr = xImage + c * plane
                  let sums = AffineNormalization.scaleGradient(row, normalized: xr, count: plane, scale: gamma[c])
                  ps[n * channels + c] = sums.sumTimesNormalized
                  po[n * channels + c] = sums.sum
                  for p in 0..<plane {
                    meanG[p] += row[p]
                    meanGX[p] += row[p] * xr[p]
                  }
                }
                let inverseCount = 1 / Float(channels)
                for c in 0..<channels {
                  let row = gImage + c * plane, xr = xImage + c * plane
                  for p in 0..<plane {
                    row[p] = inv[n * plane + p] * (row[p] - meanG[p] * inverseCount - xr[p] * meanGX[p] * inverseCount)
                  }
                }
              }
            }
          }
        }
      }
    }
    AffineNormalization.addPartialGradients(partialScale, partialOffset, images: shape.count, scale: scale, offset: offset)
    return gradInput
  }
}
