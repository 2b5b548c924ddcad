import Tensors

extension Tensor {
  /// Calls `body` with a sendable read pointer to the scalars.
  func withSendablePointer<R>(_ body: (SendablePointer<Float>) throws -> R) rethrows -> R {
    try scalars.withSendablePointer(body)
  }
  /// Calls `body` with a sendable write pointer to the scalars.
  mutating func withMutableSendablePointer<R>(_ body: (SendablePointer<Float>) throws -> R) rethrows -> R {
    try scalars.withMutableSendablePointer(body)
  }
}
