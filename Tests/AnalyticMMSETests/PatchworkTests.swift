import Foundation
import Testing
@testable import AnalyticMMSE
import Physics
import Tensors

/// The patchwork against a brute force written plainly: every candidate's log-weight, the
/// heaviest one, and the fewest candidates whose weights reach half of the total.
@Test(arguments: [Padding.circular, .zeros])
func patchworkMatchesABruteForce(padding: Padding) throws {
  var generator = SeededGenerator(seed: 41)
  let (count, height, width, patch, sigma) = (6, 6, 5, 3, 0.3)
  let training = Tensor.uniform(shape: [count, 1, height, width], using: &generator)
  let u = Tensor.uniform(shape: [1, 1, height, width], using: &generator)
  let estimator = try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic,
                                        settings: EstimatorSettings(patchSize: patch, padding: padding, sigma: sigma))
  let map = try estimator.patchwork(input: u.image(0))
  let r = patch / 2
  func value(_ image: Tensor, _ n: Int, _ i: Int, _ j: Int) -> Double? {
    if padding == .circular { return Double(image[n, 0, ((i % height) + height) % height, ((j % width) + width) % width]) }
    return (0..<height).contains(i) && (0..<width).contains(j) ? Double(image[n, 0, i, j]) : nil
  }
  for p in 0..<(height * width) {
    let (pi, pj) = (p / width, p % width)
    var logits: [(logit: Double, image: Int, position: Int)] = []
    for n in 0..<count {
      for q in 0..<(height * width) {
        let (qi, qj) = (q / width, q % width)
        var distance = 0.0, samePattern = true
        for a in -r...r {
          for b in -r...r {
            let query = value(u, 0, pi + a, pj + b), key = value(training, n, qi + a, qj + b)
            if (query == nil) != (key == nil) { samePattern = false }
            if let query, let key { distance += (query - key) * (query - key) }
          }
        }
        if samePattern { logits.append((-distance / (2 * sigma * sigma), n, q)) }
      }
    }
    let sorted = logits.sorted { $0.logit > $1.logit }
    let weights = sorted.map { exp($0.logit - sorted[0].logit) }
    let total = weights.reduce(0, +)
    var held = 0.0, needed = 0
    while held < 0.5 * total { held += weights[needed]; needed += 1 }
    #expect(map.winningImages[p] == sorted[0].image && map.winningPositions[p] == sorted[0].position, "pixel \(p)")
    #expect(abs(Double(map.winningWeights.scalars[p]) - 1 / total) < 1e-5, "pixel \(p)")
    // Exact up to candidates sharing the last 0.01-wide log-weight bin.
    let lastBin = Int((sorted[0].logit - sorted[needed - 1].logit) / Patchwork.binWidth)
    let sameBin = sorted.filter { Int((sorted[0].logit - $0.logit) / Patchwork.binWidth) == lastBin }.count
    let counted = Int(map.halfWeightCounts.scalars[p])
    #expect(counted >= needed && counted <= needed + sameBin, "pixel \(p): \(counted) against \(needed)")
  }
}
