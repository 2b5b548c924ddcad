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
  public let channels: Int
  public let epsilon: Float
  /// `m` in the running-average update (PyTorch's `momentum`, default 0.1).
  public let momentum: Float
  /// `true`: batch statistics, running averages updated; `false`: running statistics.
  public private(set) var isTraining = true
  public let scale: Parameter
  public let offset: Parameter
  public let runningMean: Buffer
  public let runningVariance: Buffer

  private var normalized: Tensor?
  private var inverseDeviations: [Float] = []
  private var trainedForward = true

  public init(channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
    precondition(channels > 0, "BatchNorm needs a positive channel count, got \(channels)")
    self.channels = channels
    self.epsilon = epsilon
    self.momentum = momentum
    scale = Parameter(name: "scale", value: Tensor(repeating: 1, shape: [channels]), decays: false)
    offset = Parameter(name: "offset", value: Tensor(zeros: [channels]), decays: false)
    runningMean = Buffer(name: "runningMean", value: Tensor(zeros: [channels]))
    runningVariance = Buffer(name: "runningVariance", value: Tensor(repeating: 1, shape: [channels]))
  }

  public var parameters: [Parameter] { [scale, offset] }
  public var buffers: [Buffer] { [runningMean, runningVariance] }
  public func setTraining(_ training: Bool) { isTraining = training }

  public func forward(_ x: Tensor) -> Tensor {
    let shape = x.imageBatchShape
    precondition(shape.channels == channels, "BatchNorm expects \(channels) channels, got input \(shape)")
    let plane = shape.planeSize, count = shape.count, channels = channels, epsilon = epsilon
    let reduced = count * plane
    if isTraining { precondition(reduced > 1, "BatchNorm in training mode needs more than one value per channel, got \(shape)") }
    var means = [Float](repeating: 0, count: channels), variances = means, inverse = means
    if isTraining {
      x.withSendablePointer { source in
        means.withUnsafeMutableBufferPointer { m in
          variances.withUnsafeMutableBufferPointer { v in
            let m = SendablePointer(m.baseAddress!), v = SendablePointer(v.baseAddress!)
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
      let unbiased = Float(reduced) / Float(reduced - 1)
      for c in 0..<channels {
        runningMean.value.scalars[c] = (1 - momentum) * runningMean.value.scalars[c] + momentum * means[c]
        runningVariance.value.scalars[c] = (1 - momentum) * runningVariance.value.scalars[c] + momentum * variances[c] * unbiased
      }
    } else {
      means = runningMean.value.scalars
      variances = runningVariance.value.scalars
    }
    for c in 0..<channels { inverse[c] = 1 / (variances[c] + epsilon).squareRoot() }
    var xHat = x, output = x
    xHat.withMutableSendablePointer { xh in
      output.withMutableSendablePointer { y in
        scale.value.withSendablePointer { gamma in
          offset.value.withSendablePointer { beta in
            means.withUnsafeBufferPointer { m in
              inverse.withUnsafeBufferPointer { inv in
                let m = SendablePointer(m.baseAddress!), inv = SendablePointer(inv.baseAddress!)
                Parallel.forEach(count * channels) { piece in
                  let c = piece % channels
                  let row = xh + piece * plane, out = y + piece * plane
                  for p in 0..<plane {
                    let value = (row[p] - m[c]) * inv[c]
                    row[p] = value
                    out[p] = gamma[c] * value + beta[c]
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
    trainedForward = isTraining
    return output
  }

  public func backward(_ gradOutput: Tensor) -> Tensor {
    guard let xHat = normalized else { preconditionFailure("BatchNorm.backward called before forward") }
    precondition(gradOutput.shape == xHat.shape, "BatchNorm.backward expects shape \(xHat.shape), got \(gradOutput.shape)")
    let shape = xHat.imageBatchShape, plane = shape.planeSize, count = shape.count, channels = channels
    let reduced = Float(count * plane), training = trainedForward
    var gradInput = gradOutput
    var sumDy = [Float](repeating: 0, count: channels), sumDyX = sumDy
    xHat.withSendablePointer { xh in
      gradInput.withMutableSendablePointer { g in
        scale.value.withSendablePointer { gamma in
          inverseDeviations.withUnsafeBufferPointer { inv in
            sumDy.withUnsafeMutableBufferPointer { sd in
              sumDyX.withUnsafeMutableBufferPointer { sdx in
                let inv = SendablePointer(inv.baseAddress!)
                let sd = SendablePointer(sd.baseAddress!), sdx = SendablePointer(sdx.baseAddress!)
                Parallel.forEach(channels) { c in
                  var a = 0.0, b = 0.0
                  for n in 0..<count {
                    let row = g + (n * channels + c) * plane, xr = xh + (n * channels + c) * plane
                    for p in 0..<plane { a += Double(row[p]); b += Double(row[p] * xr[p]) }
                  }
                  sd[c] = Float(a)
                  sdx[c] = Float(b)
                  let factor = gamma[c] * inv[c]
                  let meanDy = Float(a) / reduced, meanDyX = Float(b) / reduced
                  for n in 0..<count {
                    let row = g + (n * channels + c) * plane, xr = xh + (n * channels + c) * plane
                    if training {
                      for p in 0..<plane { row[p] = factor * (row[p] - meanDy - xr[p] * meanDyX) }
                    } else {
                      for p in 0..<plane { row[p] *= factor }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    for c in 0..<channels {
      scale.gradient.scalars[c] += sumDyX[c]
      offset.gradient.scalars[c] += sumDy[c]
    }
    return gradInput
  }
}
