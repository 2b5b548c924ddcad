import Dispatch
import Foundation

/// Runs independent pieces of work on several threads.
///
/// Work is split into pieces by the caller, never by the thread count, so a result reduced
/// over pieces in index order is the same whatever `threads` is.
public enum Parallel {
  /// The number of cores this process may use.
  public static var defaultThreadCount: Int { ProcessInfo.processInfo.activeProcessorCount }

  /// Calls `body(piece)` for every `piece` in `0..<count`, on up to `threads` threads.
  ///
  /// Pieces are handed out dynamically (an atomic counter), so uneven pieces balance.
  /// `body` must be safe to call concurrently for different pieces.
  public static func forEach(_ count: Int, threads: Int = defaultThreadCount, _ body: @Sendable (Int) -> Void) {
    guard count > 0 else { return }
    let workers = Swift.max(1, Swift.min(threads, count))
    if workers == 1 {
      for piece in 0..<count { body(piece) }
      return
    }
    let counter = PieceCounter()
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      while true {
        let piece = counter.next()
        if piece >= count { break }
        body(piece)
      }
    }
  }
}

/// A counter handed out under a lock; pieces are coarse, so contention is negligible.
private final class PieceCounter: @unchecked Sendable {
  private let lock = NSLock()
  private var value = 0
  func next() -> Int {
    lock.lock()
    defer { lock.unlock() }
    value += 1
    return value - 1
  }
}
