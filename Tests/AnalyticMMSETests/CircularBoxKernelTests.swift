import Foundation
import Testing
@testable import AnalyticMMSE

/// The circular box kernel on images large enough for its blocked (van Herk / Gil-Werman) box
/// sums, with sizes that are not multiples of P, against the literal reference.
@Test(arguments: [(7, 1, 0.05), (9, 2, 0.3), (11, 1, 0.05)])
func circularBoxKernelMatchesTheReferenceForLargePatches(patchSize: Int, channels: Int, sigma: Double) throws {
  var generator = SeededGenerator(seed: UInt64(patchSize * 10 + channels))
  let (height, width) = (patchSize + 2, patchSize + 1)
  let training = Deconvolution(kernel: Kernels.box(size: 2))
    .apply(Tensor.uniform(shape: [3, channels, height, width], using: &generator))
  let u = Tensor.uniform(shape: [1, channels, height, width], using: &generator)
  do {
    var settings = EstimatorSettings(estimator: .lemmse, patchSize: patchSize, padding: .circular, sigma: sigma,
                                     pruneThreshold: nil, threads: 2)
    let reference = try ReferenceEstimator.estimate(training: training, inputs: u, forwardOperator: .denoising,
                                                    input: .agnostic, settings: settings)
    let exact = try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic, settings: settings)
      .estimate(inputs: u)
    #expect(exact.statistics.kernel == "circular-box")
    #expect(exact.images.maxAbsoluteDifference(reference) < 1e-4, "P=\(patchSize) C=\(channels) σ=\(sigma)")
    settings.pruneThreshold = 30
    settings.threads = 1
    let pruned = try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic, settings: settings)
      .estimate(inputs: u)
    #expect(pruned.images.maxAbsoluteDifference(exact.images) < 1e-5)
  }
}
