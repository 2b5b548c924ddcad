import Foundation
import Testing
@testable import AnalyticMMSE
import Physics
import Tensors

/// The σ-adaptive box kernel skips only candidates more than `T` below a pixel's best, and
/// the weight it skips stays within `skippedWeightBound`: at every pixel, its skipped count is
/// at most the brute force's count of such candidates, and the weight the pixel lost (from
/// its log-density against the brute force's) is at most `skipped · e^(−T)`; the estimate
/// moves from the exact one by at most the bound (values in [0, 1]); and the effective
/// candidates agree. `T = 4` makes skipping frequent and the skipped weight visible, `T = 30`
/// is the default.
@Test(arguments: [0.001, 0.01, 0.05, 0.2], [1, 3])
func prunedBoxKernelSkipsOnlyNegligibleCandidates(sigma: Double, channels: Int) throws {
  var generator = SeededGenerator(seed: UInt64(channels) * 100 + UInt64(sigma * 1000))
  // 20 images: a full block of 16 lanes and a partial one; the query is a noisy training image.
  let training = Deconvolution(kernel: Kernels.box(size: 2)).apply(Tensor.uniform(shape: [20, channels, 7, 6], using: &generator))
  let u = training.images(7..<8) + Tensor.gaussian(shape: [1, channels, 7, 6], using: &generator) * Float(sigma)
  let brute = bruteForceBox(training: training, query: u, patchSize: 3, sigma: sigma)
  for threshold in [4.0, 30.0] {
    let estimator = try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic,
                                          settings: EstimatorSettings(patchSize: 3, sigma: sigma, pruneThreshold: threshold, threads: 2))
    let label = "σ=\(sigma) C=\(channels) T=\(threshold)"
    // Per pixel: what the kernel skipped against what may be skipped (a hair of Float slack).
    let factor = try #require(estimator.circularBoxFactor)
    let accumulator = ReductionPart.root(of: [estimator.accumulateCircularBox(u, radii: [1], factors: [factor], progress: nil)[0]])![0]
    let skippable = expectOnlyNegligibleSkipped(accumulator, brute.logits, threshold: threshold, label)
    let result = try estimator.estimate(inputs: u)
    let bound = result.statistics.skippedWeightBound
    #expect(result.statistics.skippedPairs == accumulator.skipped.reduce(0, +), "\(label)")
    if sigma <= 0.01 { #expect(result.statistics.skippedPairs > skippable / 4, "little skipped: \(result.statistics.skippedPairs) of \(skippable), \(label)") }
    #expect(bound >= Double(accumulator.skipped.max()!) * exp(-threshold), "\(label)")
    #expect(Double(result.images.maxAbsoluteDifference(brute.images)) <= Swift.min(bound, 1) + 1e-4, "estimate, \(label)")
    if threshold == 30 {
      #expect(agree(result.logDensity, brute.logDensity, absolute: 1e-3, relative: 1e-5), "log-density, \(label)")
      #expect(agree(result.effectiveCandidates, brute.effectiveCandidates, absolute: 1e-3, relative: 1e-3), "effective, \(label)")
    }
    // Exact mode skips nothing and computes the same pixels as the brute force.
    let exact = try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic,
                                      settings: EstimatorSettings(patchSize: 3, sigma: sigma, pruneThreshold: nil, threads: 2))
      .estimate(inputs: u)
    #expect(exact.statistics.skippedPairs == 0)
    #expect(exact.images.maxAbsoluteDifference(brute.images) < 1e-4, "exact, \(label)")
  }
}

/// Checks, pixel by pixel, that the kernel skipped no more candidates than lie more than `T`
/// below the best, and lost no more weight than those candidates carry (nor than
/// `skipped · e^(−T)`); the lost normalised weight β is read from the log-densities,
/// `log-density(pruned) = log-density(exact) + log(1 − β)`. Returns the count of such candidates.
func expectOnlyNegligibleSkipped(_ accumulator: SoftmaxAccumulator, _ allLogits: [[Double]], threshold: Double,
                                 _ label: String) -> Int {
  var skippable = 0
  for (p, logits) in allLogits.enumerated() {
    let best = logits.max()!, limit = best - threshold + 1e-3 * Swift.max(1, abs(best))
    let negligible = logits.filter { $0 < limit }
    skippable += negligible.count
    #expect(accumulator.skipped[p] <= negligible.count, "pixel \(p): skipped \(accumulator.skipped[p]) of \(negligible.count), \(label)")
    let total = logits.reduce(0) { $0 + exp($1 - best) }
    let negligibleWeight = negligible.reduce(0) { $0 + exp($1 - best) } / total
    let exact = best + log(total), pruned = accumulator.logDensity(pixel: p)
    let lost = 1 - exp(pruned - exact), tolerance = 1e-6 * Swift.max(1, abs(exact))
    #expect(lost <= negligibleWeight + tolerance, "pixel \(p): lost \(lost), negligible \(negligibleWeight), \(label)")
    #expect(lost <= Double(accumulator.skipped[p]) * exp(-threshold) + tolerance, "pixel \(p): lost \(lost), \(label)")
  }
  return skippable
}

/// A block of training images whose candidates at the query's own position all lie between
/// `T/2` and `T` below the best (another block's exact copy of the query): a kernel that
/// skipped by any bound looser than `T` would drop them; this one keeps them.
@Test func pruningKeepsCandidatesWithinTheThreshold() throws {
  let (sigma, threshold) = (0.01, 4.0)
  var generator = SeededGenerator(seed: 77)
  let query = Deconvolution(kernel: Kernels.box(size: 2)).apply(Tensor.uniform(shape: [1, 1, 7, 6], using: &generator))
  let random = Tensor.uniform(shape: [15, 1, 7, 6], using: &generator)
  // Images 16…19 (the second block of lanes) are the query plus c: logit −factor · 9 c² = −f T.
  let offsets = [0.55, 0.7, 0.85, 0.95].map { fraction in Float((fraction * threshold * 2 * sigma * sigma / 9).squareRoot()) }
  let near = offsets.map { query + $0 }
  let training = Tensor(shape: [20, 1, 7, 6], scalars: query.scalars + random.scalars + near.flatMap(\.scalars))
  let estimator = try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic,
                                        settings: EstimatorSettings(patchSize: 3, sigma: sigma, pruneThreshold: threshold, threads: 1))
  let factor = try #require(estimator.circularBoxFactor)
  let accumulator = ReductionPart.root(of: [estimator.accumulateCircularBox(query, radii: [1], factors: [factor], progress: nil)[0]])![0]
  let brute = bruteForceBox(training: training, query: query, patchSize: 3, sigma: sigma)
  let skippable = expectOnlyNegligibleSkipped(accumulator, brute.logits, threshold: threshold, "designed")
  #expect(accumulator.skipped.reduce(0, +) > skippable / 2, "the kernel skips the far candidates")
  #expect(agree(try estimator.estimate(inputs: query).logDensity, brute.logDensity, absolute: 1e-3, relative: 1e-5))
}
