import Tensors

/// A differentiable map of `N × C × H × W` tensors with an explicit backward pass.
///
/// ```swift
/// let y = layer.forward(x)           // caches what backward needs
/// let dx = layer.backward(dy)        // dy = ∂loss/∂y; returns ∂loss/∂x, adds ∂loss/∂θ to θ.gradient
/// ```
public protocol Layer: AnyObject {
  /// Applies the layer and caches what `backward` needs.
  func forward(_ x: Tensor) -> Tensor
  /// Given `∂loss/∂output` of the latest `forward`, returns `∂loss/∂input` and accumulates the
  /// parameter gradients.
  func backward(_ gradOutput: Tensor) -> Tensor
  /// The trainable parameters, in a fixed order.
  var parameters: [Parameter] { get }
  /// Named sub-layers, for checkpoint names and training-mode switches.
  var children: [(name: String, layer: any Layer)] { get }
  /// Non-trained state (running statistics), in a fixed order.
  var buffers: [Buffer] { get }
  /// Training mode (batch statistics) or inference mode (running statistics); only normalisation
  /// layers care.
  func setTraining(_ training: Bool)
}

extension Layer {
  /// The children's parameters, in child order; a layer with parameters of its own overrides it.
  public var parameters: [Parameter] { children.flatMap { $0.layer.parameters } }
  /// None: a leaf layer. Containers list their sub-layers.
  public var children: [(name: String, layer: any Layer)] { [] }
  /// The children's buffers, in child order.
  public var buffers: [Buffer] { children.flatMap { $0.layer.buffers } }
  /// Passes the mode on to every child.
  public func setTraining(_ training: Bool) { for child in children { child.layer.setTraining(training) } }

  /// Applies the layer (`forward`).
  public func callAsFunction(_ x: Tensor) -> Tensor { forward(x) }

  /// Zeroes every parameter gradient.
  public func zeroGradients() { for parameter in parameters { parameter.zeroGradient() } }

  /// The number of trainable scalars.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

  /// Every parameter and buffer with a dotted path name (`"blocks.2.convolution.weight"`).
  public func namedState() -> [(name: String, parameter: Parameter?, buffer: Buffer?)] {
    var result: [(name: String, parameter: Parameter?, buffer: Buffer?)] = []
    collectState(prefix: "", into: &result)
    return result
  }

  func collectState(prefix: String, into result: inout [(name: String, parameter: Parameter?, buffer: Buffer?)]) {
    let children = self.children
    if children.isEmpty {
      for parameter in parameters { result.append((prefix + parameter.name, parameter, nil)) }
      for buffer in buffers { result.append((prefix + buffer.name, nil, buffer)) }
    } else {
      for child in children { child.layer.collectState(prefix: prefix + child.name + ".", into: &result) }
    }
  }
}
