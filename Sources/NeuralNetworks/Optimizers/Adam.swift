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
  /// `m` and `v` of every parameter, one after another (parameter `K` from `offsets[K]`).
  private var firstMoments: [Float]
  private var secondMoments: [Float]
  /// Where each parameter's moments start; the last entry is the total.
  private let offsets: [Int]

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
    offsets = parameters.reduce(into: [0]) { $0.append($0.last! + $1.value.count) }
    firstMoments = [Float](repeating: 0, count: offsets.last!)
    secondMoments = firstMoments
  }

  /// How `λ` enters the update of `parameter`: the `gradientPenalty` added to the gradient as
  /// `penalty · θ`, and the factor `shrink` that multiplies `θ` before the Adam step. Adam's
  /// decay is coupled: `(λ, 1)` for decaying parameters, `(0, 1)` for the rest.
  func weightDecayTerms(for parameter: Parameter, learningRate: Float) -> (gradientPenalty: Float, shrink: Float) {
    (parameter.decays ? weightDecay : 0, 1)
  }

  /// Applies one update with learning rate `η` from the accumulated gradients: one pass over
  /// every parameter, in pieces of `piece` scalars spread over the threads (each scalar's update
  /// is independent, so the result does not depend on the thread count).
  public final func update(learningRate: Float) {
    step += 1
    let correction1 = 1 - Float(pow(Double(beta1), Double(step)))
    let correction2 = 1 - Float(pow(Double(beta2), Double(step)))
    let beta1 = beta1, beta2 = beta2, epsilon = epsilon
    let terms = parameters.map { weightDecayTerms(for: $0, learningRate: learningRate) }
    let offsets = offsets
    guard offsets.last! > 0 else { return }
    firstMoments.withMutableSendablePointer { m in
      secondMoments.withMutableSendablePointer { v in
        withParameterPointers { state in
          let pieces = state.map { ($0.count + Adam.piece - 1) / Adam.piece }
          let firsts = pieces.reduce(into: [0]) { $0.append($0.last! + $1) }
          Parallel.forEach(firsts.last!) { piece in
            var index = 0
            while firsts[index + 1] <= piece { index += 1 }
            let (theta, g, count) = state[index]
            let (l2, shrink) = terms[index]
            let start = (piece - firsts[index]) * Adam.piece, base = offsets[index]
            for i in start..<Swift.min(count, start + Adam.piece) {
              let gradient = g[i] + l2 * theta[i]
              m[base + i] = beta1 * m[base + i] + (1 - beta1) * gradient
              v[base + i] = beta2 * v[base + i] + (1 - beta2) * gradient * gradient
              let mHat = m[base + i] / correction1, vHat = v[base + i] / correction2
              theta[i] = theta[i] * shrink - learningRate * mHat / (vHat.squareRoot() + epsilon)
            }
          }
        }
      }
    }
  }

  /// Scalars per piece of work of `update`.
  static let piece = 16_384

  /// `(θ, g, count)` of one parameter: pointers into its value and gradient.
  private typealias ParameterPointers = (theta: SendablePointer<Float>, gradient: SendablePointer<Float>, count: Int)

  /// Calls `body` with the pointers of every non-empty parameter's value and gradient, taken one
  /// parameter after another (each `Parameter` is its own object, so the accesses never overlap).
  private func withParameterPointers(from index: Int = 0, _ state: [ParameterPointers] = [],
                                     _ body: ([ParameterPointers]) -> Void) {
    guard index < parameters.count else { return body(state) }
    let parameter = parameters[index], count = parameter.value.count
    parameter.value.withMutableSendablePointer { theta in
      parameter.gradient.withSendablePointer { g in
        withParameterPointers(from: index + 1, state + [(theta, g, count)], body)
      }
    }
  }

  /// The moments as tensors, `first.K` and `second.K` for parameter `K`; with `step`, they
  /// continue a run exactly.
  public final var stateTensors: [String: Tensor] {
    var result: [String: Tensor] = [:]
    for index in parameters.indices {
      let range = offsets[index]..<offsets[index + 1]
      result["first.\(index)"] = Tensor(shape: [range.count], scalars: Array(firstMoments[range]))
      result["second.\(index)"] = Tensor(shape: [range.count], scalars: Array(secondMoments[range]))
    }
    return result
  }

  /// Restores a state written by `stateTensors` after `step` steps.
  ///
  /// - Throws: `NetworkError.missingTensor` if a moment is missing or has another size; the
  ///   moments read before it are replaced then.
  public final func restore(step: Int, tensors: [String: Tensor]) throws {
    for index in parameters.indices {
      let range = offsets[index]..<offsets[index + 1]
      guard let m = tensors["first.\(index)"], let v = tensors["second.\(index)"],
            m.count == range.count, v.count == range.count else {
        throw NetworkError.missingTensor(name: "optimizer moments of parameter \(index)")
      }
      firstMoments.replaceSubrange(range, with: m.scalars)
      secondMoments.replaceSubrange(range, with: v.scalars)
    }
    self.step = step
  }
}
