import Foundation
@testable import DataFiles

/// A fresh temporary folder, removed by `remove()`.
struct TemporaryFolder {
  let url: URL
  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("DataFilesTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }
  func file(_ name: String) -> URL { url.appendingPathComponent(name) }
  func remove() { try? FileManager.default.removeItem(at: url) }
}

/// The shared real-data folder `<repo root>/../shared/data`, or nil where absent.
func sharedData(_ relative: String) -> URL? {
  let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  let url = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/data").appendingPathComponent(relative).standardizedFileURL
  return FileManager.default.fileExists(atPath: url.path) ? url : nil
}

/// The error a throwing expression raised, as a `DataFileError`.
func dataFileError(_ body: () throws -> Void) -> DataFileError? {
  do { try body(); return nil } catch let error as DataFileError { return error } catch { return nil }
}
