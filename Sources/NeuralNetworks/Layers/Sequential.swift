import Tensors

/// Layers applied one after the other.
public final class Sequential: Layer {
  public let layers: [any Layer]
  public init(_ layers: [any Layer]) { self.layers = layers }
  public var children: [(name: String, layer: any Layer)] { layers.enumerated().map { ("\($0.offset)", $0.element) } }
  public func forward(_ x: Tensor) -> Tensor { layers.reduce(x) { $1.forward($0) } }
  public func backward(_ gradOutput: Tensor) -> Tensor { layers.reversed().reduce(gradOutput) { $1.backward($0) } }
}
