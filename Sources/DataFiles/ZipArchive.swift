import Foundation

/// A read-only view of a zip archive's entries (stored or deflated; no zip64, no encryption),
/// enough for the CIFAR-10 JPEG archives.
///
/// Every offset and size in the archive is checked against its length before it is used, and
/// a deflated entry is never decompressed past the size its directory entry says.
package struct ZipArchive: Sendable {
  struct Entry {
    var method: Int
    var compressedSize: Int
    var size: Int
    var localHeaderOffset: Int
  }

  let data: Data
  let name: String
  /// Entries by name, from the central directory.
  private(set) var entries: [String: Entry] = [:]

  init(contentsOf url: URL) throws {
    try self.init(data: readContents(of: url), name: url.path)
  }

  /// Reads the central directory of an archive's bytes.
  ///
  /// - Throws: `DataFileError` when the directory is missing, damaged or points outside the archive.
  package init(data: Data, name: String) throws {
    self.data = data
    self.name = name
    let bytes = Bytes(data: data)
    // The end-of-central-directory record is within the last 22 + 65535 bytes.
    var end = -1
    var position = bytes.count - 22
    while position >= max(0, bytes.count - 22 - 65535) {
      if bytes.u32(position) == 0x0605_4B50 { end = position; break }
      position -= 1
    }
    guard end >= 0 else { throw DataFileError.corrupt(file: name, detail: "no end-of-central-directory record; not a zip archive") }
    let entryCount = bytes.u16(end + 10)
    var offset = bytes.u32(end + 16)
    for _ in 0..<entryCount {
      guard offset + 46 <= bytes.count, bytes.u32(offset) == 0x0201_4B50 else {
        throw DataFileError.corrupt(file: name, detail: "central directory entry at byte \(offset) is damaged")
      }
      let nameLength = bytes.u16(offset + 28), extraLength = bytes.u16(offset + 30), commentLength = bytes.u16(offset + 32)
      guard offset + 46 + nameLength <= bytes.count else { throw DataFileError.truncated(file: name, detail: "central directory runs past the end of the file") }
      let entryName = String(decoding: data[(data.startIndex + offset + 46)..<(data.startIndex + offset + 46 + nameLength)], as: UTF8.self)
      entries[entryName] = Entry(method: bytes.u16(offset + 10), compressedSize: bytes.u32(offset + 20), size: bytes.u32(offset + 24),
                                 localHeaderOffset: bytes.u32(offset + 42))
      offset += 46 + nameLength + extraLength + commentLength
    }
  }

  /// The names of the entries, sorted.
  package var entryNames: [String] { entries.keys.sorted() }

  /// The uncompressed bytes of entry `entryName`.
  ///
  /// - Throws: `DataFileError` when the entry is missing, its local header or data lie outside
  ///   the archive, its method is not stored or deflate, or its data is damaged.
  package func contents(of entryName: String) throws -> Data {
    let quoted = entryName.quotedForMessage()
    guard let entry = entries[entryName] else {
      throw DataFileError.corrupt(file: name, detail: "has no entry '\(quoted)'")
    }
    let bytes = Bytes(data: data)
    let header = entry.localHeaderOffset
    guard header + 30 <= bytes.count, bytes.u16(header) == 0x4B50, bytes.u16(header + 2) == 0x0403 else {
      throw DataFileError.corrupt(file: name, detail: "local header of '\(quoted)' at byte \(header) is damaged")
    }
    // All sizes are at most 2³² (no zip64), so these sums cannot overflow.
    let start = header + 30 + bytes.u16(header + 26) + bytes.u16(header + 28)
    guard start + entry.compressedSize <= bytes.count else {
      throw DataFileError.truncated(file: name, detail: "entry '\(quoted)' runs past the end of the file")
    }
    let stored = data.subdata(in: (data.startIndex + start)..<(data.startIndex + start + entry.compressedSize))
    switch entry.method {
    case 0:
      guard entry.size == entry.compressedSize else {
        throw DataFileError.corrupt(file: name, detail: "stored entry '\(quoted)' has size \(entry.size) but \(entry.compressedSize) stored bytes")
      }
      return stored
    case 8: return Data(try Gzip.inflateRaw(stored, expectedSize: entry.size, name: "\(name)/\(quoted)"))
    default: throw DataFileError.unsupported(file: name, detail: "entry '\(quoted)' uses compression method \(entry.method); stored (0) and deflate (8) are read")
    }
  }

  /// Little-endian reads at offsets the caller has checked to lie inside the archive.
  private struct Bytes {
    let data: Data
    var count: Int { data.count }
    func u16(_ offset: Int) -> Int {
      precondition(offset >= 0 && offset + 2 <= data.count, "zip read at \(offset) of \(data.count)")
      return Int(data[data.startIndex + offset]) | Int(data[data.startIndex + offset + 1]) << 8
    }
    func u32(_ offset: Int) -> Int { u16(offset) | u16(offset + 2) << 16 }
  }
}
