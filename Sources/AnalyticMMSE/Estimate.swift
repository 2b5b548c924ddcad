import Tensors

/// The output of an analytic estimator for a batch of `M` test images.
///
/// At each pixel `p` of test image `t`, with the candidates' normalised weights `w` and
/// log-weights `l`:
/// ```
/// images[t, c, p]              = Σ w x_i[c, q]
/// effectiveCandidates[t, 0, p] = 1 / Σ w²
/// logDensity[t, 0, p]          = log Σ exp(l)
/// ```
public struct Estimate: Sendable {
  /// The estimates, `M × C × H × W`.
  public var images: Tensor
  /// The effective number of candidates `1 / Σ w²` per pixel, `M × 1 × H × W`.
  public var effectiveCandidates: Tensor
  /// `log Σ exp(logit)` per pixel (the log-density of the query patch up to a constant),
  /// `M × 1 × H × W`.
  public var logDensity: Tensor
  /// How the estimate was computed: kernel, candidate counts, pruning and its bound, time.
  public var statistics: EstimateStatistics
}
