import Foundation

/// Reads IDX files, the format of MNIST and Fashion-MNIST, gzipped or not.
///
/// ```
/// 00 00 08 rank | rank × UInt32 big-endian extents | UInt8 values, row-major
/// ```
/// A file starting with the gzip magic `1f 8b` is decompressed first (zlib, never past the size
/// its header announces).
/// Only the unsigned-byte element type `0x08` is read.
public enum IDXFile {
  /// Reads an IDX file of unsigned bytes.
  ///
  /// - Parameter url: an `…-idx3-ubyte` or `…-idx3-ubyte.gz` file.
  /// - Returns: the extents, outermost first (e.g. `[60000, 28, 28]`), and the bytes in row-major order.
  /// - Throws: `DataFileError` when the file is missing, not IDX, of another element type,
  ///   truncated or longer than its header says.
  /// - Complexity: one decompression pass and one copy of the payload.
  public static func read(contentsOf url: URL) throws -> (shape: [Int], bytes: [UInt8]) {
    try decode(readContents(of: url), name: url.path)
  }

  /// Decodes the bytes of an IDX file, gzipped or not (see `read(contentsOf:)`).
  ///
  /// A gzipped file is decompressed only as far as its header allows: once the header is out,
  /// decompression stops with an error as soon as the output exceeds the size it announces.
  package static func decode(_ data: Data, name: String) throws -> (shape: [Int], bytes: [UInt8]) {
    guard Gzip.isCompressed(data) else { return try decode([UInt8](data), name: name) }
    let contents = try Gzip.decompress(data, name: name) { prefix in
      guard let header = try header(of: prefix, name: name) else { return nil }
      // The header's count is checked against the longest output the compressed bytes can give.
      return try UntrustedInput.payloadSize(shape: header.shape, bytesPerElement: 1, available: Gzip.maximumOutput(forInput: data.count) - header.dataStart,
                                            file: name, what: "header shape") { count, _ in
        "header says \(extents(header.shape)) = \(count) bytes, more than \(data.count) compressed bytes can hold"
      }.bytes + header.dataStart
    }
    return try decode(contents, name: name)
  }

  static func decode(_ contents: [UInt8], name: String) throws -> (shape: [Int], bytes: [UInt8]) {
    guard let (shape, dataStart) = try header(of: contents, name: name) else {
      throw DataFileError.truncated(file: name, detail: contents.count < 4 ? "\(contents.count) bytes, shorter than the 4-byte IDX magic"
                                      : "header announces \(contents[3]) dimensions, file has \(contents.count) bytes")
    }
    let available = contents.count - dataStart
    let (count, _) = try UntrustedInput.payloadSize(shape: shape, bytesPerElement: 1, available: available, file: name, what: "header shape") { count, _ in
      "header says \(extents(shape)) = \(count) bytes, file has \(available)"
    }
    guard available == count else { throw DataFileError.corrupt(file: name, detail: "header says \(count) bytes of data, file has \(available - count) more") }
    return (shape, Array(contents[dataStart...]))
  }

  /// The extents and the offset of the values, or nil when `contents` ends inside the header.
  ///
  /// - Throws: `DataFileError` when the magic or element type is wrong.
  private static func header(of contents: [UInt8], name: String) throws -> (shape: [Int], dataStart: Int)? {
    guard contents.count >= 4 else { return nil }
    guard contents[0] == 0, contents[1] == 0 else {
      throw DataFileError.corrupt(file: name, detail: "magic \(contents[0..<4].map { String(format: "%02x", $0) }.joined()) does not start with 0000; not an IDX file")
    }
    guard contents[2] == 0x08 else {
      throw DataFileError.unsupported(file: name, detail: String(format: "IDX element type 0x%02x; only unsigned bytes (0x08) are read", contents[2]))
    }
    let rank = Int(contents[3])
    let dataStart = 4 + 4 * rank
    guard contents.count >= dataStart else { return nil }
    let shape = (0..<rank).map { dimension in
      contents[4 + 4 * dimension ..< 8 + 4 * dimension].reduce(0) { $0 << 8 | Int($1) }
    }
    return (shape, dataStart)
  }

  private static func extents(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "×") }
}
