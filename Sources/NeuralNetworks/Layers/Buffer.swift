import Tensors

/// Non-trained state saved in checkpoints (BatchNorm's running statistics).
public final class Buffer {
  public let name: String
  public var value: Tensor
  public init(name: String, value: Tensor) {
    self.name = name
    self.value = value
  }
}
