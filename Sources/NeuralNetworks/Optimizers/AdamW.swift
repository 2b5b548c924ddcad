/// AdamW: Adam with decoupled weight decay ([Loshchilov & Hutter 2019](https://arxiv.org/abs/1711.05101)),
/// in PyTorch's form, where the decay is scaled by the scheduled learning rate.
///
/// ```
/// θ ← θ − η λ θ            (parameters with `decays == true`: convolution weights, not biases or norms)
/// θ ← θ − η · m̂ / (√v̂ + ε)  (as Adam, in the same pass)
/// ```
/// Unlike Adam's coupled L2 penalty, the decay does not pass through the moments, so it is not
/// rescaled by `1/√v̂`: every decaying weight shrinks by the same factor `1 − ηλ`. With `λ = 0`
/// it is Adam exactly.
public final class AdamW: Adam {
  /// - Parameter weightDecay: `λ ≥ 0`, PyTorch's default 0.01.
  public override init(parameters: [Parameter], beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                       weightDecay: Float = 0.01) {
    super.init(parameters: parameters, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
  }

  /// Decoupled: no penalty on the gradient, `θ` shrunk by `1 − ηλ` when `parameter.decays`.
  override func weightDecayTerms(for parameter: Parameter, learningRate: Float) -> (gradientPenalty: Float, shrink: Float) {
    (0, parameter.decays ? 1 - learningRate * weightDecay : 1)
  }
}
