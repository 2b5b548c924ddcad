import CZlib
import Foundation

/// NumPy's `.npz`: a zip archive of `.npy` entries, as `numpy.savez` writes it (entries stored
/// uncompressed), read back with `numpy.load` or `read(contentsOf:)`.
///
/// ```swift
/// let file = try NumPyArchive.encode(["values.npy": NumPyFile.encode(doubles: v, shape: [v.count])], name: "part.npz")
/// let entries = try NumPyArchive.read(contentsOf: url)      // ["values.npy": Data]
/// ```
/// No zip64: every entry and the whole archive must stay below 4 GiB.
public enum NumPyArchive {
  /// The archive's bytes, entries in name order (so the same entries give the same bytes).
  ///
  /// - Throws: `DataFileError.invalidTensor` when an entry or the archive reaches 4 GiB or
  ///   there are more than 65,535 entries.
  public static func encode(_ entries: [String: Data], name: String) throws -> Data {
    let limit = Int(UInt32.max)
    guard entries.count <= 0xFFFF else { throw DataFileError.invalidTensor(file: name, detail: "\(entries.count) entries; at most 65535 fit a zip archive") }
    var archive = Data(), directory = Data()
    func append16(_ value: Int, to data: inout Data) { data.append(contentsOf: [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)]) }
    func append32(_ value: Int, to data: inout Data) { append16(value & 0xFFFF, to: &data); append16(value >> 16 & 0xFFFF, to: &data) }
    for (entryName, contents) in entries.sorted(by: { $0.key < $1.key }) {
      let nameBytes = Array(entryName.utf8)
      guard contents.count < limit, archive.count + 30 + nameBytes.count + contents.count < limit else {
        throw DataFileError.invalidTensor(file: name, detail: "entry \(entryName) of \(contents.count) bytes takes the archive past 4 GiB (no zip64)")
      }
      let crc = contents.withUnsafeBytes { raw in
        Int(crc32(0, raw.bindMemory(to: Bytef.self).baseAddress, uInt(raw.count)))
      }
      let offset = archive.count
      // Local file header: version 2.0, no flags, stored, no time, CRC, sizes, name.
      append32(0x0403_4B50, to: &archive)
      for value in [20, 0, 0, 0, 0x21] { append16(value, to: &archive) }
      for value in [crc, contents.count, contents.count] { append32(value, to: &archive) }
      append16(nameBytes.count, to: &archive)
      append16(0, to: &archive)
      archive.append(contentsOf: nameBytes)
      archive.append(contents)
      // Its central directory entry.
      append32(0x0201_4B50, to: &directory)
      for value in [20, 20, 0, 0, 0, 0x21] { append16(value, to: &directory) }
      for value in [crc, contents.count, contents.count] { append32(value, to: &directory) }
      for value in [nameBytes.count, 0, 0, 0, 0] { append16(value, to: &directory) }
      append32(0, to: &directory)
      append32(offset, to: &directory)
      directory.append(contentsOf: nameBytes)
    }
    guard archive.count + directory.count + 22 < limit else {
      throw DataFileError.invalidTensor(file: name, detail: "the archive reaches 4 GiB (no zip64)")
    }
    let directoryOffset = archive.count
    archive.append(directory)
    append32(0x0605_4B50, to: &archive)
    for value in [0, 0, entries.count, entries.count] { append16(value, to: &archive) }
    append32(directory.count, to: &archive)
    append32(directoryOffset, to: &archive)
    append16(0, to: &archive)
    return archive
  }

  /// Every entry of an archive, by name.
  ///
  /// - Throws: `DataFileError` when the file is missing or not a readable zip archive.
  public static func read(contentsOf url: URL) throws -> [String: Data] {
    let archive = try ZipArchive(contentsOf: url)
    var entries: [String: Data] = [:]
    for entryName in archive.entryNames { entries[entryName] = try archive.contents(of: entryName) }
    return entries
  }
}
