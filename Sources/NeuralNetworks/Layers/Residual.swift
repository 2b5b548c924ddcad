import Tensors

/// A residual connection around `body`: `y = x + body(x)`; backward `∂x = ∂y + body.backward(∂y)`.
///
/// - Shapes: `body` must map `N × C × H × W` to the same shape.
public final class Residual: Layer {
  /// The residual branch.
  public let body: any Layer

  /// `x + body(x)`.
  public init(_ body: any Layer) { self.body = body }

  /// `[("body", body)]`, so checkpoints read `"body.…"`.
  public var children: [(name: String, layer: any Layer)] { [("body", body)] }

  /// `x + body(x)`; stops with the shapes if `body` changes the shape.
  public func forward(_ x: Tensor) -> Tensor {
    let y = body.forward(x)
    precondition(y.shape == x.shape, "Residual: the body maps \(x.shape) to \(y.shape)")
    return x.summed(with: y)
  }

  /// `∂y + body.backward(∂y)`: the identity path adds the gradient unchanged.
  public func backward(_ gradOutput: Tensor) -> Tensor { gradOutput.summed(with: body.backward(gradOutput)) }
}
