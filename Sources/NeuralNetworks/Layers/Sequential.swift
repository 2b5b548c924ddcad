import Tensors

/// Layers applied one after the other: `y = f_K(… f_2(f_1(x)))`; backward runs them in reverse.
///
/// - Shapes: each layer's output shape must be the next one's input shape.
public final class Sequential: Layer {
  /// `f_1, …, f_K`, in the order `forward` applies them.
  public let layers: [any Layer]

  /// A composition of `layers`, first applied first.
  public init(_ layers: [any Layer]) { self.layers = layers }

  /// The layers named by position (`"0"`, `"1"`, …), so checkpoints read `"2.weight"`.
  public var children: [(name: String, layer: any Layer)] { layers.enumerated().map { ("\($0.offset)", $0.element) } }

  /// `f_K(… f_1(x))`.
  public func forward(_ x: Tensor) -> Tensor { layers.reduce(x) { $1.forward($0) } }

  /// `∂loss/∂x`: `∂y` through every layer's `backward`, the last layer first.
  public func backward(_ gradOutput: Tensor) -> Tensor { layers.reversed().reduce(gradOutput) { $1.backward($0) } }
}
