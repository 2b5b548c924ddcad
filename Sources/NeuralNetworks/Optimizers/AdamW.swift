import Foundation
import Tensors

/// AdamW: Adam with decoupled weight decay ([Loshchilov & Hutter 2019](https://arxiv.org/abs/1711.05101)),
/// in PyTorch's form, where the decay is scaled by the scheduled learning rate.
///
/// ```
/// θ ← θ − η λ θ            (parameters with `decays == true`: convolution weights, not biases or norms)
/// θ ← θ − η · m̂ / (√v̂ + ε)  (as Adam)
/// ```
public final class AdamW {
  public let parameters: [Parameter]
  public let beta1: Float
  public let beta2: Float
  public let epsilon: Float
  public let weightDecay: Float
  public private(set) var step = 0
  private var state: AdamState

  public init(parameters: [Parameter], beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
              weightDecay: Float = 0.01) {
    self.parameters = parameters
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    state = AdamState(parameters: parameters)
  }

  public func update(learningRate: Float) {
    step += 1
    state.update(parameters, step: step, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                 coupledDecay: 0, decoupledDecay: weightDecay)
  }

  /// The optimiser's state (step and moments), to continue a run exactly.
  public var stateTensors: [String: Tensor] { state.tensors }

  /// Restores a state written by `stateTensors` after `step` steps.
  public func restore(step: Int, tensors: [String: Tensor]) throws {
    try state.restore(tensors)
    self.step = step
  }
}
