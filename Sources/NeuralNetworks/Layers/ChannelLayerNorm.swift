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
  public let channels: Int
  public let epsilon: Float
  public let scale: Parameter
  public let offset: Parameter
  private var normalized: Tensor?
  private var inverseDeviations: [Float] = []

  public init(channels: Int, epsilon: Float = 1e-5) {
    precondition(channels > 0, "ChannelLayerNorm needs a positive channel count, got \(channels)")
    self.channels = channels
    self.epsilon = epsilon
    scale = Parameter(name: "scale", value: Tensor(repeating: 1, shape: [channels]), decays: false)
    offset = Parameter(name: "offset", value: Tensor(zeros: [channels]), decays: false)
  }

  public var parameters: [Parameter] { [scale, offset] }

  public func forward(_ x: Tensor) -> Tensor {
    let shape = x.imageBatchShape
    precondition(shape.channels == channels, "ChannelLayerNorm expects \(channels) channels, got input \(shape)")
    let plane = shape.planeSize, channels = channels, epsilon = epsilon
    var xHat = x, output = x
    var inverse = [Float](repeating: 0, count: shape.count * plane)
    xHat.withMutableSendablePointer { xh in
      output.withMutableSendablePointer { y in
        scale.value.withSendablePointer { gamma in
          offset.value.withSendablePointer { beta in
            inverse.withUnsafeMutableBufferPointer { inv in
              let inv = SendablePointer(inv.baseAddress!)
              Parallel.forEach(shape.count) { n in
                let image = xh + n * channels * plane, out = y + n * channels * plane
                var mean = [Float](repeating: 0, count: plane), variance = mean
                for c in 0..<channels { let row = image + c * plane; for p in 0..<plane { mean[p] += row[p] } }
                for p in 0..<plane { mean[p] /= Float(channels) }
                for c in 0..<channels {
                  let row = image + c * plane
                  for p in 0..<plane { let d = row[p] - mean[p]; variance[p] += d * d }
                }
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
      }
    }
    normalized = xHat
    inverseDeviations = inverse
    return output
  }

  public func backward(_ gradOutput: Tensor) -> Tensor {
    guard let xHat = normalized else { preconditionFailure("ChannelLayerNorm.backward called before forward") }
    precondition(gradOutput.shape == xHat.shape, "ChannelLayerNorm.backward expects shape \(xHat.shape), got \(gradOutput.shape)")
    let shape = xHat.imageBatchShape, plane = shape.planeSize, channels = channels
    var gradInput = gradOutput
    var partialScale = [Float](repeating: 0, count: shape.count * channels), partialOffset = partialScale
    xHat.withSendablePointer { xh in
      gradInput.withMutableSendablePointer { g in
        scale.value.withSendablePointer { gamma in
          inverseDeviations.withUnsafeBufferPointer { inv in
            partialScale.withUnsafeMutableBufferPointer { ps in
              partialOffset.withUnsafeMutableBufferPointer { po in
                let inv = SendablePointer(inv.baseAddress!)
                let ps = SendablePointer(ps.baseAddress!), po = SendablePointer(po.baseAddress!)
                Parallel.forEach(shape.count) { n in
                  let gImage = g + n * channels * plane, xImage = xh + n * channels * plane
                  var meanG = [Float](repeating: 0, count: plane), meanGX = meanG
                  for c in 0..<channels {
                    let row = gImage + c * plane, xr = xImage + c * plane
                    var sumDy: Float = 0, sumDyX: Float = 0
                    for p in 0..<plane {
                      let dy = row[p]
                      sumDy += dy
                      sumDyX += dy * xr[p]
                      let scaled = gamma[c] * dy
                      row[p] = scaled
                      meanG[p] += scaled
                      meanGX[p] += scaled * xr[p]
                    }
                    ps[n * channels + c] = sumDyX
                    po[n * channels + c] = sumDy
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
    }
    for n in 0..<shape.count {
      for c in 0..<channels {
        scale.gradient.scalars[c] += partialScale[n * channels + c]
        offset.gradient.scalars[c] += partialOffset[n * channels + c]
      }
    }
    return gradInput
  }
}
