import Foundation
import Tensors

extension AnalyticEstimator {
  /// Estimates from measurements `y` for several patch sizes: applies `u = B y`, then
  /// `estimate(inputs:patchSizes:)`.
  ///
  /// - Parameters:
  ///   - y: `M × C × H × W` or `C × H × W`, the training images' `C × H × W`.
  ///   - patchSizes: odd sizes `P`, each at most the larger image side, no repeats.
  ///   - progress: called with the fraction done of all sizes, from worker threads.
  /// - Returns: one estimate per size, in the order given.
  /// - Throws: `AnalyticMMSEError` for bad measurements or a bad list of sizes.
  public func estimate(measurements y: Tensor, patchSizes: [Int],
                       progress: (@Sendable (Double) -> Void)? = nil) throws -> [Estimate] {
    try checkMeasurements(y)
    return try estimate(inputs: input.map(y.asImageBatch, for: forwardOperator), patchSizes: patchSizes, progress: progress)
  }

  /// Estimates from estimator inputs `u = B y` for several patch sizes `P` at the same σ,
  /// inputs and settings (`settings.patchSize` is not used): the result for each size is the
  /// `estimate(inputs:)` of an estimator with that patch size.
  ///
  /// ```swift
  /// let sweep = try estimator.estimate(inputs: u, patchSizes: [3, 5, 7, 9, 11])
  /// sweep[1].images          // the LE-MMSE with P = 5, M × C × H × W
  /// ```
  /// Where the circular box kernel applies (`le-mmse`, circular padding, an isotropic metric),
  /// the sizes it takes are computed in **one pass** over the training set: the squared
  /// differences, the training blocks and the column windows are shared, and each size's
  /// result is bit for bit its single-size result. Every other size is computed on its own
  /// (the dense class kernel, `l-mmse`); `mmse` and `e-mmse` do not depend on `P` and are
  /// computed once, their estimate repeated for every size.
  ///
  /// - Parameters:
  ///   - inputs: `M × C × H × W` or `C × H × W`, finite.
  ///   - patchSizes: odd sizes `P ≥ 1`, each at most the larger image side, no repeats.
  ///   - progress: called with the fraction done of all sizes, from worker threads.
  /// - Returns: one estimate per size, in the order given; the statistics of sizes computed
  ///   in one pass share its `seconds`.
  /// - Throws: `AnalyticMMSEError.noPatchSizes`, `.evenPatchSize`, `.patchTooLarge` or
  ///   `.duplicatePatchSize` for the list, `.shapeMismatch` or `.invalidValue` for the inputs.
  /// - Complexity: for the one-pass sizes about one single-size pass plus, per extra size,
  ///   its exponentials and updates; for the others, one pass each.
  public func estimate(inputs: Tensor, patchSizes: [Int], progress: (@Sendable (Double) -> Void)? = nil) throws -> [Estimate] {
    try reducedSizes(checkedInputs(inputs), patchSizes: patchSizes, progress: progress).map(finish)
  }

  /// This estimator's shard of every size's reduction: the box kernel's sizes in one pass, the
  /// rest one by one; a whole-image estimator's one pass repeated for every size.
  func reducedSizes(_ inputs: Tensor, patchSizes: [Int], progress: (@Sendable (Double) -> Void)?) throws -> [PartialEstimate.Size] {
    let estimators = try sized(patchSizes)
    guard settings.estimator.usesPatches else {
      return Array(repeating: reduced(inputs, progress: progress), count: patchSizes.count)
    }
    let shared = estimators.indices.filter { estimators[$0].circularBoxFactor != nil }
    let together = shared.count >= 2 ? shared : []
    let alone = estimators.indices.filter { !together.contains($0) }
    let passes = alone.count + (together.isEmpty ? 0 : 1)
    func passProgress(_ pass: Int) -> (@Sendable (Double) -> Void)? {
      progress.map { report in { @Sendable fraction in report((Double(pass) + fraction) / Double(passes)) } }
    }
    var sizes = [PartialEstimate.Size?](repeating: nil, count: estimators.count)
    if !together.isEmpty {
      let start = Date()
      let parts = accumulateCircularBox(
        inputs, radii: together.map { patchSizes[$0] / 2 }, factors: together.map { estimators[$0].circularBoxFactor! },
        progress: passProgress(0))
      let seconds = Date().timeIntervalSince(start)
      for (k, index) in together.enumerated() {
        sizes[index] = estimators[index].sized(parts[k], kernel: .circularBox, seconds: seconds)
      }
    }
    for (pass, index) in alone.enumerated() {
      sizes[index] = estimators[index].reduced(inputs, progress: passProgress(pass + (together.isEmpty ? 0 : 1)))
    }
    return sizes.map { $0! }
  }

  /// One estimator per patch size (this one where the size is its own), after checking that
  /// every size is odd, positive, at most the larger image side, and listed once.
  func sized(_ patchSizes: [Int]) throws -> [AnalyticEstimator] {
    guard !patchSizes.isEmpty else { throw AnalyticMMSEError.noPatchSizes }
    var seen = Set<Int>()
    for size in patchSizes {
      let shape = training.imageBatchShape
      try Self.checkPatchSize(size, height: shape.height, width: shape.width)
      guard seen.insert(size).inserted else { throw AnalyticMMSEError.duplicatePatchSize(size) }
    }
    return try patchSizes.map { try withPatchSize($0) }
  }
}
