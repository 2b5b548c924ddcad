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
/// - Note: the statistics span the whole image, so a network with GroupNorm has no fixed
///   receptive field, strictly.
public final class GroupNorm: Layer {
  /// The channels `C` of input and output.
  public let channels: Int
  /// The number of groups; each normalises `C / groups` consecutive channels of one image together.
  public let groups: Int
  /// `ε`, added to the variance (PyTorch's default `1e-5`).
  public let epsilon: Float
  /// γ, `C`, starts at 1.
  public let scale: Parameter
  /// β, `C`, starts at 0.
  public let offset: Parameter

  /// `x̂` of the latest `forward`.
  private var normalized: Tensor?
  /// `1/√(σ² + ε)` per image and group, `N · groups`.
  private var inverseDeviations: [Float] = []

  /// A GroupNorm with `γ = 1`, `β = 0`; `channels` must be a positive multiple of `groups`.
  public init(groups: Int, channels: Int, epsilon: Float = 1e-5) {
    precondition(groups > 0 && channels % groups == 0, "GroupNorm: \(channels) channels do not split into \(groups) groups")
    self.channels = channels
    self.groups = groups
    self.epsilon = epsilon
    (scale, offset) = AffineNormalization.parameters(channels: channels)
  }

  /// `[scale, offset]`.
  public var parameters: [Parameter] { [scale, offset] }

  /// Normalises each group of each image; `N × C × H × W` in and out.
  ///
  /// Mean and variance are summed in `Double`, the variance around the rounded mean (two passes).
  public func forward(_ x: Tensor) -> Tensor {
    let shape = x.imageBatchShape
    precondition(shape.channels == channels, "GroupNorm expects \(channels) channels, got input \(shape)")
    let plane = shape.planeSize, perGroup = channels / groups, groupSize = perGroup * plane
    let gamma = scale.value.scalars, beta = offset.value.scalars, epsilon = epsilon, groups = groups
    var xHat = x, output = x
    var inverse = [Float](repeating: 0, count: shape.count * groups)
    xHat.withMutableSendablePointer { xh in
      output.withMutableSendablePointer { y in
        inverse.withMutableSendablePointer { inv in
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
              let c = firstChannel + local, start = piece * groupSize + local * plane
              AffineNormalization.normalize(xh + start, into: y + start, count: plane, mean: mean,
                                            inverseDeviation: invStd, scale: gamma[c], offset: beta[c])
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
  /// The group means of `g` and `g ⊙ x̂` are summed in `Double`; the parameter gradients are
  /// summed per image, then over the images in order.
  public func backward(_ gradOutput: Tensor) -> Tensor {
    guard let xHat = normalized else { preconditionFailure("GroupNorm.backward called before forward") }
    precondition(gradOutput.shape == xHat.shape, "GroupNorm.backward expects shape \(xHat.shape), got \(gradOutput.shape)")
    let shape = xHat.imageBatchShape, plane = shape.planeSize, perGroup = channels / groups
    let groupSize = perGroup * plane, groups = groups, channels = channels, gamma = scale.value.scalars
    var gradInput = gradOutput
    var partialScale = [Float](repeating: 0, count: shape.count * channels), partialOffset = partialScale
    xHat.withSendablePointer { xh in
      gradInput.withMutableSendablePointer { g in
        partialScale.withMutableSendablePointer { ps in
          partialOffset.withMutableSendablePointer { po in
            inverseDeviations.withSendablePointer { inv in
              Parallel.forEach(shape.count * groups) { piece in
                let n = piece / groups, firstChannel = (piece % groups) * perGroup
                let gBase = g + piece * groupSize, xBase = xh + piece * groupSize
                for local in 0..<perGroup {
                  let c = firstChannel + local
                  let sums = AffineNormalization.scaleGradient(gBase + local * plane, normalized: xBase + local * plane,
                                                               count: plane, scale: gamma[c])
                  ps[n * channels + c] = sums.sumTimesNormalized
                  po[n * channels + c] = sums.sum
                }
                var meanG = 0.0, meanGX = 0.0
                for index in 0..<groupSize {
                  meanG += Double(gBase[index])
                  meanGX += Double(gBase[index] * xBase[index])
                }
                AffineNormalization.removeMeanAndProjection(
                  gBase, normalized: xBase, count: groupSize, factor: inv[piece],
                  mean: Float(meanG / Double(groupSize)), projection: Float(meanGX / Double(groupSize)))
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
