import Dispatch
import Foundation

/// Runs independent pieces of work on several threads.
///
/// Work is split into pieces by the caller, never by the thread count, so a result reduced
/// over pieces in index order is the same whatever `threads` is.
public enum Parallel {
  /// The number of cores this process may use: the machine's, or its share of them after
  /// `shareCores(among:)`.
  public static var defaultThreadCount: Int {
    max(1, ProcessInfo.processInfo.activeProcessorCount / coreSharing.processes)
  }

  /// Divides the machine's cores among `processes` processes that run on it at once (MPI ranks
  /// of one node), so that every default thread count after this call is `cores / processes`.
  public static func shareCores(among processes: Int) { coreSharing.processes = max(1, processes) }

  private static let coreSharing = CoreSharing()

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
    let start = DispatchTime.now().uptimeNanoseconds
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      while true {
        let piece = counter.next()
        if piece >= count { break }
        body(piece)
      }
    }
    accounting.add(DispatchTime.now().uptimeNanoseconds - start)
  }

  /// Wall-clock seconds spent inside `forEach` calls that ran on more than one thread, since the
  /// process started. A benchmark divides its change over a step by the step's time: what is left
  /// is the step's serial fraction (work on one thread while the others wait).
  @_spi(Benchmarks) public static var parallelSeconds: Double { accounting.seconds }

  private static let accounting = ParallelAccounting()
}

/// The time `Parallel.forEach` spent on several threads, added under a lock.
private final class ParallelAccounting: @unchecked Sendable {
  private let lock = NSLock()
  private var nanoseconds: UInt64 = 0
  func add(_ duration: UInt64) {
    lock.lock()
    nanoseconds += duration
    lock.unlock()
  }
  var seconds: Double {
    lock.lock()
    defer { lock.unlock() }
    return Double(nanoseconds) / 1e9
  }
}

/// The processes that share this machine's cores, under a lock.
private final class CoreSharing: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 1
  var processes: Int {
    get { lock.lock(); defer { lock.unlock() }; return count }
    set { lock.lock(); count = newValue; lock.unlock() }
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
