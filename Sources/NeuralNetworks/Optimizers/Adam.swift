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
}

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
}

/// The first and second moments of Adam and AdamW.
struct AdamState {
  var first: [[Float]]
  var second: [[Float]]

  init(parameters: [Parameter]) {
    first = parameters.map { [Float](repeating: 0, count: $0.value.count) }
    second = first
  }

  mutating func update(_ parameters: [Parameter], step: Int, learningRate: Float, beta1: Float, beta2: Float,
                       epsilon: Float, coupledDecay: Float, decoupledDecay: Float) {
    let correction1 = 1 - Float(pow(Double(beta1), Double(step)))
    let correction2 = 1 - Float(pow(Double(beta2), Double(step)))
    for (index, parameter) in parameters.enumerated() {
      let l2 = parameter.decays ? coupledDecay : 0
      let shrink = parameter.decays ? 1 - learningRate * decoupledDecay : 1
      parameter.gradient.withUnsafeBufferPointer { g in
        parameter.value.withUnsafeMutableBufferPointer { theta in
          first[index].withUnsafeMutableBufferPointer { m in
            second[index].withUnsafeMutableBufferPointer { v in
              for i in 0..<theta.count {
                let gradient = g[i] + l2 * theta[i]
                m[i] = beta1 * m[i] + (1 - beta1) * gradient
                v[i] = beta2 * v[i] + (1 - beta2) * gradient * gradient
                let mHat = m[i] / correction1, vHat = v[i] / correction2
                theta[i] = theta[i] * shrink - learningRate * mHat / (vHat.squareRoot() + epsilon)
              }
            }
          }
        }
      }
    }
  }
}
