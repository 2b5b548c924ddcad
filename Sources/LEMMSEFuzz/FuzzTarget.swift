import DataFiles
import Experiments
import Foundation

/// The parsers the fuzz driver feeds, each a decode of in-memory bytes as the command does it.
enum FuzzTarget: String, CaseIterable {
  case npy, png, jpeg, idx, gzip, zip, safetensors, config

  /// Formats with text inside (headers, JSON), which also get number and token edits.
  var hasText: Bool { self == .npy || self == .safetensors || self == .config }

  /// Decodes `data`; a thrown error is a clean refusal.
  func run(_ data: Data) throws {
    let name = "fuzz.\(rawValue)"
    switch self {
    case .npy:
      _ = try NumPyFile.decode(data, name: name)
      _ = try DataSets.numPyImages(data, name: name)
    case .png:
      _ = try PNGFile.decode(data, name: name)
    case .jpeg:
      _ = try JPEGFile.decode(data, name: name)
    case .idx:
      _ = try IDXFile.decode(data, name: name)
      _ = try DataSets.fashionMNISTImages(data, name: name)
    case .gzip:
      _ = try Gzip.decompress(data, name: name)
    case .zip:
      let archive = try ZipArchive(data: data, name: name)
      for entry in archive.entryNames.prefix(8) { _ = try archive.contents(of: entry) }
    case .safetensors:
      _ = try SafeTensorsFile.decode(data, name: name)
    case .config:
      _ = try ExperimentConfig.decode(data, name: name)
    }
  }

  /// Errors that are part of the parser's promise (any other type is reported).
  func isExpected(_ error: Error) -> Bool {
    switch self {
    case .config: return error is ExperimentError || error is DataFileError
    default: return error is DataFileError
    }
  }
}

/// A monotonic clock in nanoseconds.
@Sendable func nanoseconds() -> Int { Int(DispatchTime.now().uptimeNanoseconds) }
