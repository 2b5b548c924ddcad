import Tensors

/// What `ReferenceEstimator.evaluate` returns: the estimates and the per-pixel maps of
/// `Estimate`, computed literally.
public struct ReferenceEstimate: Sendable {
  /// The estimates, shaped as the inputs (`M × C × H × W` or `C × H × W`).
  public var images: Tensor
  /// `log Σ exp(−½ d²)` over the candidates of each pixel, `M × 1 × H × W`.
  public var logDensity: Tensor
  /// `(Σ w)² / Σ w²` per pixel, `M × 1 × H × W`.
  public var effectiveCandidates: Tensor
}
