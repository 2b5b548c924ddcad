import Tensors

/// The settings shared by every estimator: which one, its patch, padding and noise level, and
/// how it may be computed.
///
/// ```swift
/// let settings = EstimatorSettings(estimator: .lemmse, patchSize: 5, sigma: 0.2)   // pruned at T = 30
/// let exact = EstimatorSettings(estimator: .lemmse, patchSize: 5, sigma: 0.2, pruneThreshold: nil)
/// ```
/// `AnalyticEstimator.init` validates every field and throws `AnalyticMMSEError` for values
/// outside their ranges.
public struct EstimatorSettings: Codable, Equatable, Sendable {
  /// Which estimator of SPEC.md §4.
  public var estimator: EstimatorKind
  /// The patch size `P = 2r + 1` (odd, at most the larger image side); ignored by `mmse` and
  /// `e-mmse`. `AnalyticEstimator.estimate(inputs:patchSizes:)` computes several at once.
  public var patchSize: Int
  /// How patches see beyond the image: `circular` (wrap, exact equivariance) or `zeros`.
  public var padding: Padding
  /// The noise level `σ > 0` of the measurements `y = A x + σ e`, in the units of `[0, 1]`
  /// images; within `AnalyticEstimator.sigmaRange`.
  public var sigma: Double
  /// Candidates whose log-weight lies more than this `T` below a pixel's best are skipped: each
  /// carries a normalised weight below `e^(−T)`, and `EstimateStatistics.skippedWeightBound`
  /// bounds their total per pixel. `nil` computes every exponential (exact mode).
  ///
  /// The circular box kernel (isotropic metric, circular padding) tests a pixel's vectors of
  /// 32 candidates at once and skips their exponentials and updates together, while enough of
  /// them are skippable for that to pay (low σ, large P); in both modes it flushes weights
  /// below `e^(−40)` of a pixel's best, which the bound covers too.
  public var pruneThreshold: Double?
  /// Threads to use (≥ 1); results do not depend on it.
  public var threads: Int

  /// Settings with the defaults `le-mmse`, `P = 5`, circular padding, `T = 30` and every core.
  public init(estimator: EstimatorKind = .lemmse, patchSize: Int = 5, padding: Padding = .circular, sigma: Double,
              pruneThreshold: Double? = 30, threads: Int = Parallel.defaultThreadCount) {
    self.estimator = estimator
    self.patchSize = patchSize
    self.padding = padding
    self.sigma = sigma
    self.pruneThreshold = pruneThreshold
    self.threads = threads
  }
}
