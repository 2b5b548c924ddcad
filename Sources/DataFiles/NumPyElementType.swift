/// The element types `.npy` files may be read with, and their conversion to `Float`.
enum NumPyElementType {
  case float16, float32, float64, uint8, int8, uint16, int16, int32, int64, bool

  /// The type of a NumPy `descr`, little-endian or byte-sized only (`=` counts as little-endian,
  /// the only byte order this module runs on).
  init?(descr: String) {
    let normalised = descr.hasPrefix("=") ? "<" + descr.dropFirst() : descr
    switch normalised {
    case "<f2": self = .float16
    case "<f4": self = .float32
    case "<f8": self = .float64
    case "|u1", "<u1", "u1": self = .uint8
    case "|i1", "<i1", "i1": self = .int8
    case "<u2": self = .uint16
    case "<i2": self = .int16
    case "<i4": self = .int32
    case "<i8": self = .int64
    case "|b1", "<b1": self = .bool
    default: return nil
    }
  }

  var byteCount: Int {
    switch self {
    case .uint8, .int8, .bool: return 1
    case .float16, .uint16, .int16: return 2
    case .float32, .int32: return 4
    case .float64, .int64: return 8
    }
  }

  var isInteger: Bool {
    switch self {
    case .float16, .float32, .float64: return false
    default: return true
    }
  }

  /// Converts `count` little-endian values starting at `raw` (any alignment) to `Float`.
  func convert(_ raw: UnsafeRawBufferPointer, count: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { target, initialised in
      switch self {
      case .uint8, .bool:
        for index in 0..<count { target[index] = Float(raw[index]) }
      case .int8:
        for index in 0..<count { target[index] = Float(Int8(bitPattern: raw[index])) }
      case .float16:
        for index in 0..<count { target[index] = floatFromHalf(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))) }
      case .uint16:
        for index in 0..<count { target[index] = Float(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))) }
      case .int16:
        for index in 0..<count { target[index] = Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * index, as: Int16.self))) }
      case .float32:
        for index in 0..<count { target[index] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self))) }
      case .int32:
        for index in 0..<count { target[index] = Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: Int32.self))) }
      case .float64:
        for index in 0..<count { target[index] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * index, as: UInt64.self)))) }
      case .int64:
        for index in 0..<count { target[index] = Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * index, as: Int64.self))) }
      }
      initialised = count
    }
  }
}

/// An IEEE 754 half-precision value, widened exactly to `Float` (subnormals, infinities, NaN).
func floatFromHalf(_ bits: UInt16) -> Float {
  let sign = UInt32(bits & 0x8000) << 16
  let exponent = UInt32(bits >> 10) & 0x1F
  let mantissa = UInt32(bits & 0x3FF)
  if exponent == 0 {
    // ±0 or subnormal: mantissa · 2⁻²⁴, exact in Float.
    let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
    return sign != 0 ? -magnitude : magnitude
  }
  if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
  return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
}

/// A bfloat16 value (the high half of a `Float`), widened exactly.
func floatFromBFloat16(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }
