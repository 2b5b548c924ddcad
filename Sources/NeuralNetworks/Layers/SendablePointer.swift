import Tensors

/// A raw pointer handed to `Parallel.forEach` bodies that read shared data or write disjoint ranges.
struct SendablePointer<Pointee>: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<Pointee>
  init(_ pointer: UnsafeMutablePointer<Pointee>) { self.pointer = pointer }
  init(_ pointer: UnsafePointer<Pointee>) { self.pointer = UnsafeMutablePointer(mutating: pointer) }
  subscript(index: Int) -> Pointee {
    get { pointer[index] }
    nonmutating set { pointer[index] = newValue }
  }
  static func + (lhs: SendablePointer, rhs: Int) -> UnsafeMutablePointer<Pointee> { lhs.pointer + rhs }
}

extension Tensor {
  /// Calls `body` with a sendable read pointer to the scalars.
  func withSendablePointer<R>(_ body: (SendablePointer<Float>) throws -> R) rethrows -> R {
    try scalars.withUnsafeBufferPointer { try body(SendablePointer($0.baseAddress!)) }
  }
  /// Calls `body` with a sendable write pointer to the scalars.
  mutating func withMutableSendablePointer<R>(_ body: (SendablePointer<Float>) throws -> R) rethrows -> R {
    try scalars.withUnsafeMutableBufferPointer { try body(SendablePointer($0.baseAddress!)) }
  }
}
