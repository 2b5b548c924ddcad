/// SplitMix64: a small seeded generator; one per input, so that an input depends only on
/// (parser, seed, iteration).
struct SplitMix64 {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A value in `0 ..< bound` (`bound` > 0).
  mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

  /// True with probability `1 / n`.
  mutating func oneIn(_ n: Int) -> Bool { below(n) == 0 }
}

/// Deterministic mutations of seed inputs: the classic byte-level moves of AFL and libFuzzer,
/// and, for text formats, number and token edits.
struct Mutator {
  static let interestingBytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF, 0x20, 0x0A, 0x0D, 0x22, 0x27, 0x30, 0x39]
  static let interestingIntegers: [UInt64] = [
    0, 1, 2, 7, 8, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x1_0000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
    0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF, 4_611_686_018_427_387_968,
    3_689_348_814_741_910_336, 100_000, 65_535, 65_500,
  ]
  static let numberTokens = ["0", "-1", "1", "1e30", "-1e30", "4611686018427387968", "3689348814741910336", "4294967296",
                             "18446744073709551616", "9223372036854775807", "-9223372036854775808", "1.5", "NaN", "-0",
                             "99999999999999999999999", "1e-30", "Infinity", "00", "2147483648"]
  static let wordTokens = ["True", "False", "null", "true", "false", "None", "\"\"", "''", "{}", "[]", "()", "[[[[[[[[", "{\"a\":",
                           "\\u0000", "\\", "\r", "\n", "\t", "\u{0}", ",", ":", "'", "\"", "(", ")", "[", "]", "{", "}",
                           "'<f4'", "'|u1'", "'>f4'", "\"F32\"", "\"BF16\"", "\"__metadata__\"", "'shape'", "\"shape\""]

  var random: SplitMix64
  let isText: Bool

  /// `base` changed by one to eight stacked mutations; `other` is spliced in by some of them.
  mutating func mutate(_ base: [UInt8], other: [UInt8]) -> [UInt8] {
    var bytes = base
    let rounds = 1 + (random.oneIn(2) ? 0 : random.below(random.oneIn(4) ? 8 : 3))
    for _ in 0..<rounds {
      if isText, random.oneIn(2) { textEdit(&bytes) } else { byteEdit(&bytes, other: other) }
    }
    return bytes
  }

  /// A position, half the time in the first 64 bytes where the headers are.
  private mutating func position(in bytes: [UInt8]) -> Int {
    guard !bytes.isEmpty else { return 0 }
    return random.oneIn(2) ? random.below(min(bytes.count, 64)) : random.below(bytes.count)
  }

  private mutating func byteEdit(_ bytes: inout [UInt8], other: [UInt8]) {
    if bytes.isEmpty { bytes = [UInt8(truncatingIfNeeded: random.next())]; return }
    switch random.below(10) {
    case 0:  // flip one to four bits
      for _ in 0...random.below(4) { bytes[position(in: bytes)] ^= 1 << UInt8(random.below(8)) }
    case 1:  // an interesting byte
      bytes[position(in: bytes)] = Self.interestingBytes[random.below(Self.interestingBytes.count)]
    case 2, 3:  // an interesting 16-, 32- or 64-bit integer, either byte order
      let width = [2, 4, 8][random.below(3)]
      var value = Self.interestingIntegers[random.below(Self.interestingIntegers.count)]
      if random.oneIn(4) { value = value &+ UInt64(random.below(3)) &- 1 }
      let start = position(in: bytes)
      let bigEndian = random.oneIn(2)
      for index in 0..<width where start + index < bytes.count {
        let shift = UInt64(8 * (bigEndian ? width - 1 - index : index))
        bytes[start + index] = UInt8(truncatingIfNeeded: value >> shift)
      }
    case 4:  // truncate
      bytes.removeLast(random.below(bytes.count) + 1)
    case 5:  // insert a run of random bytes or of one repeated byte
      let count = random.oneIn(8) ? random.below(1024) + 1 : random.below(16) + 1
      let byte = UInt8(truncatingIfNeeded: random.next())
      var run = [UInt8](repeating: byte, count: count)
      if random.oneIn(2) { for index in run.indices { run[index] = UInt8(truncatingIfNeeded: random.next()) } }
      bytes.insert(contentsOf: run, at: random.below(bytes.count + 1))
    case 6:  // delete a run
      let start = position(in: bytes)
      bytes.removeSubrange(start ..< min(bytes.count, start + random.below(32) + 1))
    case 7:  // duplicate a run somewhere else
      let start = random.below(bytes.count)
      let run = Array(bytes[start ..< min(bytes.count, start + random.below(64) + 1)])
      bytes.insert(contentsOf: run, at: random.below(bytes.count + 1))
    case 8:  // splice: a prefix of this input, a suffix of another
      guard !other.isEmpty else { return }
      bytes = Array(bytes.prefix(random.below(bytes.count + 1)) + other.suffix(random.below(other.count + 1)))
    default:  // a random byte
      bytes[position(in: bytes)] = UInt8(truncatingIfNeeded: random.next())
    }
  }

  private mutating func textEdit(_ bytes: inout [UInt8]) {
    let digits = bytes.indices.filter { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }
    switch random.below(4) {
    case 0, 1:  // replace a whole number by a hostile one
      guard let hit = digits.isEmpty ? nil : digits[random.below(digits.count)] else { return }
      var start = hit, end = hit + 1
      while start > 0, bytes[start - 1] >= 0x30, bytes[start - 1] <= 0x39 { start -= 1 }
      while end < bytes.count, bytes[end] >= 0x30, bytes[end] <= 0x39 { end += 1 }
      bytes.replaceSubrange(start ..< end, with: Array(Self.numberTokens[random.below(Self.numberTokens.count)].utf8))
    case 2:  // one digit changed
      guard !digits.isEmpty else { return }
      bytes[digits[random.below(digits.count)]] = 0x30 + UInt8(random.below(10))
    default:  // insert or overwrite with a token
      let token = Array(Self.wordTokens[random.below(Self.wordTokens.count)].utf8)
      let at = random.below(bytes.count + 1)
      if random.oneIn(2) || at == bytes.count {
        bytes.insert(contentsOf: token, at: at)
      } else {
        bytes.replaceSubrange(at ..< min(bytes.count, at + random.below(8) + 1), with: token)
      }
    }
  }
}

/// Rewrites every PNG chunk's CRC, so that mutations reach the parser behind the checksum.
func fixingPNGChecksums(_ bytes: [UInt8]) -> [UInt8] {
  var bytes = bytes
  var offset = 8
  while offset + 12 <= bytes.count {
    let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
    guard length <= bytes.count - offset - 12 else { break }
    let crc = crc32(bytes[(offset + 4) ..< (offset + 8 + length)])
    for index in 0..<4 { bytes[offset + 8 + length + index] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(index))) }
    offset += 12 + length
  }
  return bytes
}

private let crcTable: [UInt32] = (0..<256).map { index in
  var value = UInt32(index)
  for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
  return value
}

/// CRC-32 as PNG and gzip use it.
func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
  return crc ^ 0xFFFF_FFFF
}
