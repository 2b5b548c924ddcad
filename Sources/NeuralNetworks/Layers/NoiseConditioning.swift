import Tensors

/// Noise-level conditioning: σ appended as an extra constant input channel.
///
/// ```
/// y[n, 0..<C, :, :] = x[n],   y[n, C, i, j] = σ_n
/// ```
/// - Shapes: `N × C × H × W` and `N` noise levels → `N × (C + 1) × H × W`; the backward pass
///   returns the first `C` channels of the gradient (σ is not differentiated).
public enum NoiseConditioning {
  /// `[x; σ]`: `x` (`N × C × H × W`) with a constant plane `σ_n` appended to image `n`; `sigma`
  /// holds `N` values.
  public static func forward(_ x: Tensor, sigma: [Float]) -> Tensor {
    let s = x.imageBatchShape
    precondition(sigma.count == s.count, "NoiseConditioning: \(sigma.count) noise levels for \(s.count) images")
    let sigmaPlanes = Tensor(shape: [s.count, 1, s.height, s.width], generator: { sigma[$0 / s.planeSize] })
    return ChannelConcatenation.forward([x, sigmaPlanes])
  }

  /// The first `C` channels of `∂y` (`N × (C + 1) × H × W` → `N × C × H × W`).
  public static func backward(_ gradOutput: Tensor) -> Tensor {
    let s = gradOutput.imageBatchShape
    return ChannelConcatenation.backward(gradOutput, channels: [s.channels - 1, 1])[0]
  }
}
