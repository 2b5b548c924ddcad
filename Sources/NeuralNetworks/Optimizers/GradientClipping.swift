import Foundation

/// Global gradient-norm clipping ([Pascanu et al. 2013](https://arxiv.org/abs/1211.5063)), as
/// PyTorch's `clip_grad_norm_`.
///
/// ```
/// ‖g‖ = √(Σ_θ Σ_i g_θ,i²);   if ‖g‖ > maxNorm:  g ← g · maxNorm / ‖g‖
/// ```
/// - Returns: The norm before clipping (summed in `Double`, in parameter order).
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
  precondition(maxNorm > 0, "clipGradientNorm needs a positive maximum norm, got \(maxNorm)")
  var squares = 0.0
  for parameter in parameters {
    parameter.gradient.withUnsafeBufferPointer { g in for value in g { squares += Double(value) * Double(value) } }
  }
  let norm = Float(squares.squareRoot())
  if norm > maxNorm {
    let factor = maxNorm / norm
    for parameter in parameters {
      parameter.gradient.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] *= factor } }
    }
  }
  return norm
}
