/// The element types `NumPyFile` writes, spelled as NumPy's `descr` strings.
///
/// All are little-endian (or byte-sized). `uint8` stores `round(clamp(v, 0, 255))`, so it suits
/// data already in `0…255`; images in `[0, 1]` belong in `float32`.
public enum NumPyDType: String, CaseIterable, Sendable {
  case float32 = "<f4"
  case float64 = "<f8"
  case uint8 = "|u1"

  /// Bytes per value.
  public var byteCount: Int {
    switch self {
    case .float32: return 4
    case .float64: return 8
    case .uint8: return 1
    }
  }
}
