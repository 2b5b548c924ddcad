/// How an estimate was computed: what the output's metadata records.
public struct EstimateStatistics: Codable, Equatable, Sendable {
  /// The kernel that ran.
  public var kernel: EstimatorKernel
  /// Candidate pairs (query pixel, candidate) over all test images.
  public var candidatePairs: Int
  /// Pairs whose exponential was skipped by pruning.
  public var skippedPairs: Int
  /// `T`, or nil when exact.
  public var pruneThreshold: Double?
  /// An upper bound on the total normalised weight the left-out candidates of any one pixel
  /// could have carried:
  /// ```
  /// (skipped at that pixel) · e^(−T) + (flushed at most: candidates per pixel) · e^(−40)
  /// ```
  /// the second term for the circular box kernel only, which flushes weights below `e^(−40)`.
  public var skippedWeightBound: Double
  /// Wall-clock seconds of the computation (for several patch sizes in one pass: of the pass).
  public var seconds: Double
  /// Threads used.
  public var threads: Int
}
