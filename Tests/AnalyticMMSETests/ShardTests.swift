import Foundation
import Testing
@testable import AnalyticMMSE
import Physics
import Tensors

/// The tree folded piece by piece, for any run of consecutive pieces, finishes to the value the
/// recursive definition gives from single pieces — written out as a bracketed string, so a
/// different merge order is a different string, not a rounding difference.
@Test func streamingFoldsGiveTheTreeOfSinglePieces() {
  func merge(_ left: inout String, _ right: String) { left = "(\(left) \(right))" }
  for count in 1...40 {
    let tree = PieceTree(count: count)
    let leaves = Dictionary(uniqueKeysWithValues: (0..<count).map { ($0 ..< $0 + 1, "\($0)") })
    // The definition, written plainly: split at the largest power of two below the size.
    func reference(_ range: Range<Int>) -> String {
      guard range.count > 1 else { return "\(range.lowerBound)" }
      var half = 1
      while half * 2 < range.count { half *= 2 }
      return "(\(reference(range.lowerBound ..< range.lowerBound + half)) \(reference(range.lowerBound + half ..< range.upperBound)))"
    }
    let expected = reference(0..<count)
    #expect(tree.evaluate(leaves, merge: merge) == expected, "n=\(count)")
    for shards in 1...6 {
      var values: [Range<Int>: String] = [:]
      for index in 0..<shards {
        let owned = try! TrainingShard(index: index, count: shards).pieces(of: count)
        let nodes = tree.nodes(covering: owned)
        #expect(nodes.map(\.count).reduce(0, +) == owned.count, "nodes tile shard \(index)/\(shards) of \(count)")
        var folder = TreeFolder(nodes: nodes, merge: merge)
        for piece in owned { folder.add("\(piece)") }
        #expect(folder.finished.map(\.node) == nodes)
        for (node, value) in folder.finished {
          #expect(value == reference(node), "node \(node) of \(count)")
          values[node] = value
        }
      }
      #expect(tree.evaluate(values, merge: merge) == expected, "n=\(count), \(shards) shards")
    }
  }
}

@Test func shardsAreParsedAndChecked() throws {
  #expect(try TrainingShard(parsing: "2/5") == TrainingShard(index: 2, count: 5))
  for bad in ["5/5", "-1/3", "0/0", "1", "a/b", "1/2/3", ""] {
    #expect(throws: AnalyticMMSEError.self, "\(bad)") { try TrainingShard(parsing: bad) }
  }
  #expect(throws: AnalyticMMSEError.invalidShard(index: 3, count: 3)) { try TrainingShard(index: 3, count: 3) }
  // Shards of 7 pieces cover them once, in order, even with more shards than pieces.
  for count in 1...9 {
    let ranges = try (0..<count).map { try TrainingShard(index: $0, count: count).pieces(of: 7) }
    #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == 7)
    #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
  }
  #expect(try TrainingShard(index: Int.max - 1, count: Int.max).pieces(of: Int.max).count == 1)
}

/// A small problem for every estimator kind: 70 training images (five pieces of 16, two of 64
/// for `e-mmse`), two test images.
private func problem(_ kind: EstimatorKind, padding: Padding, threshold: Double? = nil, threads: Int,
                     sigma: Double = 0.2) throws -> (AnalyticEstimator, Tensor) {
  var generator = SeededGenerator(seed: 77)
  let training = Deconvolution(kernel: Kernels.box(size: 2)).apply(Tensor.uniform(shape: [70, 2, 6, 5], using: &generator))
  let u = training.images(10..<12) + Tensor.uniform(shape: [2, 2, 6, 5], using: &generator) * 0.2
  let settings = EstimatorSettings(estimator: kind, patchSize: 3, padding: padding, sigma: sigma, pruneThreshold: threshold,
                                   threads: threads)
  return (try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic, settings: settings), u)
}

private let kinds: [(EstimatorKind, Padding, Double?)] = [
  (.lemmse, .circular, nil), (.lemmse, .circular, 8), (.lemmse, .zeros, nil), (.lemmse, .zeros, 8),
  (.lmmse, .circular, nil), (.lmmse, .zeros, nil), (.mmse, .zeros, nil), (.emmse, .circular, nil),
]

/// The parts of 1 … 6 shards, with one or two threads, combine to the single-process bits for
/// every kind and both paddings (with more shards than pieces, some shards own none).
@Test(arguments: [1, 2])
func shardsCombineToTheSingleProcessBits(threads: Int) throws {
  for (kind, padding, threshold) in kinds {
    let (estimator, u) = try problem(kind, padding: padding, threshold: threshold, threads: threads)
    let whole = try estimator.estimate(inputs: u)
    for count in 1...6 {
      let parts = try (0..<count).map { try estimator.partialEstimate(inputs: u, shard: TrainingShard(index: $0, count: count)) }
      let combined = try AnalyticEstimator.combine(parts.reversed())
      #expect(combined.count == 1)
      expectIdentical(combined[0], whole, "\(kind) \(padding) T=\(String(describing: threshold)) K=\(count) threads=\(threads)")
    }
  }
}

/// A patch sweep (the box kernel's sizes in one pass) shards like one size.
@Test func patchSweepShardsCombineToTheSingleProcessBits() throws {
  for padding in [Padding.circular, .zeros] {
    let (estimator, u) = try problem(.lemmse, padding: padding, threads: 2)
    let whole = try estimator.estimate(inputs: u, patchSizes: [5, 1, 3])
    let parts = try (0..<3).map { try estimator.partialEstimate(inputs: u, patchSizes: [5, 1, 3], shard: TrainingShard(index: $0, count: 3)) }
    let combined = try AnalyticEstimator.combine(parts)
    for k in 0..<3 { expectIdentical(combined[k], whole[k], "\(padding) size \(k)") }
  }
}

/// Encoding and decoding keeps every bit, and a shard's nodes are its own.
@Test func partialsRoundTripThroughTheirEncoding() throws {
  let (estimator, u) = try problem(.lemmse, padding: .circular, threshold: 8, threads: 1)
  let parts = try (0..<3).map { try estimator.partialEstimate(inputs: u, patchSizes: [3, 5], shard: TrainingShard(index: $0, count: 3)) }
  let decoded = try parts.map { part -> PartialEstimate in
    let (header, values) = try part.encoded()
    return try PartialEstimate(header: header, values: values)
  }
  #expect(decoded.map(\.shard) == parts.map(\.shard))
  #expect(decoded.map(\.fingerprint) == parts.map(\.fingerprint))
  let whole = try estimator.estimate(inputs: u, patchSizes: [3, 5])
  let combined = try AnalyticEstimator.combine(decoded)
  for k in 0..<2 { expectIdentical(combined[k], whole[k], "size \(k)") }
}

@Test func mismatchedMissingAndDuplicateShardsAreRefused() throws {
  let (estimator, u) = try problem(.lemmse, padding: .circular, threads: 1)
  let parts = try (0..<3).map { try estimator.partialEstimate(inputs: u, shard: TrainingShard(index: $0, count: 3)) }
  #expect(throws: AnalyticMMSEError.noPartials) { try AnalyticEstimator.combine([]) }
  #expect(throws: AnalyticMMSEError.missingShard(try TrainingShard(index: 1, count: 3))) {
    try AnalyticEstimator.combine([parts[0], parts[2]])
  }
  #expect(throws: AnalyticMMSEError.incompatiblePartial(part: 3, detail: "repeats shard 2/3 of part 3")) {
    try AnalyticEstimator.combine(parts + [parts[2]])
  }
  // Another σ, other inputs, another shard count: the fingerprint or the count differs.
  let (other, _) = try problem(.lemmse, padding: .circular, threads: 1, sigma: 0.3)
  let foreign = try other.partialEstimate(inputs: u, shard: TrainingShard(index: 1, count: 3))
  #expect(throws: AnalyticMMSEError.self) { try AnalyticEstimator.combine([parts[0], foreign, parts[2]]) }
  let shifted = try estimator.partialEstimate(inputs: u + 0.01, shard: TrainingShard(index: 1, count: 3))
  #expect(throws: AnalyticMMSEError.self) { try AnalyticEstimator.combine([parts[0], shifted, parts[2]]) }
  let halves = try estimator.partialEstimate(inputs: u, shard: TrainingShard(index: 1, count: 2))
  #expect(throws: AnalyticMMSEError.self) { try AnalyticEstimator.combine([parts[0], halves, parts[2]]) }
}

@Test func corruptEncodingsAreRefused() throws {
  let (estimator, u) = try problem(.lmmse, padding: .zeros, threads: 1)
  let (header, values) = try estimator.partialEstimate(inputs: u, shard: TrainingShard(index: 0, count: 2)).encoded()
  func refused(_ header: Data, _ values: [Double]) -> Bool {
    do {
      _ = try PartialEstimate(header: header, values: values)
      return false
    } catch AnalyticMMSEError.invalidPartial {
      return true
    } catch {
      return false
    }
  }
  #expect(refused(header, Array(values.dropLast())), "a value short")
  #expect(refused(Data("{}".utf8), values), "an empty header")
  #expect(refused(Data("not json".utf8), values), "not JSON")
  var nan = values
  nan[values.count / 2] = .nan
  #expect(refused(header, nan), "a NaN")
  var negative = values
  negative[values.count - 1] = -1  // a skipped count
  #expect(refused(header, negative), "a negative count")
  let text = String(decoding: header, as: UTF8.self)
  #expect(refused(Data(text.replacingOccurrences(of: "\"tests\":2", with: "\"tests\":3").utf8), values), "more tests than values")
  #expect(refused(Data(text.replacingOccurrences(of: "\"version\":1", with: "\"version\":9").utf8), values), "a future version")
}

/// Every grid of ranks × tests gives each test image to one group and each group's training to
/// its shards once.
@Test func gridsCoverTestsAndTrainingOnce() {
  for ranks in 1...8 {
    for tests in 1...8 {
      let grid = EstimateGrid(ranks: ranks, tests: tests)
      #expect(grid.groups * grid.shardsPerGroup == ranks && tests % grid.groups == 0, "\(ranks) × \(tests)")
      #expect((0..<grid.groups).flatMap { Array(grid.tests(ofGroup: $0)) } == Array(0..<tests))
      for group in 0..<grid.groups {
        let shards = (0..<ranks).map(grid.assignment(ofRank:)).filter { $0.group == group }.map(\.shard)
        #expect(shards.map(\.index) == Array(0..<grid.shardsPerGroup) && shards.allSatisfy { $0.count == grid.shardsPerGroup })
      }
    }
  }
}

/// What `mpirun -np K lemmse estimate` does, in one process: every rank's partial over the
/// grid, combined in rank order, is the single-process estimate bit for bit — test images split
/// (4 tests over 2 or 4 ranks), training split (3 ranks), and both (6 ranks: 2 groups × 3 shards).
@Test func gridsOfRanksCombineToTheSingleProcessBits() throws {
  for (kind, padding, threshold) in kinds {
    let (estimator, two) = try problem(kind, padding: padding, threshold: threshold, threads: 1)
    let u = Tensor(shape: [4] + two.shape.dropFirst(), scalars: two.scalars + two.scalars.reversed())
    let sizes = kind.usesPatches ? [3, 1] : [3]
    let whole = try estimator.estimate(inputs: u, patchSizes: sizes)
    for ranks in [1, 2, 3, 4, 6] {
      let grid = EstimateGrid(ranks: ranks, tests: 4)
      let parts = try (0..<ranks).map { try estimator.partialEstimate(inputs: u, patchSizes: sizes, grid: grid, rank: $0) }
      let combined = try AnalyticEstimator.combine(parts, grid: grid)
      for k in sizes.indices {
        expectIdentical(combined[k], whole[k], "\(kind) \(padding) T=\(String(describing: threshold)) ranks=\(ranks) size \(k)")
      }
    }
  }
}

/// A rank that ran another problem is refused even when it is alone in its group of tests.
@Test func aForeignRankIsRefusedInAnyGroup() throws {
  let (estimator, two) = try problem(.lemmse, padding: .circular, threads: 1)
  let (other, _) = try problem(.lemmse, padding: .circular, threads: 1, sigma: 0.3)
  let u = Tensor(shape: [4] + two.shape.dropFirst(), scalars: two.scalars + two.scalars)
  let grid = EstimateGrid(ranks: 2, tests: 4)  // two groups of one shard each
  let parts = [try estimator.partialEstimate(inputs: u, grid: grid, rank: 0), try other.partialEstimate(inputs: u, grid: grid, rank: 1)]
  #expect(throws: AnalyticMMSEError.self) { try AnalyticEstimator.combine(parts, grid: grid) }
  let otherInputs = [parts[0], try estimator.partialEstimate(inputs: u + 0.01, grid: grid, rank: 1)]
  #expect(throws: AnalyticMMSEError.self) { try AnalyticEstimator.combine(otherInputs, grid: grid) }
}
