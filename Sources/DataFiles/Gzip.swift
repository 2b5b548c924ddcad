import CZlib
import Foundation
import Tensors

/// Gzip and raw-deflate decompression with zlib, into a buffer that grows as output arrives.
///
/// Nothing is allocated from a size the compressed file claims: gzip's trailer (ISIZE) is not
/// read at all, and a size from a header inside the data (IDX) or a zip directory is used only
/// as a limit after it has been checked against deflate's largest ratio (`maximumOutput`).
/// A damaged stream stops with an error as soon as zlib sees it.
package enum Gzip {
  /// Whether `data` starts with the gzip magic bytes `1f 8b`.
  static func isCompressed(_ data: Data) -> Bool {
    data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
  }

  /// The most bytes `count` compressed bytes can decompress to: deflate's limit is 258 bytes
  /// for a 2-bit match code, 1032 : 1.
  static func maximumOutput(forInput count: Int) -> Int {
    ShapeArithmetic.sum(ShapeArithmetic.product(count, 1032) ?? Int.max, 1024) ?? Int.max
  }

  /// Decompresses a gzip file (all its members, as `gunzip` does).
  ///
  /// - Parameters:
  ///   - data: the whole file.
  ///   - name: the file named in errors.
  ///   - maximumSize: the most output the caller accepts, when it knows one.
  ///   - sizeFromPrefix: for formats whose header says how long they are: given the first
  ///     bytes of the output (at most 4 KiB), returns the exact expected output size, or nil
  ///     when it needs more bytes. Its errors are thrown as they are.
  /// - Throws: `DataFileError.corrupt` / `.truncated` naming `name`, also when the output
  ///   exceeds `maximumSize` or the size given by `sizeFromPrefix`.
  package static func decompress(_ data: Data, name: String, maximumSize: Int? = nil,
                         sizeFromPrefix: (([UInt8]) throws -> Int?)? = nil) throws -> [UInt8] {
    try inflate(data, windowBits: 16 + MAX_WBITS, name: name, members: true, maximumSize: maximumSize, sizeFromPrefix: sizeFromPrefix)
  }

  /// Decompresses raw deflate data (a zip entry of method 8) of known size.
  ///
  /// - Throws: `DataFileError` when the stream is damaged or does not give exactly `expectedSize` bytes.
  static func inflateRaw(_ data: Data, expectedSize: Int, name: String) throws -> [UInt8] {
    guard expectedSize <= maximumOutput(forInput: data.count) else {
      throw DataFileError.corrupt(file: name, detail: "says it decompresses to \(expectedSize) bytes, more than \(data.count) compressed bytes can hold")
    }
    let output = try inflate(data, windowBits: -MAX_WBITS, name: name, members: false, maximumSize: expectedSize, sizeFromPrefix: nil)
    guard output.count == expectedSize else {
      throw DataFileError.corrupt(file: name, detail: "decompresses to \(output.count) bytes, its directory says \(expectedSize)")
    }
    return output
  }

  private static func inflate(_ data: Data, windowBits: Int32, name: String, members: Bool, maximumSize: Int?,
                              sizeFromPrefix: (([UInt8]) throws -> Int?)?) throws -> [UInt8] {
    var limit = min(maximumSize ?? Int.max, maximumOutput(forInput: data.count), Int.max - 1)
    var limitIsExact = false
    var sizeFromPrefix = sizeFromPrefix
    // Room for one byte past the limit, so that output beyond it is seen, not cut silently.
    var output = [UInt8](repeating: 0, count: min(max(2 * data.count, 4096), limit + 1))
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
        if produced == output.count {
          guard produced <= limit else {
            throw DataFileError.corrupt(file: name, detail: limitIsExact ? "decompresses to more than the \(limit) bytes its header announces"
                                          : "decompresses to more than \(limit) bytes")
          }
          output.append(contentsOf: repeatElement(0, count: min(output.count, limit + 1 - output.count)))
        }
        let status: Int32 = output.withUnsafeMutableBufferPointer { target in
          stream.next_out = target.baseAddress! + produced
          stream.avail_out = uInt(min(target.count - produced, Int(UInt32.max)))
          let before = stream.avail_out
          let status = CZlib.inflate(&stream, Z_NO_FLUSH)
          produced += Int(before - stream.avail_out)
          return status
        }
        consumed += chunk - Int(stream.avail_in)
        if let measure = sizeFromPrefix, let size = try measure(Array(output[0 ..< min(produced, 4096)])) {
          sizeFromPrefix = nil
          if size < limit { limit = size }
          limitIsExact = true
        }
        if produced > limit {
          throw DataFileError.corrupt(file: name, detail: limitIsExact ? "decompresses to more than the \(limit) bytes its header announces"
                                        : "decompresses to more than \(limit) bytes")
        }
        switch status {
        case Z_STREAM_END:
          // Concatenated gzip members decompress to the concatenation of their contents.
          if members, consumed + 2 <= input.count, input[consumed] == 0x1F, input[consumed + 1] == 0x8B {
            inflateReset(&stream)
            continue
          }
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
    output.removeLast(output.count - produced)
    return output
  }
}
