import Foundation
import Tensors

/// Reads and writes NumPy's `.npy` format, the project's interchange format.
///
/// ```
/// "\x93NUMPY" major minor | header length (UInt16 LE in v1.0, UInt32 LE in v2.0/v3.0)
/// | "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" padded with spaces, "\n"
/// | values in C (row-major) order
/// ```
///
/// Reading accepts versions 1.0, 2.0 and 3.0 and the little-endian dtypes `<f4`, `<f8`, `<f2`,
/// `|u1`, `|i1`, `<u2`, `<i2`, `<i4`, `<i8` and `|b1`, converted to `Float` **as stored**
/// (`|u1` 255 reads as 255, not 1). A shape `()` reads as a tensor of shape `[]` with one value.
/// Fortran order, big-endian and other dtypes are refused with an error naming them.
///
/// Writing produces exactly NumPy's bytes (`numpy.save`): a v1.0 header, keys sorted, 21 spare
/// spaces for growing the first axis, padded so that the data starts at a multiple of 64 bytes.
public enum NumPyFile {
  /// Reads a `.npy` file.
  ///
  /// - Parameter url: the file.
  /// - Returns: the array, shape as stored, values converted to `Float` as stored.
  /// - Throws: `DataFileError` when the file is missing, truncated, corrupt, Fortran-ordered
  ///   or of an unsupported dtype.
  public static func read(contentsOf url: URL) throws -> Tensor {
    try decode(readContents(of: url), name: url.path)
  }

  /// Decodes the bytes of a `.npy` file.
  ///
  /// - Parameters:
  ///   - data: the whole file.
  ///   - name: the file name used in error messages.
  /// - Returns: the array, shape as stored, values converted to `Float` as stored.
  /// - Throws: `DataFileError` (see `read(contentsOf:)`).
  public static func decode(_ data: Data, name: String) throws -> Tensor {
    try decodeWithType(data, name: name).tensor
  }

  /// Encodes `tensor` as a `.npy` file with a v1.0 header, byte for byte as `numpy.save` does.
  ///
  /// - Parameters:
  ///   - tensor: any shape; shape `[]` is written as NumPy's 0-d shape `()`.
  ///   - dtype: the stored element type; `.uint8` stores `round(clamp(v, 0, 255))`.
  /// - Returns: the file's bytes.
  public static func encode(_ tensor: Tensor, dtype: NumPyDType = .float32) -> Data {
    var data = header(descr: dtype.rawValue, shape: tensor.shape)
    var payload = [UInt8](repeating: 0, count: tensor.count * dtype.byteCount)
    tensor.withUnsafeBufferPointer { source in
      payload.withUnsafeMutableBytes { target in
        switch dtype {
        case .float32:
          for (index, value) in source.enumerated() { target.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 4 * index, as: UInt32.self) }
        case .float64:
          for (index, value) in source.enumerated() { target.storeBytes(of: Double(value).bitPattern.littleEndian, toByteOffset: 8 * index, as: UInt64.self) }
        case .uint8:
          for (index, value) in source.enumerated() { target[index] = UInt8(min(max(value, 0), 255).rounded()) }
        }
      }
    }
    data.append(contentsOf: payload)
    return data
  }

  /// Encodes `values` as `<f8` of shape `shape` (whose product must be `values.count`), every
  /// bit kept — for data that must survive a round trip exactly, such as partial estimates.
  public static func encode(doubles values: [Double], shape: [Int]) -> Data {
    precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
    var data = header(descr: NumPyDType.float64.rawValue, shape: shape)
    var payload = [UInt8](repeating: 0, count: 8 * values.count)
    payload.withUnsafeMutableBytes { target in
      for (index, value) in values.enumerated() { target.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 8 * index, as: UInt64.self) }
    }
    data.append(contentsOf: payload)
    return data
  }

  /// Decodes a `.npy` file of `<f8` values exactly (no conversion through `Float`).
  ///
  /// - Throws: `DataFileError` as `decode(_:name:)`, and `.unsupported` for any other dtype.
  public static func decodeDoubles(_ data: Data, name: String) throws -> (shape: [Int], values: [Double]) {
    let (fields, payload) = try parse(data, name: name)
    guard fields.type == .float64 else {
      throw DataFileError.unsupported(file: name, detail: "dtype '\(fields.descr.quotedForMessage())'; expected <f8 (float64)")
    }
    let values = payload.withUnsafeBytes { raw in
      (0..<fields.count).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
    }
    return (fields.shape, values)
  }

  /// The preamble and header of a v1.0 file, as `numpy.save` writes them.
  private static func header(descr: String, shape: [Int]) -> Data {
    let shapeText: String
    switch shape.count {
    case 0: shapeText = "()"
    case 1: shapeText = "(\(shape[0]),)"
    default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
    // numpy leaves room for the first axis to grow to 21 digits, so files can be appended to.
    if let first = shape.first { header += String(repeating: " ", count: max(0, 21 - String(first).count)) }
    let unpadded = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
    let headerLength = UInt16(header.utf8.count)
    data.append(contentsOf: [UInt8(headerLength & 0xFF), UInt8(headerLength >> 8)])
    data.append(contentsOf: Array(header.utf8))
    return data
  }

  /// Writes `tensor` to a `.npy` file atomically (see `encode(_:dtype:)` and `AtomicFile`).
  ///
  /// - Throws: `DataFileError.cannotWrite`.
  public static func write(_ tensor: Tensor, to url: URL, dtype: NumPyDType = .float32) throws {
    try AtomicFile.write(encode(tensor, dtype: dtype), to: url)
  }

  /// Decodes a `.npy` file and reports whether its dtype is an integer type, so that data-set
  /// loaders can scale 8-bit images to `[0, 1]`.
  static func decodeWithType(_ data: Data, name: String) throws -> (tensor: Tensor, isInteger: Bool) {
    let (fields, payload) = try parse(data, name: name)
    let scalars = payload.withUnsafeBytes { fields.type.convert($0, count: fields.count) }
    return (Tensor(shape: fields.shape, scalars: scalars), fields.type.isInteger)
  }

  /// A checked header and the payload it describes, exactly as long as it says.
  private static func parse(_ data: Data, name: String) throws
    -> (fields: (descr: String, shape: [Int], type: NumPyElementType, count: Int), payload: ArraySlice<UInt8>) {
    let bytes = [UInt8](data)
    guard bytes.count >= 10 else { throw DataFileError.truncated(file: name, detail: "\(bytes.count) bytes, shorter than the 10-byte .npy preamble") }
    guard bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
      throw DataFileError.corrupt(file: name, detail: "missing the magic string \\x93NUMPY; not a .npy file")
    }
    let major = bytes[6]
    let headerStart: Int
    let headerLength: Int
    switch major {
    case 1:
      headerStart = 10
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
    case 2, 3:
      guard bytes.count >= 12 else { throw DataFileError.truncated(file: name, detail: "\(bytes.count) bytes, shorter than the 12-byte v\(major).0 preamble") }
      headerStart = 12
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
    default:
      throw DataFileError.unsupported(file: name, detail: "format version \(major).\(bytes[7]); versions 1.0, 2.0 and 3.0 are read")
    }
    guard headerStart + headerLength <= bytes.count else {
      throw DataFileError.truncated(file: name, detail: "header says it is \(headerLength) bytes long, file has \(bytes.count - headerStart) after the preamble")
    }
    let headerBytes = bytes[headerStart ..< headerStart + headerLength]
    guard let header = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
      throw DataFileError.corrupt(file: name, detail: "header is not text")
    }
    let fields = try NumPyHeader(parsing: header, name: name)
    guard !fields.fortranOrder else {
      throw DataFileError.unsupported(file: name, detail: "Fortran order (fortran_order: True); save a C-ordered array, e.g. np.save(f, np.ascontiguousarray(a))")
    }
    guard let type = NumPyElementType(descr: fields.descr) else {
      throw DataFileError.unsupported(file: name, detail: "dtype '\(fields.descr.quotedForMessage())'; readable dtypes are <f4, <f8, <f2, |u1, |i1, <u2, <i2, <i4, <i8, |b1 (convert with a.astype('<f4'))")
    }
    let dataStart = headerStart + headerLength
    let available = bytes.count - dataStart
    let (count, needed) = try UntrustedInput.payloadSize(shape: fields.shape, bytesPerElement: type.byteCount, available: available,
                                                         file: name, what: "header shape") { count, bytes in
      "header says \(count) values of \(fields.descr) (\(bytes) bytes), file has \(available)"
    }
    guard available == needed else {
      throw DataFileError.corrupt(file: name, detail: "header says \(count) values of \(fields.descr) (\(needed) bytes), file has \(available - needed) bytes more")
    }
    return ((fields.descr, fields.shape, type, count), bytes[dataStart ..< dataStart + needed])
  }
}
