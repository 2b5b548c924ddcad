import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes whole files so that readers see either the old file or the complete new one.
///
/// The bytes go to a temporary file in the destination's folder (same file system), which is
/// flushed and then renamed over the destination, `rename(2)` being atomic. On failure the
/// temporary file is removed and an existing destination is left untouched.
public enum AtomicFile {
  /// Writes `data` to `url` atomically, creating missing parent folders.
  ///
  /// - Parameters:
  ///   - data: the complete contents of the file.
  ///   - url: a file URL; its parent folders are created when missing.
  /// - Throws: `DataFileError.cannotWrite` naming the file and the system's reason.
  public static func write(_ data: Data, to url: URL) throws {
    let path = url.path
    let folder = url.deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      throw DataFileError.cannotWrite(file: path, reason: "cannot create folder \(folder.path): \(error.localizedDescription)")
    }
    let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard descriptor >= 0 else {
      throw DataFileError.cannotWrite(file: path, reason: "cannot create a temporary file in \(folder.path): \(String(cString: strerror(errno)))")
    }
    var failure: String?
    data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
      var written = 0
      while written < bytes.count {
        let result = Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
        if result < 0 {
          if errno == EINTR { continue }
          failure = String(cString: strerror(errno))
          return
        }
        written += result
      }
    }
    if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
    if close(descriptor) != 0, failure == nil { failure = String(cString: strerror(errno)) }
    if failure == nil, rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
    if let failure {
      unlink(temporary)
      throw DataFileError.cannotWrite(file: path, reason: failure)
    }
  }
}

/// Reads a whole file, turning Foundation's error into a `DataFileError`.
func readContents(of url: URL) throws -> Data {
  do {
    return try Data(contentsOf: url, options: .alwaysMapped)
  } catch {
    let reason = FileManager.default.fileExists(atPath: url.path) ? error.localizedDescription : "no such file"
    throw DataFileError.cannotRead(file: url.path, reason: reason)
  }
}
