import Experiments
import Foundation

/// The files one command writes, checked before any work and written together at the end.
///
/// A command first `plan`s every destination (so a folder named where a file must go, or a
/// file where a folder must go, fails before any computation), then `add`s the encoded
/// contents as they are ready, and finally `commit`s: every file is written to a temporary
/// beside its destination and only when all of them exist are they renamed into place. A
/// failure before `commit` leaves every destination untouched.
struct OutputFiles {
  private var pending: [(url: URL, data: Data)] = []

  /// Refuses a destination that cannot be a file: an existing folder, or a path through an
  /// existing file. `flag` names the option in the message.
  static func checkFile(_ url: URL, flag: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
      throw CommandError("\(flag) \(url.path): is a folder; expected a file to write")
    }
    try checkFolder(url.deletingLastPathComponent(), flag: flag)
  }

  /// Refuses a destination folder that exists as a file (or lies under one). Missing folders
  /// are fine: they are created when the outputs are written.
  static func checkFolder(_ url: URL, flag: String) throws {
    var folder = url.standardizedFileURL
    while folder.path != "/" {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue else {
          throw CommandError("\(flag) \(url.path): \(folder.path) is a file; expected a folder")
        }
        return
      }
      folder = folder.deletingLastPathComponent()
    }
  }

  /// Queues `data` for `url`.
  mutating func add(_ data: Data, to url: URL) { pending.append((url, data)) }

  /// Writes every queued file: all to temporaries first, then all renamed into place.
  func commit() throws {
    var written: [(temporary: URL, url: URL)] = []
    do {
      for (url, data) in pending {
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        try data.write(to: temporary)
        written.append((temporary, url))
      }
    } catch {
      for file in written { try? FileManager.default.removeItem(at: file.temporary) }
      throw CommandError("cannot write \(written.count < pending.count ? pending[written.count].url.path : "outputs"): \(error.localizedDescription)")
    }
    for (index, file) in written.enumerated() where rename(file.temporary.path, file.url.path) != 0 {
      let reason = String(cString: strerror(errno))
      for later in written[index...] { try? FileManager.default.removeItem(at: later.temporary) }
      throw CommandError("cannot write \(file.url.path): \(reason)")
    }
  }
}
