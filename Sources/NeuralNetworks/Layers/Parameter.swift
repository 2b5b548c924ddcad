import Tensors

/// A trainable tensor and the gradient accumulated for it.
///
/// Layers own their parameters; optimisers, gradient clipping and the moving average hold
/// references to the same objects, so an update is seen by the layer at once.
public final class Parameter {
  /// A short name, unique within its layer (`"weight"`, `"bias"`, `"scale"`, `"offset"`).
  public let name: String
  /// The current value.
  public var value: Tensor
  /// `∂loss/∂value`, accumulated by `backward` since the last `zeroGradient()`; same shape as `value`.
  public var gradient: Tensor
  /// Whether AdamW's decoupled weight decay applies (weights: yes; biases and norm scales: no).
  public let decays: Bool

  /// A parameter holding `value`, with a zero gradient of the same shape.
  public init(name: String, value: Tensor, decays: Bool) {
    self.name = name
    self.value = value
    self.gradient = Tensor(zeros: value.shape)
    self.decays = decays
  }

  /// Sets the gradient to zero, keeping its storage.
  public func zeroGradient() {
    gradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
  }
}
