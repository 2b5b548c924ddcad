import Foundation
import Tensors

/// Batch normalisation over `N × H × W` per channel ([Ioffe & Szegedy 2015](https://arxiv.org/abs/1502.03167)).
///
/// ```
/// training:  μ_c, σ²_c = mean and (biased) variance of x[:, c, :, :];  y = γ_c (x − μ_c)/√(σ²_c + ε) + β_c
///            running ← (1 − m) · running + m · batch   (variance: the unbiased batch variance, as PyTorch)
/// inference: y = γ_c (x − runningMean_c)/√(runningVariance_c + ε) + β_c   (per-channel affine, local)
/// ```
/// Backward in training mode: `∂x = (1/√(σ²+ε)) · (g − mean(g) − x̂ · mean(g ⊙ x̂))`, `g = γ ⊙ ∂y`, means
/// over `N × H × W`; in inference mode `∂x = γ/√(runningVariance + ε) · ∂y`.
///
/// - Shapes: `N × C × H × W` in and out; γ (`scale`), β (`offset`), running statistics `C`.
public final class BatchNorm: Layer {
  /// The channels `C`, each normalised over the batch.
  public let channels: Int
  /// `ε`, added to the variance (PyTorch's default `1e-5`).
  public let epsilon: Float
  /// `m` in the running-average update (PyTorch's `momentum`, default 0.1).
  public let momentum: Float
  /// `true`: batch statistics, running averages updated; `false`: running statistics.
  public private(set) var isTraining = true
  /// γ, `C`, starts at 1.
  public let scale: Parameter
  /// β, `C`, starts at 0.
  public let offset: Parameter
  /// The running mean per channel, `C`, starts at 0; saved in checkpoints.
  public let runningMean: Buffer
  /// The running (unbiased) variance per channel, `C`, starts at 1; saved in checkpoints.
  public let runningVariance: Buffer

  /// `x̂` of the latest `forward`.
  private var normalized: Tensor?
  /// `1/√(σ² + ε)` per channel, of the batch or of the running variance.
  private var inverseDeviations: [Float] = []
  /// Whether the latest `forward` used batch statistics (and so which backward applies).
  private var trainedForward = true

  /// A BatchNorm in training mode with `γ = 1`, `β = 0` and running statistics `(0, 1)`.
  public init(channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
    precondition(channels > 0, "BatchNorm needs a positive channel count, got \(channels)")
    self.channels = channels
    self.epsilon = epsilon
    self.momentum = momentum
    (scale, offset) = AffineNormalization.parameters(channels: channels)
    runningMean = Buffer(name: "runningMean", value: Tensor(zeros: [channels]))
    runningVariance = Buffer(name: "runningVariance", value: Tensor(repeating: 1, shape: [channels]))
  }

  /// `[scale, offset]`.
  public var parameters: [Parameter] { [scale, offset] }
  /// `[runningMean, runningVariance]`.
  public var buffers: [Buffer] { [runningMean, runningVariance] }
  /// Batch statistics (`true`) or running statistics (`false`) from the next `forward` on.
  public func setTraining(_ training: Bool) { isTraining = training }

  /// Normalises every channel; `N × C × H × W` in and out. In training mode it also updates
  /// the running statistics, and needs more than one value per channel (`N · H · W > 1`).
  public func forward(_ x: Tensor) -> Tensor {
    let shape = x.imageBatchShape
    precondition(shape.channels == channels, "BatchNorm expects \(channels) channels, got input \(shape)")
    let plane = shape.planeSize, channels = channels
    if isTraining { precondition(shape.count * plane > 1, "BatchNorm in training mode needs more than one value per channel, got \(shape)") }
    let (means, variances) = isTraining ? batchStatistics(x) : (runningMean.value.scalars, runningVariance.value.scalars)
    if isTraining { updateRunningStatistics(means: means, variances: variances, values: shape.count * plane) }
    let inverse = variances.map { 1 / ($0 + epsilon).squareRoot() }
    let gamma = scale.value.scalars, beta = offset.value.scalars
    var xHat = x, output = x
    xHat.withMutableSendablePointer { xh in
      output.withMutableSendablePointer { y in
        Parallel.forEach(shape.count * channels) { piece in
          let c = piece % channels
          AffineNormalization.normalize(xh + piece * plane, into: y + piece * plane, count: plane, mean: means[c],
                                        inverseDeviation: inverse[c], scale: gamma[c], offset: beta[c])
        }
      }
    }
    normalized = xHat
    inverseDeviations = inverse
    trainedForward = isTraining
    return output
  }

  /// `running ← (1 − m) · running + m · batch`, the variance made unbiased from `values` per channel.
  private func updateRunningStatistics(means: [Float], variances: [Float], values: Int) {
    let unbiased = Float(values) / Float(values - 1)
    for c in 0..<channels {
      runningMean.value.scalars[c] = (1 - momentum) * runningMean.value.scalars[c] + momentum * means[c]
      runningVariance.value.scalars[c] = (1 - momentum) * runningVariance.value.scalars[c] + momentum * variances[c] * unbiased
    }
  }

  /// The mean and the biased variance of every channel over `N × H × W`, summed in `Double`
  /// (two passes), one channel per piece of work.
  private func batchStatistics(_ x: Tensor) -> (means: [Float], variances: [Float]) {
    let shape = x.imageBatchShape, plane = shape.planeSize, count = shape.count, channels = channels
    let reduced = count * plane
    var means = [Float](repeating: 0, count: channels), variances = means
    x.withSendablePointer { source in
      means.withMutableSendablePointer { m in
        variances.withMutableSendablePointer { v in
          Parallel.forEach(channels) { c in
            var sum = 0.0
            for n in 0..<count { let row = source + (n * channels + c) * plane; for p in 0..<plane { sum += Double(row[p]) } }
            let mean = sum / Double(reduced)
            var squares = 0.0
            for n in 0..<count {
              let row = source + (n * channels + c) * plane
              for p in 0..<plane { let d = Double(row[p]) - mean; squares += d * d }
            }
            m[c] = Float(mean)
            v[c] = Float(squares / Double(reduced))
          }
        }
      }
    }
    return (means, variances)
  }

  /// The input gradient of the latest `forward` (training or inference form, as that forward
  /// ran); adds `∂γ` and `∂β` to the parameters. Sums over `N × H × W` run in `Double`.
  public func backward(_ gradOutput: Tensor) -> Tensor {
    guard let xHat = normalized else { preconditionFailure("BatchNorm.backward called before forward") }
    precondition(gradOutput.shape == xHat.shape, "BatchNorm.backward expects shape \(xHat.shape), got \(gradOutput.shape)")
    let shape = xHat.imageBatchShape, plane = shape.planeSize, count = shape.count, channels = channels
    let reduced = Float(count * plane), training = trainedForward
    let gamma = scale.value.scalars, inverse = inverseDeviations
    var gradInput = gradOutput
    var sumDy = [Float](repeating: 0, count: channels), sumDyX = sumDy
    xHat.withSendablePointer { xh in
      gradInput.withMutableSendablePointer { g in
        sumDy.withMutableSendablePointer { sd in
          sumDyX.withMutableSendablePointer { sdx in
            Parallel.forEach(channels) { c in
              var a = 0.0, b = 0.0
              for n in 0..<count {
                let row = g + (n * channels + c) * plane, xr = xh + (n * channels + c) * plane
                for p in 0..<plane { a += Double(row[p]); b += Double(row[p] * xr[p]) }
              }
              sd[c] = Float(a)
              sdx[c] = Float(b)
              let factor = gamma[c] * inverse[c]
              for n in 0..<count {
                let row = g + (n * channels + c) * plane, xr = xh + (n * channels + c) * plane
                if training {
                  AffineNormalization.removeMeanAndProjection(row, normalized: xr, count: plane, factor: factor,
                                                              mean: Float(a) / reduced, projection: Float(b) / reduced)
                } else {
                  for p in 0..<plane { row[p] *= factor }
                }
              }
            }
          }
        }
      }
    }
    AffineNormalization.addPartialGradients(sumDyX, sumDy, images: 1, scale: scale, offset: offset)
    return gradInput
  }
}
