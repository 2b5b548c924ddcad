import Foundation

/// One shard's share of an estimate: for each patch size, the softmax state of every tree node
/// the shard folded, per test image. `AnalyticEstimator.combine` turns the partials of all
/// shards into the estimates, bit for bit those of one process.
///
/// ```swift
/// let parts = try (0..<4).map { try estimator.partialEstimate(inputs: u, patchSizes: [5], shard: TrainingShard(index: $0, count: 4)) }
/// let estimates = try AnalyticEstimator.combine(parts)   // == estimator.estimate(inputs: u, patchSizes: [5])
/// ```
/// A partial travels as `encoded()` — a JSON header and one flat `[Double]` — between MPI
/// ranks and in the `.npz` files of `lemmse estimate --shard`.
public struct PartialEstimate: Sendable {
  /// Which part of the training set this is.
  public let shard: TrainingShard
  /// A hash of everything the result depends on — settings (threads aside), training images,
  /// their inputs `B A x`, the test inputs and the patch sizes — so partials of different
  /// problems are refused rather than merged.
  public let fingerprint: UInt64
  /// Test images `M` and their `C × H × W`.
  public let tests: Int, channels: Int, height: Int, width: Int
  /// `T`, or nil when exact.
  public let pruneThreshold: Double?
  /// Threads this shard used.
  public let threads: Int
  /// One entry per patch size, in the order asked.
  var sizes: [Size]

  /// One patch size's kernel, what its statistics need, and the shard's tree nodes.
  struct Size: Sendable {
    var kernel: EstimatorKernel
    /// Wall-clock seconds of the pass that computed this size (shared by sizes of one pass).
    var seconds: Double
    var candidatePairsPerImage: Int
    var flushedWeightBound: Double
    var part: ReductionPart
  }

  /// How many patch sizes the partial holds.
  public var patchSizeCount: Int { sizes.count }
  var pixels: Int { height * width }
}

/// The values of the tree nodes one shard folded, out of `pieceCount` pieces; each value is one
/// softmax state per test image.
struct ReductionPart: Sendable {
  var pieceCount: Int
  var nodes: [(pieces: Range<Int>, accumulators: [SoftmaxAccumulator])]

  /// Accumulators merged test image by test image: `total[t] ⊕= part[t]`.
  static func merge(_ total: inout [SoftmaxAccumulator], _ part: [SoftmaxAccumulator]) {
    for t in part.indices { total[t].merge(part[t]) }
  }

  /// The same nodes with each value's accumulators transformed (e.g. one size sliced out).
  func mapAccumulators(_ transform: ([SoftmaxAccumulator]) -> [SoftmaxAccumulator]) -> ReductionPart {
    ReductionPart(pieceCount: pieceCount, nodes: nodes.map { ($0.pieces, transform($0.accumulators)) })
  }

  /// The root of the tree from these nodes and `others`' — nil unless together they tile all
  /// `pieceCount` pieces with nodes of the tree (`PieceTree.evaluate`).
  static func root(of parts: [ReductionPart]) -> [SoftmaxAccumulator]? {
    guard let pieceCount = parts.first?.pieceCount, parts.allSatisfy({ $0.pieceCount == pieceCount }) else { return nil }
    var values: [Range<Int>: [SoftmaxAccumulator]] = [:]
    for part in parts {
      for node in part.nodes {
        guard values.updateValue(node.accumulators, forKey: node.pieces) == nil else { return nil }
      }
    }
    return PieceTree(count: pieceCount).evaluate(values, merge: merge)
  }
}
