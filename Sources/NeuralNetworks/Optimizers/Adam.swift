import Foundation
import Tensors

/// Adam ([Kingma & Ba 2015](https://arxiv.org/abs/1412.6980)), optionally with PyTorch's coupled
/// L2 weight decay (`g ← g + λθ`).
///
/// ```
/// m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
/// θ ← θ − η · m̂ / (√v̂ + ε),   m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ)
/// ```
/// The decay applies only to parameters with `decays == true` (convolution weights, not biases
/// or norm scales). `AdamW` is this class with one override, `weightDecayTerms`, that makes the
/// decay decoupled; both run the same single pass over the parameters.
public class Adam: Optimizer {
  /// The parameters it updates, in the order of the moments in `stateTensors`.
  public let parameters: [Parameter]
  /// `β₁`, the decay of the first moment (the mean of the gradients).
  public let beta1: Float
  /// `β₂`, the decay of the second moment (the mean of the squared gradients).
  public let beta2: Float
  /// `ε`, added to `√v̂` so that a zero second moment does not divide by zero.
  public let epsilon: Float
  /// `λ`: Adam's coupled L2 penalty, or AdamW's decoupled decay; applied to parameters with
  /// `decays == true`.
  public let weightDecay: Float
  /// The number of steps taken, `t`.
  public private(set) var step = 0
  /// `m` and `v`, one array per parameter.
  private var firstMoments: [[Float]]
  private var secondMoments: [[Float]]

  /// - Parameters:
  ///   - parameters: Updated in place by `update(learningRate:)`.
  ///   - weightDecay: `λ ≥ 0`; 0 (the default) is plain Adam.
  public init(parameters: [Parameter], beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
              weightDecay: Float = 0) {
    self.parameters = parameters
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    firstMoments = parameters.map { [Float](repeating: 0, count: $0.value.count) }
    secondMoments = firstMoments
  }

  /// How `λ` enters the update of `parameter`: the `gradientPenalty` added to the gradient as
  /// `penalty · θ`, and the factor `shrink` that multiplies `θ` before the Adam step. Adam's
  /// decay is coupled: `(λ, 1)` for decaying parameters, `(0, 1)` for the rest.
  func weightDecayTerms(for parameter: Parameter, learningRate: Float) -> (gradientPenalty: Float, shrink: Float) {
    (parameter.decays ? weightDecay : 0, 1)
  }

  /// Applies one update with learning rate `η` from the accumulated gradients.
  public final func update(learningRate: Float) {
    step += 1
    let correction1 = 1 - Float(pow(Double(beta1), Double(step)))
    let correction2 = 1 - Float(pow(Double(beta2), Double(step)))
    let beta1 = beta1, beta2 = beta2, epsilon = epsilon
    for (index, parameter) in parameters.enumerated() {
      let (l2, shrink) = weightDecayTerms(for: parameter, learningRate: learningRate)
      parameter.gradient.withUnsafeBufferPointer { g in
        parameter.value.withUnsafeMutableBufferPointer { theta in
          firstMoments[index].withUnsafeMutableBufferPointer { m in
            secondMoments[index].withUnsafeMutableBufferPointer { v in
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

  /// The moments as tensors, `first.K` and `second.K` for parameter `K`; with `step`, they
  /// continue a run exactly.
  public final var stateTensors: [String: Tensor] {
    var result: [String: Tensor] = [:]
    for index in firstMoments.indices {
      result["first.\(index)"] = Tensor(shape: [firstMoments[index].count], scalars: firstMoments[index])
      result["second.\(index)"] = Tensor(shape: [secondMoments[index].count], scalars: secondMoments[index])
    }
    return result
  }

  /// Restores a state written by `stateTensors` after `step` steps.
  ///
  /// - Throws: `NetworkError.missingTensor` if a moment is missing or has another size; the
  ///   moments read before it are replaced then.
  public final func restore(step: Int, tensors: [String: Tensor]) throws {
    for index in firstMoments.indices {
      guard let m = tensors["first.\(index)"], let v = tensors["second.\(index)"],
            m.count == firstMoments[index].count, v.count == secondMoments[index].count else {
        throw NetworkError.missingTensor(name: "optimizer moments of parameter \(index)")
      }
      firstMoments[index] = m.scalars
      secondMoments[index] = v.scalars
    }
    self.step = step
  }
}
