import Foundation
import Tensors

/// Reads and writes the safetensors format (Hugging Face), the project's checkpoint format.
///
/// ```
/// header length N (UInt64 little-endian) | N bytes of JSON, padded with spaces to a multiple of 8
/// | tensor data, little-endian, C order
/// JSON: {"__metadata__":{"k":"v"},"name":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},…}
/// ```
/// Writing follows the reference implementation: compact JSON, `"__metadata__"` first (left out
/// when empty, as the reference does for no metadata), tensors sorted by name and stored in that
/// order, `F32` only. Reading accepts `F32`, `F64`, `F16` and `BF16`, converted to `Float`, and
/// checks that the data offsets tile the data section exactly, as the reference does.
public enum SafeTensorsFile {
  /// Encodes named tensors and string metadata.
  ///
  /// - Parameters:
  ///   - tensors: any shapes; stored as `F32`.
  ///   - metadata: free-form strings, stored under `"__metadata__"`.
  /// - Returns: the file's bytes.
  /// - Throws: `DataFileError.invalidTensor` if a tensor is named `__metadata__`.
  public static func encode(_ tensors: [String: Tensor], metadata: [String: String]) throws -> Data {
    guard tensors["__metadata__"] == nil else {
      throw DataFileError.invalidTensor(file: "safetensors", detail: "a tensor may not be named __metadata__")
    }
    var entries: [String] = []
    if !metadata.isEmpty {
      let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
      entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
    }
    let names = tensors.keys.sorted()
    var offset = 0
    for name in names {
      let tensor = tensors[name]!
      let end = offset + 4 * tensor.count
      entries.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}")
      offset = end
    }
    var header = Array("{\(entries.joined(separator: ","))}".utf8)
    header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
    var data = Data(capacity: 8 + header.count + offset)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(contentsOf: header)
    for name in names {
      tensors[name]!.withUnsafeBufferPointer { values in
        var bytes = [UInt8](repeating: 0, count: 4 * values.count)
        bytes.withUnsafeMutableBytes { target in
          for (index, value) in values.enumerated() { target.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 4 * index, as: UInt32.self) }
        }
        data.append(contentsOf: bytes)
      }
    }
    return data
  }

  /// Writes named tensors and metadata to a safetensors file, atomically.
  ///
  /// - Throws: `DataFileError.cannotWrite` or `.invalidTensor`.
  public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
    try AtomicFile.write(encode(tensors, metadata: metadata), to: url)
  }

  /// Reads a safetensors file.
  ///
  /// - Returns: the tensors by name, converted to `Float`, and the metadata (empty if none).
  /// - Throws: `DataFileError` when the file is missing, truncated, has an invalid header,
  ///   overlapping or out-of-range offsets, or an unsupported dtype.
  public static func read(contentsOf url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
    try decode(readContents(of: url), name: url.path)
  }

  /// Decodes the bytes of a safetensors file (see `read(contentsOf:)`).
  public static func decode(_ data: Data, name: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
    let bytes = [UInt8](data)
    let (header, dataStart) = try readHeader(bytes, name: name)
    var metadata: [String: String] = [:]
    if let entry = header["__metadata__"] {
      guard let values = entry as? [String: Any], values.values.allSatisfy({ $0 is String }) else {
        throw DataFileError.corrupt(file: name, detail: "__metadata__ is not an object of strings")
      }
      metadata = values.mapValues { $0 as! String }
    }
    var spans: [(begin: Int, end: Int, name: String)] = []
    var tensors: [String: Tensor] = [:]
    for (key, value) in header where key != "__metadata__" {
      let (begin, end, tensor) = try decodeTensor(key, entry: value, bytes: bytes, dataStart: dataStart, name: name)
      spans.append((begin, end, key))
      tensors[key] = tensor
    }
    try checkTiling(spans, dataCount: bytes.count - dataStart, name: name)
    return (tensors, metadata)
  }

  /// The JSON header and the offset of the data section after it.
  private static func readHeader(_ bytes: [UInt8], name: String) throws -> (header: [String: Any], dataStart: Int) {
    guard bytes.count >= 8 else { throw DataFileError.truncated(file: name, detail: "\(bytes.count) bytes, shorter than the 8-byte header length") }
    let headerLength = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    guard headerLength <= UInt64(bytes.count - 8) else {
      throw DataFileError.truncated(file: name, detail: "header length says \(headerLength) bytes, file has \(bytes.count - 8) after it")
    }
    let dataStart = 8 + Int(headerLength)
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))
    } catch {
      throw DataFileError.corrupt(file: name, detail: "header is not valid JSON")
    }
    guard let header = object as? [String: Any] else { throw DataFileError.corrupt(file: name, detail: "header is not a JSON object") }
    return (header, dataStart)
  }

  /// One tensor of the header: its entry checked against the data section, then converted.
  private static func decodeTensor(_ key: String, entry value: Any, bytes: [UInt8], dataStart: Int,
                                   name: String) throws -> (begin: Int, end: Int, tensor: Tensor) {
    let dataCount = bytes.count - dataStart
    let quoted = key.quotedForMessage()
    guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
          let shapeValues = info["shape"] as? [Any], let offsetValues = info["data_offsets"] as? [Any], offsetValues.count == 2 else {
      throw DataFileError.corrupt(file: name, detail: "tensor '\(quoted)' lacks dtype, shape or data_offsets")
    }
    let shape = try shapeValues.map { try nonNegativeInteger($0, file: name, what: "shape of '\(quoted)'") }
    let begin = try nonNegativeInteger(offsetValues[0], file: name, what: "data_offsets of '\(quoted)'")
    let end = try nonNegativeInteger(offsetValues[1], file: name, what: "data_offsets of '\(quoted)'")
    let size: Int
    switch dtype {
    case "F32": size = 4
    case "F64": size = 8
    case "F16", "BF16": size = 2
    default: throw DataFileError.unsupported(file: name, detail: "tensor '\(quoted)' has dtype \(dtype.quotedForMessage()); F32, F64, F16 and BF16 are read")
    }
    guard begin <= end else {
      throw DataFileError.corrupt(file: name, detail: "tensor '\(quoted)' has data_offsets [\(begin), \(end)], which end before they begin")
    }
    guard end <= dataCount else {
      throw DataFileError.truncated(file: name, detail: "tensor '\(quoted)' spans bytes \(begin)..<\(end) of a \(dataCount)-byte data section")
    }
    // The offsets are inside the file, so a shape that needs more bytes than they span is
    // refused before anything is allocated for it, however large it claims to be.
    let (count, needed) = try UntrustedInput.payloadSize(shape: shape, bytesPerElement: size, available: end - begin, file: name,
                                                         what: "tensor '\(quoted)' has shape") { _, bytes in
      "tensor '\(quoted)' of shape \(shape) and dtype \(dtype) needs \(bytes) bytes, its offsets span \(end - begin)"
    }
    guard end - begin == needed else {
      throw DataFileError.corrupt(file: name, detail: "tensor '\(quoted)' of shape \(shape) and dtype \(dtype) needs \(needed) bytes, its offsets span \(end - begin)")
    }
    let scalars = bytes.withUnsafeBytes { raw -> [Float] in
      let source = UnsafeRawBufferPointer(rebasing: raw[(dataStart + begin)..<(dataStart + end)])
      return [Float](unsafeUninitializedCapacity: count) { target, initialised in
        for index in 0..<count {
          switch size {
          case 4: target[index] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)))
          case 8: target[index] = Float(Double(bitPattern: UInt64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * index, as: UInt64.self))))
          default:
            let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))
            target[index] = dtype == "F16" ? floatFromHalf(bits) : floatFromBFloat16(bits)
          }
        }
        initialised = count
      }
    }
    return (begin, end, Tensor(shape: shape, scalars: scalars))
  }

  /// As in the reference implementation: the tensors must tile the data section, no gaps or overlaps.
  private static func checkTiling(_ spans: [(begin: Int, end: Int, name: String)], dataCount: Int, name: String) throws {
    var position = 0
    for span in spans.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
      guard span.begin == position else {
        throw DataFileError.corrupt(file: name, detail: "tensor '\(span.name.quotedForMessage())' starts at byte \(span.begin) of the data section, expected \(position) (gap or overlap)")
      }
      position = span.end
    }
    guard position == dataCount else {
      throw DataFileError.corrupt(file: name, detail: "tensors cover \(position) bytes of a \(dataCount)-byte data section")
    }
  }

  private static func nonNegativeInteger(_ value: Any, file: String, what: String) throws -> Int {
    if let integer = value as? Int, integer >= 0 { return integer }
    throw DataFileError.corrupt(file: file, detail: "\(what) holds \(String(describing: value).quotedForMessage()), not a non-negative integer")
  }

  /// A JSON string literal as serde_json writes it: `"` and `\` escaped, control characters as
  /// `\n`, `\t`, … or `\u00XX`, everything else (non-ASCII included) as UTF-8.
  static func jsonString(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case "\u{08}": result += "\\b"
      case "\u{0C}": result += "\\f"
      case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}
