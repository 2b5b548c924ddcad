/// How `ranks` processes share an estimate of `tests` images: `groups = gcd(ranks, tests)`
/// equal groups of test images, each reduced by `ranks / groups` training shards.
///
/// ```
/// 4 ranks, 6 tests: gcd 2 → tests 0..<3 on ranks 0, 1 (shards 0/2, 1/2), tests 3..<6 on ranks 2, 3
/// 2 ranks, 1 test:  gcd 1 → the one test on both ranks, training shards 0/2 and 1/2
/// ```
/// Every rank does the same amount of work (equal tests, training shards of equal pieces), and
/// test images never depend on each other, so any grid gives the single-process bits.
public struct EstimateGrid: Sendable, Equatable {
  /// Processes, ≥ 1.
  public let ranks: Int
  /// Test images, ≥ 1.
  public let tests: Int

  public init(ranks: Int, tests: Int) {
    precondition(ranks >= 1 && tests >= 1, "a grid needs ranks and tests")
    self.ranks = ranks
    self.tests = tests
  }

  /// Groups of test images: `gcd(ranks, tests)`.
  public var groups: Int {
    var (a, b) = (ranks, tests)
    while b != 0 { (a, b) = (b, a % b) }
    return a
  }

  /// Training shards per group: `ranks / groups`.
  public var shardsPerGroup: Int { ranks / groups }

  /// The test images group `group` estimates.
  public func tests(ofGroup group: Int) -> Range<Int> {
    let size = tests / groups
    return group * size ..< (group + 1) * size
  }

  /// Rank `rank`'s group of test images and its training shard within the group.
  public func assignment(ofRank rank: Int) -> (group: Int, shard: TrainingShard) {
    precondition((0..<ranks).contains(rank), "rank \(rank) outside 0 ..< \(ranks)")
    // Always valid: 0 ≤ rank % shardsPerGroup < shardsPerGroup.
    return (rank / shardsPerGroup, try! TrainingShard(index: rank % shardsPerGroup, count: shardsPerGroup))
  }
}
