import Foundation
import Tensors

/// The first and second moments of Adam and AdamW.
struct AdamState {
  var first: [[Float]]
  var second: [[Float]]

  init(parameters: [Parameter]) {
    first = parameters.map { [Float](repeating: 0, count: $0.value.count) }
    second = first
  }

  /// The moments as tensors, `first.K` and `second.K` for parameter `K`.
  var tensors: [String: Tensor] {
    var result: [String: Tensor] = [:]
    for index in first.indices {
      result["first.\(index)"] = Tensor(shape: [first[index].count], scalars: first[index])
      result["second.\(index)"] = Tensor(shape: [second[index].count], scalars: second[index])
    }
    return result
  }

  /// Restores the moments written by `tensors`.
  mutating func restore(_ tensors: [String: Tensor]) throws {
    for index in first.indices {
      guard let m = tensors["first.\(index)"], let v = tensors["second.\(index)"],
            m.count == first[index].count, v.count == second[index].count else {
        throw NetworkError.missingTensor(name: "optimizer moments of parameter \(index)")
      }
      first[index] = m.scalars
      second[index] = v.scalars
    }
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
