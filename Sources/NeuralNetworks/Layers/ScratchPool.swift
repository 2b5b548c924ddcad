import Foundation

/// Scratch buffers that parallel pieces of work borrow and give back, kept from step to step: at
/// most one buffer per running thread is ever allocated, and none after the first step.
///
/// `Parallel.forEach` does not say which thread runs a piece, so a piece takes a buffer at its
/// start and gives it back at its end.
final class ScratchPool: @unchecked Sendable {
  private let lock = NSLock()
  private var free: [ScratchBuffer] = []

  /// Calls `body` with at least `count` floats (64-byte aligned, contents undefined) that no
  /// other piece uses meanwhile.
  func withBuffer<R>(_ count: Int, _ body: (SendablePointer<Float>) -> R) -> R {
    lock.lock()
    let buffer = free.popLast() ?? ScratchBuffer()
    lock.unlock()
    defer {
      lock.lock()
      free.append(buffer)
      lock.unlock()
    }
    return body(buffer.reserve(count))
  }
}
