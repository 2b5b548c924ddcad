import Tensors

/// Checks for sizes and text that come from a file, shared by every reader of this module.
///
/// A header may say anything: extents whose product overflows `Int`, more values than the file
/// holds, a picture of 10¹⁰ pixels in 100 bytes. Every size read from a file goes through
/// `payloadSize` (overflow-checked with `ShapeArithmetic`, then compared with the bytes that are
/// really there) before anything is allocated, and every piece of file text quoted in an error
/// goes through `String.quotedForMessage`, so that a description stays one line.
enum UntrustedInput {
  /// The most pixels an image decoder allocates for (8192 × 8192), whatever its header says.
  static let maximumPixelCount = 1 << 26

  /// The element and byte count of `shape`, checked against the `available` bytes.
  ///
  /// - Parameters:
  ///   - shape: extents read from a header.
  ///   - bytesPerElement: the stored size of one value.
  ///   - available: the bytes the file has for the values.
  ///   - file: the file named in errors.
  ///   - what: what the shape is, for the overflow error, e.g. `"header shape"`.
  ///   - truncated: the detail of the `.truncated` error, from the element and byte counts.
  /// - Throws: `DataFileError.corrupt` when an extent is negative or the size overflows `Int`,
  ///   `.truncated` when the values need more than `available` bytes.
  static func payloadSize(shape: [Int], bytesPerElement: Int, available: Int, file: String, what: String,
                          truncated: (_ count: Int, _ bytes: Int) -> String) throws -> (count: Int, bytes: Int) {
    guard let count = ShapeArithmetic.elementCount(shape),
          let bytes = ShapeArithmetic.product(count, bytesPerElement) else {
      let extents = shape.map(String.init).joined(separator: "×")
      throw DataFileError.corrupt(file: file, detail: "\(what) \(extents) needs more bytes than any file can hold (\(bytesPerElement) per value)")
    }
    guard bytes <= available else { throw DataFileError.truncated(file: file, detail: truncated(count, bytes)) }
    return (count, bytes)
  }

  /// Refuses an `N × C × H × W` set without a single value.
  ///
  /// - Throws: `DataFileError.corrupt` naming `file` when any extent is 0.
  static func requireImages(_ shape: [Int], file: String) throws {
    precondition(shape.count == 4, "an image set is N×C×H×W, got \(shape)")
    guard shape.allSatisfy({ $0 >= 1 }) else {
      throw DataFileError.corrupt(file: file, detail: "no images: expected at least one image of at least 1×1 pixel with ≥ 1 channel, got N×C×H×W = \(shape.map(String.init).joined(separator: "×"))")
    }
  }
}

extension String {
  /// The text with every control or line-breaking character written as an escape (`\n`, `\r`,
  /// `\t`, `\u{1b}`), so that it cannot break a one-line message.
  package var escapingControlCharacters: String {
    guard unicodeScalars.contains(where: \.breaksMessageLine) else { return self }
    var result = ""
    for scalar in unicodeScalars {
      guard scalar.breaksMessageLine else { result.unicodeScalars.append(scalar); continue }
      switch scalar {
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      default: result += "\\u{" + String(scalar.value, radix: 16) + "}"
      }
    }
    return result
  }

  /// File-derived text fit to quote in an error: control characters escaped, cut to `limit`
  /// characters with a trailing `…`.
  package func quotedForMessage(limit: Int = 80) -> String {
    let escaped = escapingControlCharacters
    return escaped.count <= limit ? escaped : escaped.prefix(limit) + "…"
  }
}

extension Unicode.Scalar {
  /// Control characters (C0, DEL, C1) and the Unicode line and paragraph separators.
  fileprivate var breaksMessageLine: Bool {
    switch properties.generalCategory {
    case .control, .lineSeparator, .paragraphSeparator: return true
    default: return false
    }
  }
}
