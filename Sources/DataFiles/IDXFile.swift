import Foundation

/// Reads IDX files, the format of MNIST and Fashion-MNIST, gzipped or not.
///
/// ```
/// 00 00 08 rank | rank × UInt32 big-endian extents | UInt8 values, row-major
/// ```
/// A file starting with the gzip magic `1f 8b` is decompressed first (zlib, one buffer).
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
    let name = url.path
    let raw = try readContents(of: url)
    let contents = Gzip.isCompressed(raw) ? try Gzip.decompress(raw, name: name) : [UInt8](raw)
    return try decode(contents, name: name)
  }

  static func decode(_ contents: [UInt8], name: String) throws -> (shape: [Int], bytes: [UInt8]) {
    guard contents.count >= 4 else { throw DataFileError.truncated(file: name, detail: "\(contents.count) bytes, shorter than the 4-byte IDX magic") }
    guard contents[0] == 0, contents[1] == 0 else {
      throw DataFileError.corrupt(file: name, detail: "magic \(contents[0..<4].map { String(format: "%02x", $0) }.joined()) does not start with 0000; not an IDX file")
    }
    guard contents[2] == 0x08 else {
      throw DataFileError.unsupported(file: name, detail: String(format: "IDX element type 0x%02x; only unsigned bytes (0x08) are read", contents[2]))
    }
    let rank = Int(contents[3])
    let dataStart = 4 + 4 * rank
    guard contents.count >= dataStart else { throw DataFileError.truncated(file: name, detail: "header announces \(rank) dimensions, file has \(contents.count) bytes") }
    let shape = (0..<rank).map { dimension in
      contents[4 + 4 * dimension ..< 8 + 4 * dimension].reduce(0) { $0 << 8 | Int($1) }
    }
    let count = shape.reduce(1, *)
    let available = contents.count - dataStart
    guard available >= count else { throw DataFileError.truncated(file: name, detail: "header says \(shape.map(String.init).joined(separator: "×")) = \(count) bytes, file has \(available)") }
    guard available == count else { throw DataFileError.corrupt(file: name, detail: "header says \(count) bytes of data, file has \(available - count) more") }
    return (shape, Array(contents[dataStart...]))
  }
}
