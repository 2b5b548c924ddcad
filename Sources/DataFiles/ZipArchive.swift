import Foundation

/// A read-only view of a zip archive's entries (stored or deflated; no zip64, no encryption),
/// enough for the CIFAR-10 JPEG archives.
struct ZipArchive {
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
    data = try readContents(of: url)
    name = url.path
    let bytes = data
    func u16(_ offset: Int) -> Int { Int(bytes[bytes.startIndex + offset]) | Int(bytes[bytes.startIndex + offset + 1]) << 8 }
    func u32(_ offset: Int) -> Int { u16(offset) | u16(offset + 2) << 16 }
    // The end-of-central-directory record is within the last 22 + 65535 bytes.
    var end = -1
    var position = bytes.count - 22
    while position >= max(0, bytes.count - 22 - 65535) {
      if u32(position) == 0x0605_4B50 { end = position; break }
      position -= 1
    }
    guard end >= 0 else { throw DataFileError.corrupt(file: name, detail: "no end-of-central-directory record; not a zip archive") }
    let entryCount = u16(end + 10)
    var offset = u32(end + 16)
    for _ in 0..<entryCount {
      guard offset + 46 <= bytes.count, u32(offset) == 0x0201_4B50 else {
        throw DataFileError.corrupt(file: name, detail: "central directory entry at byte \(offset) is damaged")
      }
      let nameLength = u16(offset + 28), extraLength = u16(offset + 30), commentLength = u16(offset + 32)
      guard offset + 46 + nameLength <= bytes.count else { throw DataFileError.truncated(file: name, detail: "central directory runs past the end of the file") }
      let entryName = String(decoding: bytes[(bytes.startIndex + offset + 46)..<(bytes.startIndex + offset + 46 + nameLength)], as: UTF8.self)
      entries[entryName] = Entry(method: u16(offset + 10), compressedSize: u32(offset + 20), size: u32(offset + 24), localHeaderOffset: u32(offset + 42))
      offset += 46 + nameLength + extraLength + commentLength
    }
  }

  /// The uncompressed bytes of entry `entryName`.
  func contents(of entryName: String) throws -> Data {
    guard let entry = entries[entryName] else {
      throw DataFileError.corrupt(file: name, detail: "has no entry '\(entryName)'")
    }
    let header = entry.localHeaderOffset
    func u16(_ offset: Int) -> Int { Int(data[data.startIndex + offset]) | Int(data[data.startIndex + offset + 1]) << 8 }
    guard header + 30 <= data.count, u16(header) == 0x4B50, u16(header + 2) == 0x0403 else {
      throw DataFileError.corrupt(file: name, detail: "local header of '\(entryName)' at byte \(header) is damaged")
    }
    let start = header + 30 + u16(header + 26) + u16(header + 28)
    guard start + entry.compressedSize <= data.count else {
      throw DataFileError.truncated(file: name, detail: "entry '\(entryName)' runs past the end of the file")
    }
    let stored = data.subdata(in: (data.startIndex + start)..<(data.startIndex + start + entry.compressedSize))
    switch entry.method {
    case 0: return stored
    case 8: return Data(try Gzip.inflateRaw(stored, expectedSize: entry.size, name: "\(name)/\(entryName)"))
    default: throw DataFileError.unsupported(file: name, detail: "entry '\(entryName)' uses compression method \(entry.method); stored (0) and deflate (8) are read")
    }
  }
}
