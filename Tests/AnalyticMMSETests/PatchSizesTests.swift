import Foundation
import Testing
@testable import AnalyticMMSE
import Physics
import Tensors

/// Every part of two estimates is the same bits (the time aside).
func expectIdentical(_ a: Estimate, _ b: Estimate, _ label: String) {
  #expect(a.images == b.images, "images, \(label)")
  #expect(a.logDensity == b.logDensity, "log-density, \(label)")
  #expect(a.effectiveCandidates == b.effectiveCandidates, "effective candidates, \(label)")
  var (statisticsA, statisticsB) = (a.statistics, b.statistics)
  (statisticsA.seconds, statisticsB.seconds) = (0, 0)
  #expect(statisticsA == statisticsB, "statistics, \(label)")
}

/// Several patch sizes at once: for each size the bits of that size computed alone, and the
/// literal reference — with both paddings (circular runs the box kernel in one pass, zeros the
/// dense class kernel size by size), pruned and exact, grey, colour and two channels, and
/// 20 training images (a full block of 16 and a partial one).
@Test(arguments: [Padding.circular, .zeros], [30.0, nil] as [Double?])
func severalPatchSizesGiveEachSizeAlone(padding: Padding, threshold: Double?) throws {
  for channels in [1, 2, 3] {
    var generator = SeededGenerator(seed: UInt64(10 + channels))
    let training = Deconvolution(kernel: Kernels.box(size: 2)).apply(Tensor.uniform(shape: [20, channels, 8, 7], using: &generator))
    let u = training.images(3..<5) + Tensor.uniform(shape: [2, channels, 8, 7], using: &generator) * 0.1
    let settings = EstimatorSettings(estimator: .lemmse, patchSize: 3, padding: padding, sigma: 0.05, pruneThreshold: threshold, threads: 2)
    func make(_ training: Tensor, patchSize: Int) throws -> AnalyticEstimator {
      var settings = settings
      settings.patchSize = patchSize
      return try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic, settings: settings)
    }
    let sizes = [5, 1, 3, 7]
    let together = try make(training, patchSize: 3).estimate(inputs: u, patchSizes: sizes)
    #expect(together.count == sizes.count)
    for (k, size) in sizes.enumerated() {
      let label = "P=\(size) C=\(channels) \(padding) T=\(String(describing: threshold))"
      let alone = try make(training, patchSize: size).estimate(inputs: u)
      expectIdentical(together[k], alone, label)
      #expect(together[k].statistics.kernel == (padding == .circular ? .circularBox : .denseClass), "\(label)")
    }
    // The literal oracle (slow in debug builds: fewer images, P ≤ 3).
    let few = training.images(0..<5)
    let small = try make(few, patchSize: 5).estimate(inputs: u, patchSizes: [3, 1, 5])
    for (k, size) in [3, 1].enumerated() {
      var single = settings
      single.patchSize = size
      let reference = try ReferenceEstimator.evaluate(training: few, inputs: u, forwardOperator: .denoising, input: .agnostic, settings: single)
      let label = "reference P=\(size) C=\(channels) \(padding) T=\(String(describing: threshold))"
      #expect(small[k].images.maxAbsoluteDifference(reference.images) < 1e-4, "\(label)")
      #expect(agree(small[k].logDensity, reference.logDensity, absolute: 1e-3, relative: 1e-5), "log-density, \(label)")
      #expect(agree(small[k].effectiveCandidates, reference.effectiveCandidates, absolute: 1e-3, relative: 1e-3), "effective, \(label)")
    }
  }
}

/// Sizes past the register windows (`P ≥ 13`, van Herk / Gil-Werman column sums of the shared
/// squared differences) mixed with windowed ones, against each size alone and a brute force.
@Test func severalLargePatchSizesGiveEachSizeAlone() throws {
  var generator = SeededGenerator(seed: 31)
  let (height, width) = (14, 13)
  let training = Tensor.uniform(shape: [3, 1, height, width], using: &generator)
  let u = Tensor.uniform(shape: [1, 1, height, width], using: &generator)
  let sizes = [13, 3, 11, 1]
  for threshold in [30.0, nil] as [Double?] {
    let settings = EstimatorSettings(estimator: .lemmse, patchSize: 5, sigma: 0.3, pruneThreshold: threshold, threads: 1)
    let estimator = try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic, settings: settings)
    let together = try estimator.estimate(inputs: u, patchSizes: sizes)
    for (k, size) in sizes.enumerated() {
      var single = settings
      single.patchSize = size
      let alone = try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic, settings: single)
        .estimate(inputs: u)
      expectIdentical(together[k], alone, "P=\(size) T=\(String(describing: threshold))")
      let brute = bruteForceBox(training: training, query: u, patchSize: size, sigma: 0.3)
      #expect(together[k].images.maxAbsoluteDifference(brute.images) < 1e-4, "P=\(size)")
      #expect(agree(together[k].logDensity, brute.logDensity, absolute: 1e-3, relative: 1e-5), "log-density P=\(size)")
    }
  }
}

/// Where the box kernel takes some sizes and not others (a mask: several classes), and for the
/// whole-image estimators, which do not depend on `P`.
@Test func patchSizesOutsideTheSharedPassAreComputedAlone() throws {
  var generator = SeededGenerator(seed: 41)
  let training = Tensor.uniform(shape: [4, 1, 6, 6], using: &generator)
  let u = Tensor.uniform(shape: [1, 1, 6, 6], using: &generator)
  let mask = Masks.box(height: 6, width: 6, top: 1, left: 1, boxHeight: 2, boxWidth: 2)
  let inpainting = ForwardOperator.inpainting(Inpainting(mask: mask))
  for (op, input, kind) in [(inpainting, EstimatorInput.adjoint, EstimatorKind.lemmse), (.denoising, .agnostic, .lmmse),
                            (.denoising, .agnostic, .mmse), (.denoising, .agnostic, .emmse)] {
    let settings = EstimatorSettings(estimator: kind, patchSize: 3, sigma: 0.2, threads: 1)
    let estimator = try AnalyticEstimator(training: training, forwardOperator: op, input: input, settings: settings)
    let together = try estimator.estimate(inputs: u, patchSizes: [5, 3])
    for (k, size) in [5, 3].enumerated() {
      var single = settings
      single.patchSize = size
      let alone = try AnalyticEstimator(training: training, forwardOperator: op, input: input, settings: single).estimate(inputs: u)
      expectIdentical(together[k], alone, "\(kind) P=\(size)")
    }
  }
}

@Test func patchSizeListsAreChecked() throws {
  let training = Tensor(zeros: [2, 1, 8, 6])
  let estimator = try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic,
                                        settings: EstimatorSettings(sigma: 0.1))
  let u = Tensor(zeros: [1, 1, 8, 6])
  #expect(throws: AnalyticMMSEError.noPatchSizes) { try estimator.estimate(inputs: u, patchSizes: []) }
  #expect(throws: AnalyticMMSEError.evenPatchSize(4)) { try estimator.estimate(inputs: u, patchSizes: [3, 4]) }
  #expect(throws: AnalyticMMSEError.evenPatchSize(-1)) { try estimator.estimate(inputs: u, patchSizes: [-1]) }
  #expect(throws: AnalyticMMSEError.patchTooLarge(patchSize: 9, height: 8, width: 6)) { try estimator.estimate(inputs: u, patchSizes: [9]) }
  #expect(throws: AnalyticMMSEError.duplicatePatchSize(3)) { try estimator.estimate(inputs: u, patchSizes: [3, 5, 3]) }
  #expect(throws: AnalyticMMSEError.shapeMismatch(training: [1, 8, 6], inputs: [1, 1, 6, 8])) {
    try estimator.estimate(inputs: Tensor(zeros: [1, 1, 6, 8]), patchSizes: [3])
  }
}

@Test func severalPatchSizesDoNotDependOnTheThreadCount() throws {
  var generator = SeededGenerator(seed: 43)
  let training = Tensor.uniform(shape: [40, 3, 7, 7], using: &generator)
  let u = Tensor.uniform(shape: [2, 3, 7, 7], using: &generator)
  let results = try [1, 2, 3].map { threads in
    try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic,
                          settings: EstimatorSettings(sigma: 0.05, threads: threads))
      .estimate(inputs: u, patchSizes: [3, 5, 7]).map(\.images)
  }
  #expect(results[0] == results[1] && results[1] == results[2])
}

/// The LE-MMSE of isotropic denoising with circular padding, from plain box sums in `Double`:
/// the estimate, `log Σ e^l` and `(Σ w)² / Σ w²` of every pixel of one query (`1 × C × H × W`).
func bruteForceBox(training: Tensor, query u: Tensor, patchSize: Int, sigma: Double)
  -> (images: Tensor, logDensity: Tensor, effectiveCandidates: Tensor, logits: [[Double]]) {
  let shape = training.imageBatchShape
  let (count, channels, height, width) = (shape.count, shape.channels, shape.height, shape.width)
  let r = patchSize / 2, plane = height * width
  let query = u.scalars.map(Double.init), images = training.scalars.map(Double.init)
  let rows = (-r ..< 3 * height + r).map { (($0 % height) + height) % height }
  let columns = (-r ..< 3 * width + r).map { (($0 % width) + width) % width }
  var estimate = Tensor(zeros: [1, channels, height, width])
  var logDensity = Tensor(zeros: [1, 1, height, width]), effective = logDensity
  var allLogits: [[Double]] = []
  for p in 0..<plane {
    let (y, x) = (p / width, p % width)
    var logits: [Double] = [], candidates: [Int] = []
    for n in 0..<count {
      for q in 0..<plane {
        let (ty, tx) = (q / width, q % width)
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
        candidates.append(n * channels * plane + q)
      }
    }
    let largest = logits.max()!
    let weights = logits.map { exp($0 - largest) }
    let total = weights.reduce(0, +), squares = weights.reduce(0) { $0 + $1 * $1 }
    for c in 0..<channels {
      estimate.scalars[c * plane + p] = Float(zip(weights, candidates).reduce(0) { $0 + $1.0 * images[$1.1 + c * plane] } / total)
    }
    logDensity.scalars[p] = Float(largest + log(total))
    effective.scalars[p] = Float(total * total / squares)
    allLogits.append(logits)
  }
  return (estimate, logDensity, effective, allLogits)
}
