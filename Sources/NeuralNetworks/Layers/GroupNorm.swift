import Foundation
import Tensors

/// Group normalisation ([Wu & He 2018](https://arxiv.org/abs/1803.08494)).
///
/// ```
/// μ_{n,g} = mean of x[n, c, :, :] over the channels c of group g,   σ²_{n,g} the matching variance
/// y[n, c, i, j] = γ[c] · (x[n, c, i, j] − μ_{n,g}) / √(σ²_{n,g} + ε) + β[c]
/// ```
/// Backward, with `x̂` the normalised input and `M` the group's size:
/// `∂x = (1/√(σ²+ε)) · (g − mean(g) − x̂ · mean(g ⊙ x̂))`, `g = γ ⊙ ∂y`.
///
/// - Shapes: `N × C × H × W` in and out; `scale` γ and `offset` β are `C`; `C` divisible by `groups`.
///   `groups == 1` is a LayerNorm over `C × H × W`; `groups == C` is InstanceNorm.
public final class GroupNorm: Layer {
  public let channels: Int
  public let groups: Int
  public let epsilon: Float
  /// γ, `C`, starts at 1.
  public let scale: Parameter
  /// β, `C`, starts at 0.
  public let offset: Parameter

  private var normalized: Tensor?
  private var inverseDeviations: [Float] = []

  public init(groups: Int, channels: Int, epsilon: Float = 1e-5) {
    precondition(groups > 0 && channels % groups == 0, "GroupNorm: \(channels) channels do not split into \(groups) groups")
    self.channels = channels
    self.groups = groups
    self.epsilon = epsilon
    scale = Parameter(name: "scale", value: Tensor(repeating: 1, shape: [channels]), decays: false)
    offset = Parameter(name: "offset", value: Tensor(zeros: [channels]), decays: false)
  }

  public var parameters: [Parameter] { [scale, offset] }

  public func forward(_ x: Tensor) -> Tensor {
    let shape = x.imageBatchShape
    precondition(shape.channels == channels, "GroupNorm expects \(channels) channels, got input \(shape)")
    let groupSize = channels / groups * shape.planeSize, plane = shape.planeSize, perGroup = channels / groups
    var xHat = x, output = x
    var inverse = [Float](repeating: 0, count: shape.count * groups)
    let epsilon = epsilon, groups = groups
    xHat.withMutableSendablePointer { xh in
      output.withMutableSendablePointer { y in
        scale.value.withSendablePointer { gamma in
          offset.value.withSendablePointer { beta in
            inverse.withUnsafeMutableBufferPointer { inv in
              let inv = SendablePointer(inv.baseAddress!)
              Parallel.forEach(shape.count * groups) { piece in
                let base = xh + piece * groupSize
                var sum = 0.0
                for index in 0..<groupSize { sum += Double(base[index]) }
                let mean = Float(sum / Double(groupSize))
                var squares = 0.0
                for index in 0..<groupSize { let d = Double(base[index] - mean); squares += d * d }
                let invStd = 1 / (Float(squares / Double(groupSize)) + epsilon).squareRoot()
                inv[piece] = invStd
                let firstChannel = (piece % groups) * perGroup
                for local in 0..<perGroup {
                  let c = firstChannel + local
                  let row = base + local * plane, out = y + piece * groupSize + local * plane
                  for p in 0..<plane {
                    let normalizedValue = (row[p] - mean) * invStd
                    row[p] = normalizedValue
                    out[p] = gamma[c] * normalizedValue + beta[c]
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
    guard let xHat = normalized else { preconditionFailure("GroupNorm.backward called before forward") }
    precondition(gradOutput.shape == xHat.shape, "GroupNorm.backward expects shape \(xHat.shape), got \(gradOutput.shape)")
    let shape = xHat.imageBatchShape, plane = shape.planeSize, perGroup = channels / groups
    let groupSize = perGroup * plane, groups = groups, channels = channels
    var gradInput = gradOutput
    // Per-image partial parameter gradients, summed over images in order afterwards.
    var partialScale = [Float](repeating: 0, count: shape.count * channels), partialOffset = partialScale
    xHat.withSendablePointer { xh in
      gradInput.withMutableSendablePointer { g in
        scale.value.withSendablePointer { gamma in
          partialScale.withUnsafeMutableBufferPointer { ps in
            partialOffset.withUnsafeMutableBufferPointer { po in
              inverseDeviations.withUnsafeBufferPointer { inv in
                let ps = SendablePointer(ps.baseAddress!), po = SendablePointer(po.baseAddress!)
                let inv = SendablePointer(inv.baseAddress!)
                Parallel.forEach(shape.count * groups) { piece in
                  let n = piece / groups, firstChannel = (piece % groups) * perGroup
                  let gBase = g + piece * groupSize, xBase = xh + piece * groupSize
                  var meanG = 0.0, meanGX = 0.0
                  for local in 0..<perGroup {
                    let c = firstChannel + local
                    var sumDy: Float = 0, sumDyX: Float = 0
                    for p in 0..<plane {
                      let index = local * plane + p
                      let dy = gBase[index]
                      sumDy += dy
                      sumDyX += dy * xBase[index]
                      let scaled = gamma[c] * dy
                      gBase[index] = scaled
                      meanG += Double(scaled)
                      meanGX += Double(scaled * xBase[index])
                    }
                    ps[n * channels + c] = sumDyX
                    po[n * channels + c] = sumDy
                  }
                  let mg = Float(meanG / Double(groupSize)), mgx = Float(meanGX / Double(groupSize))
                  let invStd = inv[piece]
                  for index in 0..<groupSize {
                    gBase[index] = invStd * (gBase[index] - mg - xBase[index] * mgx)
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
