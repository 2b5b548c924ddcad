import Foundation

/// A progress bar on standard error, safe to update from several threads; it draws nothing
/// for work that ends within a second, and on a non-terminal prints a line per 10 %.
final class ProgressBar: @unchecked Sendable {
  private let lock = NSLock()
  private var start = Date()
  private var label: String
  private var lastDraw = Date.distantPast
  private var lastDecile = -1
  private var drawn = false
  private let isTerminal = isatty(STDERR_FILENO) != 0

  init(_ label: String) { self.label = label }

  /// - Parameters:
  ///   - label: a new phase (starts a new bar).
  ///   - detail: text shown after the bar (a loss, a rate), not a new phase.
  func update(_ fraction: Double, label newLabel: String? = nil, detail: String = "") {
    lock.lock()
    defer { lock.unlock() }
    if let newLabel, newLabel != label {
      if drawn && isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
      label = newLabel
      lastDecile = -1
      start = Date()
    }
    let now = Date()
    let elapsed = now.timeIntervalSince(start)
    guard elapsed > 1 || drawn else { return }
    let clamped = Swift.min(Swift.max(fraction, 0), 1)
    let remaining = clamped > 0.01 ? elapsed / clamped * (1 - clamped) : .nan
    let timeText = remaining.isFinite ? String(format: "%.0fs left", remaining) : "…"
    if isTerminal {
      guard now.timeIntervalSince(lastDraw) > 0.1 || clamped >= 1 else { return }
      let width = 30, filled = Int(clamped * Double(width))
      let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
      FileHandle.standardError.write(Data(String(format: "\r%@ %@ %3.0f%% %@ %@   ", label, bar, clamped * 100, timeText, detail).utf8))
    } else {
      let decile = Int(clamped * 10)
      guard decile > lastDecile else { return }
      lastDecile = decile
      FileHandle.standardError.write(Data(String(format: "%@: %3.0f%% (%.1fs, %@) %@\n", label, clamped * 100, elapsed, timeText, detail).utf8))
    }
    lastDraw = now
    drawn = true
  }

  func finish() {
    lock.lock()
    defer { lock.unlock() }
    if drawn && isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
  }
}
