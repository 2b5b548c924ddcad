import Tensors

/// Non-trained state saved in checkpoints (BatchNorm's running statistics).
///
/// Like `Parameter`, a reference: the layer and the checkpoint code see the same tensor, but no
/// optimiser updates it and it has no gradient.
public final class Buffer {
  /// A short name, unique within its layer (`"runningMean"`).
  public let name: String
  /// The current value.
  public var value: Tensor

  /// A buffer named `name` holding `value`.
  public init(name: String, value: Tensor) {
    self.name = name
    self.value = value
  }
}
