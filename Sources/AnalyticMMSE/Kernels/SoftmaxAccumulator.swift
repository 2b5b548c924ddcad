import Foundation

/// The online log-sum-exp state of a set of query pixels, in `Double`:
///
/// ```
/// maximum = max l,   sum = Σ e^(l − maximum),   squareSum = Σ e^(2(l − maximum)),
/// weighted[c] = Σ e^(l − maximum) · x[c]
/// ```
/// over the candidates seen so far. Two states over disjoint candidates merge exactly, so work
/// split into pieces is reduced in piece order, whatever the thread count.
struct SoftmaxAccumulator: Sendable {
  let channels: Int
  var maximum: [Double]
  var sum: [Double]
  var squareSum: [Double]
  /// `pixel * channels + c`.
  var weighted: [Double]
  /// Candidates whose exponential was skipped by pruning, per pixel.
  var skipped: [Int]

  init(pixels: Int, channels: Int) {
    self.channels = channels
    maximum = .init(repeating: -.infinity, count: pixels)
    sum = .init(repeating: 0, count: pixels)
    squareSum = .init(repeating: 0, count: pixels)
    weighted = .init(repeating: 0, count: pixels * channels)
    skipped = .init(repeating: 0, count: pixels)
  }

  var pixels: Int { maximum.count }

  /// Adds one candidate with log-weight `logit` and value `value(c)` to pixel `pixel`.
  @inline(__always)
  mutating func add(pixel: Int, logit: Double, value: (Int) -> Double) {
    if logit > maximum[pixel] {
      rescale(pixel: pixel, to: logit)
    }
    let weight = exp(logit - maximum[pixel])
    sum[pixel] += weight
    squareSum[pixel] += weight * weight
    for c in 0..<channels { weighted[pixel * channels + c] += weight * value(c) }
  }

  /// Moves pixel `pixel` to a larger running maximum.
  @inline(__always)
  mutating func rescale(pixel: Int, to newMaximum: Double) {
    let scale = maximum[pixel] == -.infinity ? 0 : exp(maximum[pixel] - newMaximum)
    sum[pixel] *= scale
    squareSum[pixel] *= scale * scale
    for c in 0..<channels { weighted[pixel * channels + c] *= scale }
    maximum[pixel] = newMaximum
  }

  /// Adds the candidates of `other` (same pixels).
  mutating func merge(_ other: SoftmaxAccumulator) {
    precondition(other.pixels == pixels && other.channels == channels, "accumulators of different sizes")
    for pixel in 0..<pixels {
      skipped[pixel] += other.skipped[pixel]
      guard other.maximum[pixel] > -.infinity else { continue }
      if other.maximum[pixel] > maximum[pixel] { rescale(pixel: pixel, to: other.maximum[pixel]) }
      let scale = exp(other.maximum[pixel] - maximum[pixel])
      sum[pixel] += scale * other.sum[pixel]
      squareSum[pixel] += scale * scale * other.squareSum[pixel]
      for c in 0..<channels { weighted[pixel * channels + c] += scale * other.weighted[pixel * channels + c] }
    }
  }

  /// The estimate of channel `c` at `pixel`: `Σ w x / Σ w`.
  func estimate(pixel: Int, channel c: Int) -> Double { weighted[pixel * channels + c] / sum[pixel] }
  /// The effective number of candidates `1 / Σ w²` (weights normalised).
  func effectiveCandidates(pixel: Int) -> Double { sum[pixel] * sum[pixel] / squareSum[pixel] }
  /// `log Σ exp(logit)`.
  func logDensity(pixel: Int) -> Double { maximum[pixel] + log(sum[pixel]) }
}
