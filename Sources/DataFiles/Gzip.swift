import CZlib
import Foundation

/// Gzip and raw-deflate decompression with zlib, into one buffer.
enum Gzip {
  /// Whether `data` starts with the gzip magic bytes `1f 8b`.
  static func isCompressed(_ data: Data) -> Bool {
    data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
  }

  /// Decompresses a gzip file (all its members, as `gunzip` does).
  ///
  /// The output buffer is sized from the trailer's ISIZE (the uncompressed size mod 2³²) and
  /// grown only if that hint is wrong, so the usual case is a single pass with no copies.
  /// - Throws: `DataFileError.corrupt` / `.truncated` naming `name`.
  static func decompress(_ data: Data, name: String) throws -> [UInt8] {
    var hint = 0
    if data.count >= 18 {
      let tail = data.suffix(4)
      hint = tail.reversed().reduce(0) { $0 << 8 | Int($1) }
    }
    return try inflate(data, windowBits: 16 + MAX_WBITS, sizeHint: hint, name: name, members: true)
  }

  /// Decompresses raw deflate data (a zip entry of method 8) of known size.
  static func inflateRaw(_ data: Data, expectedSize: Int, name: String) throws -> [UInt8] {
    try inflate(data, windowBits: -MAX_WBITS, sizeHint: expectedSize, name: name, members: false)
  }

  private static func inflate(_ data: Data, windowBits: Int32, sizeHint: Int, name: String, members: Bool) throws -> [UInt8] {
    var output = [UInt8](repeating: 0, count: max(sizeHint, 1024))
    var produced = 0
    try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
      guard let base = input.baseAddress?.assumingMemoryBound(to: Bytef.self), input.count > 0 else {
        throw DataFileError.truncated(file: name, detail: "empty compressed stream")
      }
      var stream = z_stream()
      guard inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw DataFileError.corrupt(file: name, detail: "zlib could not start decompressing")
      }
      defer { inflateEnd(&stream) }
      var consumed = 0
      while true {
        stream.next_in = UnsafeMutablePointer(mutating: base + consumed)
        let chunk = min(input.count - consumed, Int(UInt32.max))
        stream.avail_in = uInt(chunk)
        if produced == output.count { output.append(contentsOf: [UInt8](repeating: 0, count: output.count)) }
        let status: Int32 = output.withUnsafeMutableBufferPointer { target in
          stream.next_out = target.baseAddress! + produced
          stream.avail_out = uInt(min(target.count - produced, Int(UInt32.max)))
          let before = stream.avail_out
          let status = CZlib.inflate(&stream, Z_NO_FLUSH)
          produced += Int(before - stream.avail_out)
          return status
        }
        consumed += chunk - Int(stream.avail_in)
        switch status {
        case Z_STREAM_END:
          // Concatenated gzip members decompress to the concatenation of their contents.
          if members, consumed + 2 <= input.count, input[consumed] == 0x1F, input[consumed + 1] == 0x8B {
            inflateReset(&stream)
            continue
          }
          output.removeLast(output.count - produced)
          return
        case Z_OK:
          continue
        case Z_BUF_ERROR where stream.avail_out != 0:
          throw DataFileError.truncated(file: name, detail: "compressed stream ends early, after \(produced) decompressed bytes")
        case Z_BUF_ERROR:
          continue
        default:
          let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
          throw DataFileError.corrupt(file: name, detail: "decompression failed (zlib: \(message)) after \(produced) bytes")
        }
      }
    }
    return output
  }
}
