import Foundation
import Testing
@testable import AnalyticMMSE
import Physics
import Tensors

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
    #expect(exact.statistics.kernel == .circularBox)
    #expect(exact.images.maxAbsoluteDifference(reference) < 1e-4, "P=\(patchSize) C=\(channels) σ=\(sigma)")
    settings.pruneThreshold = 30
    settings.threads = 1
    let pruned = try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic, settings: settings)
      .estimate(inputs: u)
    #expect(pruned.images.maxAbsoluteDifference(exact.images) < 1e-5)
  }
}

/// Images wide enough that the kernel splits the query rows into several bands (the last one
/// partial), patch sizes on the register-window path (3, 5) and past it (13), against a
/// brute force written out here: the estimate, the log-density `log Σ e^l` and the effective
/// number of candidates `(Σ w)² / Σ w²`.
@Test(arguments: [(3, 3, 0.1), (5, 3, 0.3), (13, 1, 0.2)])
func circularBoxKernelSplitsRowsIntoBands(patchSize: Int, channels: Int, sigma: Double) throws {
  var generator = SeededGenerator(seed: UInt64(patchSize * 100 + channels))
  let (height, width) = (13, patchSize > 5 ? 36 : 40)
  let training = Tensor.uniform(shape: [3, channels, height, width], using: &generator)
  let u = Tensor.uniform(shape: [1, channels, height, width], using: &generator)
  let settings = EstimatorSettings(estimator: .lemmse, patchSize: patchSize, padding: .circular, sigma: sigma,
                                   pruneThreshold: nil, threads: 2)
  let fast = try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic, settings: settings)
    .estimate(inputs: u)
  #expect(fast.statistics.kernel == .circularBox)

  let r = patchSize / 2
  let plane = height * width
  let query = u.scalars.map(Double.init), images = training.scalars.map(Double.init)
  // Row and column indices wrapped once, so the loops below are plain lookups.
  let rows = (-r ..< height + 2 * height + r).map { (($0 % height) + height) % height }
  let columns = (-r ..< width + 2 * width + r).map { (($0 % width) + width) % width }
  var worst = (estimate: 0.0, logDensity: 0.0, effective: 0.0)
  for y in 0..<height {
    for x in 0..<width {
      var logits: [Double] = [], candidates: [Int] = []
      for n in 0..<3 {
        for ty in 0..<height {
          for tx in 0..<width {
            var distance = 0.0
            for c in 0..<channels {
              for dy in -r...r {
                let queryRow = c * plane + rows[y + dy + r] * width
                let trainingRow = (n * channels + c) * plane + rows[ty + dy + r] * width
                for dx in -r...r {
                  let e = query[queryRow + columns[x + dx + r]] - images[trainingRow + columns[tx + dx + r]]
                  distance += e * e
                }
              }
            }
            logits.append(-distance / (2 * sigma * sigma))
            candidates.append(n * channels * plane + ty * width + tx)
          }
        }
      }
      let largest = logits.max()!
      let weights = logits.map { exp($0 - largest) }
      let total = weights.reduce(0, +), squares = weights.reduce(0) { $0 + $1 * $1 }
      for c in 0..<channels {
        let estimate = zip(weights, candidates).reduce(0) { $0 + $1.0 * images[$1.1 + c * plane] } / total
        worst.estimate = Swift.max(worst.estimate, abs(estimate - Double(fast.images.scalars[c * plane + y * width + x])))
      }
      let p = y * width + x
      worst.logDensity = Swift.max(worst.logDensity, abs(largest + log(total) - Double(fast.logDensity.scalars[p])))
      let effective = total * total / squares
      worst.effective = Swift.max(worst.effective, abs(effective - Double(fast.effectiveCandidates.scalars[p])) / effective)
    }
  }
  #expect(worst.estimate < 1e-4, "P=\(patchSize) C=\(channels)")
  #expect(worst.logDensity < 1e-3, "log-density, P=\(patchSize)")
  #expect(worst.effective < 1e-4, "effective candidates (relative), P=\(patchSize)")
}
