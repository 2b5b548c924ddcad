import Foundation
import Tensors

/// Reads CIFAR-10's binary batches (`data_batch_1.bin`, `test_batch.bin`, or prefixes of them).
///
/// ```
/// record = label (1 byte, 0…9) | 1024 red | 1024 green | 1024 blue   (3073 bytes, planes row-major 32×32)
/// ```
public enum CIFAR10File {
  /// The bytes of one record.
  public static let recordSize = 3073

  /// Reads every record of a CIFAR-10 binary batch.
  ///
  /// - Parameter url: a file of 3073-byte records, no header.
  /// - Returns: `images`, `N × 3 × 32 × 32` with values `byte / 255`, and their `labels`.
  /// - Throws: `DataFileError` when the file is missing, empty or not a whole number of records.
  public static func read(contentsOf url: URL) throws -> (images: Tensor, labels: [UInt8]) {
    let data = try readContents(of: url)
    return try decode(data, name: url.path, records: nil)
  }

  /// Decodes records `range` (all when nil) of a batch.
  static func decode(_ data: Data, name: String, records range: Range<Int>?) throws -> (images: Tensor, labels: [UInt8]) {
    guard data.count > 0, data.count % recordSize == 0 else {
      throw DataFileError.corrupt(file: name, detail: "\(data.count) bytes is not a whole number of 3073-byte CIFAR-10 records (1 label + 3×32×32 pixels)")
    }
    let total = data.count / recordSize
    let range = range ?? 0..<total
    precondition(range.lowerBound >= 0 && range.upperBound <= total, "records \(range) of \(total)")
    let imageSize = recordSize - 1
    var labels = [UInt8](repeating: 0, count: range.count)
    let scalars = [Float](unsafeUninitializedCapacity: range.count * imageSize) { target, initialised in
      data.withUnsafeBytes { (source: UnsafeRawBufferPointer) in
        let bytes = source.bindMemory(to: UInt8.self)
        for (slot, record) in range.enumerated() {
          let start = record * recordSize
          labels[slot] = bytes[start]
          let output = slot * imageSize
          for index in 0..<imageSize { target[output + index] = Float(bytes[start + 1 + index]) / 255 }
        }
      }
      initialised = range.count * imageSize
    }
    return (Tensor(shape: [range.count, 3, 32, 32], scalars: scalars), labels)
  }
}
