/// One of `count` equal parts of the training set: the `index`-th run of consecutive pieces.
///
/// ```swift
/// let shard = try TrainingShard(index: 1, count: 4)      // "1/4", as `--shard 1/4` spells it
/// let partial = try estimator.partialEstimate(inputs: u, patchSizes: [5], shard: shard)
/// ```
/// Shards split the estimator's fixed pieces of training images (16 images, 64 for `e-mmse`), so
/// `AnalyticEstimator.combine` of all `count` shards is bit for bit the single-process estimate.
public struct TrainingShard: Codable, Hashable, Sendable, CustomStringConvertible {
  /// Which part, `0 ..< count`.
  public let index: Int
  /// How many parts the training set is split into (≥ 1).
  public let count: Int

  /// The whole training set: shard 0 of 1.
  public static let whole = TrainingShard(checkedIndex: 0, count: 1)

  /// - Throws: `AnalyticMMSEError.invalidShard` unless `count ≥ 1` and `0 ≤ index < count`.
  public init(index: Int, count: Int) throws {
    guard count >= 1, (0..<count).contains(index) else { throw AnalyticMMSEError.invalidShard(index: index, count: count) }
    self.init(checkedIndex: index, count: count)
  }

  private init(checkedIndex index: Int, count: Int) {
    self.index = index
    self.count = count
  }

  /// Parses `I/K` (`--shard 2/8`).
  ///
  /// - Throws: `AnalyticMMSEError.invalidShard` for anything else, or `I ≥ K`.
  public init(parsing text: String) throws {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
      throw AnalyticMMSEError.unreadableShard(text)
    }
    try self.init(index: index, count: count)
  }

  /// `I/K`.
  public var description: String { "\(index)/\(count)" }

  /// This shard's pieces of `pieces` consecutive ones: `[I·n/K, (I+1)·n/K)`, which may be empty
  /// when there are more shards than pieces.
  func pieces(of pieces: Int) -> Range<Int> {
    // In full width: `I · n` may not fit an `Int` for a huge K.
    func boundary(_ i: Int) -> Int { count.dividingFullWidth(i.multipliedFullWidth(by: pieces)).quotient }
    return boundary(index) ..< boundary(index + 1)
  }

  // `Decodable` goes through the checking initialiser, so a partial file cannot hold I ≥ K.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    try self.init(index: container.decode(Int.self, forKey: .index), count: container.decode(Int.self, forKey: .count))
  }
}
