extension Array where Element == Float {
  /// Calls `body` with a sendable read pointer to the elements; the array must not be empty.
  func withSendablePointer<R>(_ body: (SendablePointer<Float>) throws -> R) rethrows -> R {
    try withUnsafeBufferPointer { try body(SendablePointer($0.baseAddress!)) }
  }
  /// Calls `body` with a sendable write pointer to the elements; the array must not be empty.
  mutating func withMutableSendablePointer<R>(_ body: (SendablePointer<Float>) throws -> R) rethrows -> R {
    try withUnsafeMutableBufferPointer { try body(SendablePointer($0.baseAddress!)) }
  }
}
