import Foundation

/// The Python reference implementations of `../shared/anchors`, run by the benchmarks in the
/// same run as LEMMSE so that every printed ratio compares two measurements of this machine,
/// now. Without a Python that has the anchor's packages, the benchmarks print LEMMSE's numbers
/// only, never numbers typed in from elsewhere.
///
/// The Python is `$LEMMSE_ANCHORS_PYTHON`, else `.venv-anchors/bin/python` at the project's
/// root, else `../shared/anchors/.venv/bin/python` (the anchors' README says how to make the venv).
enum Anchors {
  /// The project's root: the first folder at or above the current one with `Sources/Experiments`.
  static var projectRoot: URL? {
    var folder = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    for _ in 0..<5 {
      if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Sources/Experiments").path) { return folder }
      folder.deleteLastPathComponent()
    }
    return nil
  }

  /// `../shared/anchors` beside the project.
  static var directory: URL? {
    guard let root = projectRoot else { return nil }
    let url = root.deletingLastPathComponent().appendingPathComponent("shared/anchors")
    return FileManager.default.fileExists(atPath: url.appendingPathComponent("common.py").path) ? url : nil
  }

  /// The first Python of the search order that can import every module of `modules`.
  static func python(importing modules: [String]) -> URL? {
    var candidates: [String] = []
    if let explicit = ProcessInfo.processInfo.environment["LEMMSE_ANCHORS_PYTHON"] { candidates.append(explicit) }
    if let root = projectRoot { candidates.append(root.appendingPathComponent(".venv-anchors/bin/python").path) }
    if let directory { candidates.append(directory.appendingPathComponent(".venv/bin/python").path) }
    for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
      if run(URL(fileURLWithPath: path), ["-c", modules.map { "import \($0)" }.joined(separator: "; ")]) != nil {
        return URL(fileURLWithPath: path)
      }
    }
    return nil
  }

  /// Runs `python arguments…` in the anchors' folder; its standard output, or nil when it fails.
  /// `ANCHORS_MAX_WAIT` bounds the anchors' wait for a quiet machine to one minute.
  static func run(_ python: URL, _ arguments: [String]) -> String? {
    let process = Process()
    process.executableURL = python
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    var environment = ProcessInfo.processInfo.environment
    environment["ANCHORS_MAX_WAIT"] = environment["ANCHORS_MAX_WAIT"] ?? "60"
    process.environment = environment
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
  }

  /// The first number after `label` in `text` (`"median 221.3 ms/step"` → 221.3 for `"median "`).
  static func number(after label: String, in text: String) -> Double? {
    guard let range = text.range(of: label) else { return nil }
    let digits = text[range.upperBound...].prefix { $0.isNumber || $0 == "." || $0 == "e" || $0 == "-" }
    return Double(digits)
  }
}
