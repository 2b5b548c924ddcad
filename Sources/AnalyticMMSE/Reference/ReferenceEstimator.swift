import Foundation
import Tensors
import Physics

/// The analytic estimators computed literally from SPEC.md §4 — slow, plain and obviously
/// correct; the oracle the fast kernels are tested against. Use it on small problems only.
///
/// For every query pixel `p` it builds the query patch `z = Π_p u`, and for every candidate
/// `(i, q)` the patch `Π_q m_i` and its covariance `Σ_q = σ² · (patch of B Bᵀ at q)`
/// (block diagonal over channels, zero on entries outside the image under `zeros`
/// padding). A candidate is kept only if its noise-free entries (zero variance) are those of
/// the query and hold the same values; its log-weight is
///
/// ```
/// log w = −½ (z − k)ᵀ Σ_q⁺ (z − k) − ½ log pdet(2π Σ_q)
/// ```
/// with the Moore–Penrose pseudo-inverse (eigenvalues below `1e-10 ×` the largest dropped).
/// The estimate at `p` is `Σ w x_i[·, q] / Σ w`, accumulated in `Double`.
public enum ReferenceEstimator {
  /// The estimates of `settings.estimator` computed candidate by candidate, in `Double`.
  ///
  /// - Parameters:
  ///   - training: clean training images `x_i`, `N × C × H × W`.
  ///   - inputs: test inputs `u = B y`, `M × C × H × W`.
  ///   - forwardOperator, input: `A` and the input map `B` (`u = B y`); `m_i = B A x_i`.
  ///   - settings: estimator, patch size, padding and σ (pruning and threads are ignored).
  /// - Returns: the estimates, `M × C × H × W`.
  /// - Throws: `PhysicsError` when the input does not fit the operator.
  /// - Complexity: `M · N · (H W)²` candidates, each with a `d × d` whitening (`d = C P²`).
  public static func estimate(training: Tensor, inputs: Tensor, forwardOperator: ForwardOperator,
                              input: EstimatorInput, settings: EstimatorSettings) throws -> Tensor {
    try evaluate(training: training, inputs: inputs, forwardOperator: forwardOperator, input: input, settings: settings).images
  }

  /// The estimates with the per-pixel maps of `Estimate`, candidate by candidate in `Double`:
  ///
  /// ```
  /// logDensity = log Σ exp(−½ (z − k)ᵀ Σ⁺ (z − k)),   effectiveCandidates = (Σ w)² / Σ w²
  /// ```
  /// over the candidates mixed at each pixel (the log-density without the normalising
  /// constant, which is the same for every candidate a pixel mixes — the convention of
  /// `Estimate.logDensity`).
  ///
  /// - Returns: images `M × C × H × W`; log-density and effective candidates `M × 1 × H × W`.
  /// - Throws: `PhysicsError` when the input does not fit the operator.
  public static func evaluate(training: Tensor, inputs: Tensor, forwardOperator: ForwardOperator,
                              input: EstimatorInput, settings: EstimatorSettings) throws -> ReferenceEstimate {
    let problem = try LiteralPatches(training: training, inputs: inputs, forwardOperator: forwardOperator, input: input,
                                     settings: settings)
    let shape = inputs.imageBatchShape
    let (channels, height, width) = (shape.channels, shape.height, shape.width)
    var result = Tensor(zeros: [shape.count, channels, height, width])
    var logDensity = Tensor(zeros: [shape.count, 1, height, width]), effective = logDensity
    for t in 0..<shape.count {
      for p in 0..<height * width {
        let candidates = problem.candidates(test: t, pixel: p)
        let largest = candidates.map(\.logWeight).max()!
        var total = 0.0, squares = 0.0
        var weighted = [Double](repeating: 0, count: channels)
        for candidate in candidates {
          let weight = exp(candidate.logWeight - largest)
          total += weight
          squares += weight * weight
          for c in 0..<channels { weighted[c] += weight * candidate.value[c] }
        }
        for c in 0..<channels { result[t, c, p / width, p % width] = Float(weighted[c] / total) }
        let nearest = candidates.map(\.squaredDistance).min()!
        let density = candidates.reduce(0) { $0 + exp(-0.5 * ($1.squaredDistance - nearest)) }
        logDensity[t, 0, p / width, p % width] = Float(-0.5 * nearest + log(density))
        effective[t, 0, p / width, p % width] = Float(total * total / squares)
      }
    }
    return ReferenceEstimate(images: result.reshaped(inputs.shape), logDensity: logDensity, effectiveCandidates: effective)
  }
}
