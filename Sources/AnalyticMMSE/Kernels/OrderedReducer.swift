import Foundation

/// Combines the results of pieces finished in any order, always in piece order, so a
/// reduction gives the same bits whatever the thread count.
final class OrderedReducer<Total, Partial>: @unchecked Sendable {
  private let lock = NSLock()
  private var pending: [Int: Partial] = [:]
  private var next = 0
  private(set) var total: Total
  private let combine: (inout Total, Partial) -> Void

  init(initial: Total, combine: @escaping (inout Total, Partial) -> Void) {
    total = initial
    self.combine = combine
  }

  /// Hands in piece `index`; combines every piece that is now next in line.
  func submit(_ index: Int, _ partial: Partial) {
    lock.lock()
    defer { lock.unlock() }
    pending[index] = partial
    while let ready = pending.removeValue(forKey: next) {
      combine(&total, ready)
      next += 1
    }
  }

  /// How many pieces have been combined.
  var combined: Int {
    lock.lock()
    defer { lock.unlock() }
    return next
  }
}
