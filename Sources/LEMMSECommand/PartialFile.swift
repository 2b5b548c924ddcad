import Foundation
import Tensors
import DataFiles
import AnalyticMMSE

/// `PART.npz` of `lemmse estimate --shard I/K --partial PART.npz`: one shard's accumulators,
/// readable with `numpy.load`.
///
/// ```
/// values.npy    float64, every softmax state (PartialEstimate.encoded().values)
/// partial.npy   uint8, the partial's JSON header (shard, fingerprint, shapes, tree nodes)
/// command.npy   uint8, the EstimateRecord JSON (what OUT.json will say)
/// ```
enum PartialFile {
  static func encode(_ partial: PartialEstimate, record: EstimateRecord, name: String) throws -> Data {
    let (header, values) = try partial.encoded()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try NumPyArchive.encode([
      "values.npy": NumPyFile.encode(doubles: values, shape: [values.count]),
      "partial.npy": bytesEntry(header),
      "command.npy": bytesEntry(try encoder.encode(record)),
    ], name: name)
  }

  /// Reads a partial file, every error naming it.
  static func read(_ url: URL) throws -> (partial: PartialEstimate, record: EstimateRecord) {
    let name = url.path
    do {
      let entries = try NumPyArchive.read(contentsOf: url)
      func entry(_ key: String) throws -> Data {
        guard let data = entries[key] else { throw CommandError("\(name): has no \(key); expected a partial of lemmse estimate --shard") }
        return data
      }
      let (_, values) = try NumPyFile.decodeDoubles(entry("values.npy"), name: "\(name)/values.npy")
      let header = try bytes(of: entry("partial.npy"), name: "\(name)/partial.npy")
      let partial = try PartialEstimate(header: header, values: values)
      let record: EstimateRecord
      do {
        record = try JSONDecoder().decode(EstimateRecord.self, from: bytes(of: entry("command.npy"), name: "\(name)/command.npy"))
      } catch is DecodingError {
        throw CommandError("\(name): its command.npy is not the record of an estimate command")
      }
      return (partial, record)
    } catch let error as DataFileError {
      throw CommandError(error.description)
    } catch let error as AnalyticMMSEError {
      throw CommandError("\(name): \(error.description)")
    }
  }

  private static func bytesEntry(_ data: Data) -> Data {
    NumPyFile.encode(Tensor(shape: [data.count], scalars: data.map(Float.init)), dtype: .uint8)
  }

  private static func bytes(of entry: Data, name: String) throws -> Data {
    let tensor = try NumPyFile.decode(entry, name: name)
    guard tensor.rank == 1, tensor.scalars.allSatisfy({ $0 >= 0 && $0 <= 255 && $0.rounded() == $0 }) else {
      throw CommandError("\(name): expected a 1-d array of bytes (uint8)")
    }
    return Data(tensor.scalars.map { UInt8($0) })
  }
}
