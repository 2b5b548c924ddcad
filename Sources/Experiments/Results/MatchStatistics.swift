import Foundation

/// The spread of a per-image match PSNR(network, LE-MMSE) over the test images: the table's
/// mean, and how far the worst images fall below it.
public struct MatchStatistics: Codable, Equatable, Sendable {
  /// Mean over the images, dB.
  public var mean: Double
  /// Standard deviation over the images (population, `1/M`), dB.
  public var standardDeviation: Double
  /// The 10th percentile, linearly interpolated between order statistics (NumPy's default), dB.
  public var percentile10: Double

  enum CodingKeys: String, CodingKey { case mean, standardDeviation = "std", percentile10 = "p10" }

  /// The statistics of `values` (at least one).
  public init(_ values: [Double]) {
    precondition(!values.isEmpty, "statistics of no images")
    let count = Double(values.count)
    let mean = values.reduce(0, +) / count
    self.mean = mean
    standardDeviation = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count).squareRoot()
    let sorted = values.sorted()
    let position = 0.1 * Double(sorted.count - 1)
    let below = Int(position.rounded(.down)), above = Swift.min(below + 1, sorted.count - 1)
    percentile10 = sorted[below] + (position - Double(below)) * (sorted[above] - sorted[below])
  }
}
