import Foundation
import Tensors

extension AnalyticEstimator {
  /// One shard's share of `estimate(inputs:patchSizes:)`: the training images of `shard`
  /// reduced into the nodes of the fixed piece tree that lie inside it.
  ///
  /// ```swift
  /// let parts = try (0..<3).map { try estimator.partialEstimate(inputs: u, shard: TrainingShard(index: $0, count: 3)) }
  /// let estimate = try AnalyticEstimator.combine(parts)[0]   // bit for bit estimator.estimate(inputs: u)
  /// ```
  /// Every shard does the work that does not depend on the training images it owns — the
  /// query features, and the seeds from training image 0 — so all shards start alike.
  ///
  /// - Parameters:
  ///   - inputs: `M × C × H × W` or `C × H × W`, finite.
  ///   - patchSizes: odd sizes as for `estimate(inputs:patchSizes:)`; nil for `settings.patchSize`.
  ///   - shard: which part of the training set; a shard may own no piece when there are more
  ///     shards than pieces (16 training images each, 64 for `e-mmse`).
  ///   - progress: called with the fraction of this shard done, from worker threads.
  /// - Throws: as `estimate(inputs:patchSizes:)`.
  public func partialEstimate(inputs: Tensor, patchSizes: [Int]? = nil, shard: TrainingShard,
                              progress: (@Sendable (Double) -> Void)? = nil) throws -> PartialEstimate {
    let inputs = try checkedInputs(inputs)
    let patchSizes = patchSizes ?? [settings.patchSize]
    return try partialEstimate(inputs: inputs, patchSizes: patchSizes, shard: shard,
                               fingerprint: fingerprint(inputs: inputs, patchSizes: patchSizes), progress: progress)
  }

  /// The partial of checked `inputs`, stamped with `fingerprint`.
  private func partialEstimate(inputs: Tensor, patchSizes: [Int], shard: TrainingShard, fingerprint: UInt64,
                               progress: (@Sendable (Double) -> Void)?) throws -> PartialEstimate {
    var sharded = self
    sharded.shard = shard
    let sizes = try sharded.reducedSizes(inputs, patchSizes: patchSizes, progress: progress)
    let shape = training.imageBatchShape
    return PartialEstimate(
      shard: shard, fingerprint: fingerprint, tests: inputs.imageBatchShape.count,
      channels: shape.channels, height: shape.height, width: shape.width, pruneThreshold: settings.pruneThreshold,
      threads: settings.threads, sizes: sizes)
  }

  /// `partialEstimate(inputs:…)` from measurements `y`: applies `u = B y` first.
  ///
  /// - Throws: as `estimate(measurements:patchSizes:)`.
  public func partialEstimate(measurements y: Tensor, patchSizes: [Int]? = nil, shard: TrainingShard,
                              progress: (@Sendable (Double) -> Void)? = nil) throws -> PartialEstimate {
    try checkMeasurements(y)
    return try partialEstimate(inputs: input.map(y.asImageBatch, for: forwardOperator), patchSizes: patchSizes,
                               shard: shard, progress: progress)
  }

  /// The estimates from the partials of all shards of one problem, in any order: the tree's
  /// root from every shard's nodes, bit for bit the single-process `estimate`. The statistics'
  /// `seconds` and `threads` are the largest of any shard's.
  ///
  /// - Throws: `AnalyticMMSEError.noPartials`; `.incompatiblePartial` naming the first part
  ///   that differs from the first one (fingerprint, shapes, sizes, shard count), repeats a
  ///   shard or holds nodes its shard does not own; `.missingShard` for the first shard absent.
  public static func combine(_ partials: [PartialEstimate]) throws -> [Estimate] {
    guard let first = partials.first else { throw AnalyticMMSEError.noPartials }
    var owner: [Int: Int] = [:]
    for (k, part) in partials.enumerated() {
      func refuse(_ detail: String) -> AnalyticMMSEError { .incompatiblePartial(part: k, detail: detail) }
      guard part.fingerprint == first.fingerprint else {
        throw refuse("was computed for other settings, training images, inputs or patch sizes than part 1 (fingerprint \(String(part.fingerprint, radix: 16)), not \(String(first.fingerprint, radix: 16)))")
      }
      guard part.shard.count == first.shard.count else {
        throw refuse("is shard \(part.shard) of \(part.shard.count); part 1 is one of \(first.shard.count)")
      }
      guard [part.tests, part.channels, part.height, part.width] == [first.tests, first.channels, first.height, first.width],
            part.pruneThreshold == first.pruneThreshold, part.sizes.count == first.sizes.count else {
        throw refuse("has other shapes, pruning or patch sizes than part 1")
      }
      if let earlier = owner.updateValue(k, forKey: part.shard.index) {
        throw refuse("repeats shard \(part.shard) of part \(earlier + 1)")
      }
      for (size, reference) in zip(part.sizes, first.sizes) {
        guard size.kernel == reference.kernel, size.part.pieceCount == reference.part.pieceCount,
              size.candidatePairsPerImage == reference.candidatePairsPerImage,
              size.flushedWeightBound == reference.flushedWeightBound else {
          throw refuse("has other kernels or pieces than part 1")
        }
        let tree = PieceTree(count: size.part.pieceCount)
        guard size.part.nodes.map(\.pieces) == tree.nodes(covering: part.shard.pieces(of: size.part.pieceCount)) else {
          throw refuse("holds tree nodes shard \(part.shard) does not own")
        }
        guard size.part.nodes.allSatisfy({ $0.accumulators.count == part.tests }) else { throw refuse("holds a node without every test image") }
      }
    }
    if let missing = (0..<first.shard.count).first(where: { owner[$0] == nil }) {
      throw AnalyticMMSEError.missingShard(try TrainingShard(index: missing, count: first.shard.count))
    }
    let threads = partials.map(\.threads).max()!
    return try first.sizes.indices.map { k in
      var size = first.sizes[k]
      size.seconds = partials.map { $0.sizes[k].seconds }.max()!
      guard let accumulators = ReductionPart.root(of: partials.map { $0.sizes[k].part }) else {
        throw AnalyticMMSEError.incompatiblePartial(part: 0, detail: "the parts' tree nodes do not cover the training set")
      }
      return try makeEstimate(accumulators, size: size, channels: first.channels, height: first.height, width: first.width,
                              pruneThreshold: first.pruneThreshold, threads: threads)
    }
  }

  /// A hash of what an estimate depends on apart from threads and shard: settings, operator,
  /// input map, training images and their means, the inputs and the patch sizes.
  func fingerprint(inputs: Tensor, patchSizes: [Int]) -> UInt64 {
    var hash = Fingerprint()
    hash.add(settings.estimator.rawValue)
    hash.add(settings.padding.rawValue)
    hash.add(settings.sigma.bitPattern)
    hash.add(settings.pruneThreshold?.bitPattern ?? UInt64.max)
    hash.add(forwardOperator.description)
    hash.add(input.description)
    for size in patchSizes { hash.add(UInt64(bitPattern: Int64(size))) }
    for tensor in [training, means, inputs] {
      for extent in tensor.shape { hash.add(UInt64(bitPattern: Int64(extent))) }
      tensor.withUnsafeBufferPointer { hash.add($0) }
    }
    return hash.value
  }
}

extension AnalyticEstimator {
  /// Rank `rank`'s share of an estimate split over `grid`: the partial of its training shard
  /// for its group of test images (`EstimateGrid`), fingerprinted with all the test images
  /// and the grid, so every rank's share carries the same fingerprint.
  ///
  /// - Throws: as `partialEstimate(inputs:patchSizes:shard:progress:)`.
  public func partialEstimate(inputs: Tensor, patchSizes: [Int]? = nil, grid: EstimateGrid, rank: Int,
                              progress: (@Sendable (Double) -> Void)? = nil) throws -> PartialEstimate {
    let inputs = try checkedInputs(inputs)
    precondition(inputs.imageBatchShape.count == grid.tests, "the grid is for \(grid.tests) test images")
    let patchSizes = patchSizes ?? [settings.patchSize]
    let (group, shard) = grid.assignment(ofRank: rank)
    var hash = Fingerprint()
    hash.add(fingerprint(inputs: inputs, patchSizes: patchSizes))
    hash.add(UInt64(grid.ranks))
    return try partialEstimate(inputs: inputs.images(grid.tests(ofGroup: group)), patchSizes: patchSizes, shard: shard,
                               fingerprint: hash.value, progress: progress)
  }

  /// The estimates from every rank's partial over `grid`, in rank order: each group's shards
  /// combined, the groups' test images concatenated — bit for bit the single-process estimate.
  ///
  /// - Throws: as `combine(_:)` for any group, with `part` counted over all ranks.
  public static func combine(_ partials: [PartialEstimate], grid: EstimateGrid) throws -> [Estimate] {
    guard partials.count == grid.ranks else {
      throw AnalyticMMSEError.incompatiblePartial(part: min(partials.count, grid.ranks - 1), detail: "\(partials.count) partials for \(grid.ranks) ranks")
    }
    if let foreign = partials.firstIndex(where: { $0.fingerprint != partials[0].fingerprint }) {
      throw AnalyticMMSEError.incompatiblePartial(
        part: foreign, detail: "differs from the first partial: other settings, training images, inputs or patch sizes")
    }
    let perGroup = grid.shardsPerGroup
    let groups = try (0..<grid.groups).map { group in
      let ranks = group * perGroup ..< (group + 1) * perGroup
      do {
        return try combine(Array(partials[ranks]))
      } catch AnalyticMMSEError.incompatiblePartial(let part, let detail) {
        throw AnalyticMMSEError.incompatiblePartial(part: ranks.lowerBound + part, detail: detail)
      }
    }
    if let mismatch = groups.indices.first(where: { groups[$0].count != groups[0].count }) {
      throw AnalyticMMSEError.incompatiblePartial(part: mismatch * perGroup, detail: "holds another number of patch sizes than part 1")
    }
    return groups[0].indices.map { size in Estimate.concatenated(groups.map { $0[size] }) }
  }
}
