/// FNV-1a over 32- and 64-bit words: enough to tell different problems apart, not a defence
/// against forgery (a partial file is trusted data once its values have been checked).
struct Fingerprint {
  private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
  private static let prime: UInt64 = 0x100_0000_01b3

  mutating func add(_ word: UInt64) { value = (value ^ word) &* Self.prime }

  mutating func add(_ text: String) {
    for byte in text.utf8 { add(UInt64(byte)) }
    add(UInt64.max)  // a terminator, so "ab" + "c" differs from "a" + "bc"
  }

  mutating func add(_ floats: UnsafeBufferPointer<Float>) {
    for float in floats { value = (value ^ UInt64(float.bitPattern)) &* Self.prime }
  }
}
