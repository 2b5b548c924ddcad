import Foundation
import Tensors

/// Adam ([Kingma & Ba 2015](https://arxiv.org/abs/1412.6980)), optionally with PyTorch's coupled
/// L2 weight decay (`g ← g + λθ`).
///
/// ```
/// m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
/// θ ← θ − η · m̂ / (√v̂ + ε),   m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ)
/// ```
public final class Adam {
  public let parameters: [Parameter]
  public let beta1: Float
  public let beta2: Float
  public let epsilon: Float
  /// λ of the coupled L2 penalty, applied to parameters with `decays == true`.
  public let weightDecay: Float
  /// The number of steps taken, `t`.
  public private(set) var step = 0
  private var state: AdamState

  public init(parameters: [Parameter], beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
              weightDecay: Float = 0) {
    self.parameters = parameters
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    state = AdamState(parameters: parameters)
  }

  /// Applies one update with learning rate `η` from the accumulated gradients.
  public func update(learningRate: Float) {
    step += 1
    state.update(parameters, step: step, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                 coupledDecay: weightDecay, decoupledDecay: 0)
  }

  /// The optimiser's state (step and moments), to continue a run exactly.
  public var stateTensors: [String: Tensor] { state.tensors }

  /// Restores a state written by `stateTensors` after `step` steps.
  public func restore(step: Int, tensors: [String: Tensor]) throws {
    try state.restore(tensors)
    self.step = step
  }
}
