import Foundation

/// A seeded random number generator whose streams are identical on every machine.
///
/// xoshiro256** (Blackman & Vigna, [Scrambled linear pseudorandom number
/// generators](https://prng.di.unimi.it/), 2018), its state filled from the seed by
/// SplitMix64. Uniform floats take the top 24 bits; Gaussians use the Box–Muller transform
/// in `Double`, so the same seed gives the same noise everywhere.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var state: (UInt64, UInt64, UInt64, UInt64)
  private var spareGaussian: Double?

  /// A generator whose stream is fixed by `seed`; SplitMix64 spreads every seed, 0 included, over the state.
  public init(seed: UInt64) {
    var mixer = seed
    func splitMix() -> UInt64 {
      mixer &+= 0x9E37_79B9_7F4A_7C15
      var z = mixer
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (splitMix(), splitMix(), splitMix(), splitMix())
  }

  /// The next 64 random bits (xoshiro256**).
  public mutating func next() -> UInt64 {
    func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
    let result = rotate(state.1 &* 5, 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = rotate(state.3, 45)
    return result
  }

  /// A uniform value in `[0, 1)`.
  public mutating func nextUniform() -> Float {
    Float(next() >> 40) * (1.0 / 16_777_216.0)
  }

  /// A uniform value in `[0, 1)` with 53 random bits.
  public mutating func nextUniformDouble() -> Double {
    Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
  }

  /// A standard Gaussian value (Box–Muller, computed in `Double`).
  public mutating func nextGaussian() -> Double {
    if let spare = spareGaussian {
      spareGaussian = nil
      return spare
    }
    let u1 = 1.0 - nextUniformDouble()  // in (0, 1]: log is finite
    let u2 = nextUniformDouble()
    let radius = (-2.0 * Foundation.log(u1)).squareRoot()
    let angle = 2.0 * Double.pi * u2
    spareGaussian = radius * Foundation.sin(angle)
    return radius * Foundation.cos(angle)
  }

  /// An integer in `0..<upperBound` without modulo bias.
  public mutating func nextInt(below upperBound: Int) -> Int {
    precondition(upperBound > 0, "upper bound must be positive, got \(upperBound)")
    return Int.random(in: 0..<upperBound, using: &self)
  }
}

extension SeededGenerator: Codable {
  private enum CodingKeys: String, CodingKey { case state, spareGaussian }

  /// Restores a generator exactly where `encode(to:)` left it, so a resumed run draws the same
  /// numbers as an uninterrupted one.
  ///
  /// - Throws: `DecodingError` if the state is missing or does not hold exactly 4 words.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let words = try container.decode([UInt64].self, forKey: .state)
    guard words.count == 4 else {
      throw DecodingError.dataCorruptedError(forKey: .state, in: container, debugDescription: "expected 4 state words, got \(words.count)")
    }
    self.init(seed: 0)
    state = (words[0], words[1], words[2], words[3])
    spareGaussian = try container.decodeIfPresent(Double.self, forKey: .spareGaussian)
  }

  /// Writes the four state words and the cached second Box–Muller value, so that
  /// `init(from:)` continues the stream exactly.
  ///
  /// - Throws: What `encoder` throws.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode([state.0, state.1, state.2, state.3], forKey: .state)
    try container.encodeIfPresent(spareGaussian, forKey: .spareGaussian)
  }
}
