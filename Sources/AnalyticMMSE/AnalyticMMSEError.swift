/// A problem with an estimator's settings or inputs, found before any work is done (or, for
/// `nonFiniteResult`, an internal failure caught before a result is returned).
///
/// Every description is one line that names the value and says what is accepted.
public enum AnalyticMMSEError: Error, Equatable, CustomStringConvertible {
  /// A patch size that is even, zero or negative: `P = 2r + 1` must be odd and positive.
  case evenPatchSize(Int)
  /// A patch larger than both image sides.
  case patchTooLarge(patchSize: Int, height: Int, width: Int)
  /// A patch size listed twice in a call that computes several.
  case duplicatePatchSize(Int)
  /// An empty list of patch sizes.
  case noPatchSizes
  /// `σ ≤ 0` (the posterior weights need noise).
  case nonPositiveSigma(Double)
  /// Inputs whose `C × H × W` differ from the training images'.
  case shapeMismatch(training: [Int], inputs: [Int])
  /// `e-mmse` with zero padding (a shifted whole image is then not a translation).
  case equivariantNeedsCircularPadding
  /// No training images, or images with no pixels or channels.
  case emptyTrainingSet
  /// A pruning threshold `T` outside `AnalyticEstimator.pruneThresholdRange`.
  case invalidPruneThreshold(Double)
  /// Top contributors or a patchwork asked of a whole-image estimator.
  case contributorsNeedPatches(EstimatorKind)
  /// A pixel outside the image.
  case pixelOutOfRange(row: Int, column: Int, height: Int, width: Int)
  /// A value of the training set or the inputs is NaN, ±∞ or beyond `AnalyticEstimator.valueLimit`.
  case invalidValue(what: String, detail: String)
  /// `σ` outside `AnalyticEstimator.sigmaRange`.
  case sigmaOutOfRange(Double)
  /// Fewer than one thread.
  case invalidThreads(Int)
  /// An estimate with NaN or ±∞ (never expected for accepted settings and values).
  case nonFiniteResult(String)
  /// A training shard `I/K` with `K < 1` or `I` outside `0 ..< K`.
  case invalidShard(index: Int, count: Int)
  /// A shard that is not written `I/K`.
  case unreadableShard(String)
  /// A partial estimate whose header or values are not what `PartialEstimate.encoded()` writes.
  case invalidPartial(String)
  /// Partial estimates that cannot be combined: `part` (0-based, in the order given) differs
  /// from the first, repeats a shard, or a shard is missing.
  case incompatiblePartial(part: Int, detail: String)
  /// `combine` without the part of this shard.
  case missingShard(TrainingShard)
  /// `combine` with no partials.
  case noPartials

  /// One line: what was wrong and what is accepted.
  public var description: String {
    switch self {
    case let .evenPatchSize(size): return "patch size must be odd (got \(size)); use P = 2r + 1, e.g. 5"
    case let .patchTooLarge(size, height, width):
      let largest = Swift.max(height, width)
      return "patch size \(size) is larger than the \(height)×\(width) images; use an odd P of at most \(largest % 2 == 1 ? largest : largest - 1)"
    case let .duplicatePatchSize(size): return "patch size \(size) is listed twice; list each size once"
    case .noPatchSizes: return "no patch sizes given; list at least one odd P, e.g. 5"
    case let .nonPositiveSigma(sigma): return "sigma must be > 0 for the estimators (got \(sigma))"
    case let .shapeMismatch(training, inputs):
      return "training images of shape C×H×W = \(training.map(String.init).joined(separator: "×")) do not match measurements of shape \(inputs.map(String.init).joined(separator: "×")); expected the same channels, height and width"
    case .equivariantNeedsCircularPadding:
      return "e-mmse is defined with circular padding only (a whole image shifted with zero padding is not a translation); use --padding circular"
    case .emptyTrainingSet: return "the training set is empty"
    case let .invalidPruneThreshold(value):
      return "prune threshold must be in [\(AnalyticEstimator.pruneThresholdRange.lowerBound), \(AnalyticEstimator.pruneThresholdRange.upperBound)] (got \(value))"
    case let .contributorsNeedPatches(kind):
      return "top contributing patches are defined for the patch estimators (le-mmse, l-mmse), not \(kind.rawValue)"
    case let .pixelOutOfRange(row, column, height, width):
      return "pixel (\(row), \(column)) is outside the \(height)×\(width) image; expected 0 ≤ ROW < \(height) and 0 ≤ COLUMN < \(width)"
    case let .invalidValue(what, detail):
      return "\(what): found \(detail); expected finite values of magnitude ≤ \(Int(AnalyticEstimator.valueLimit)) (images in [0, 1])"
    case let .nonFiniteResult(detail):
      return "the estimate has \(detail) (an internal error: please report the command that produced it)"
    case let .invalidShard(index, count):
      return "shard \(index)/\(count) does not exist; expected I/K with K ≥ 1 and 0 ≤ I < K, e.g. 0/4"
    case let .unreadableShard(text): return "shard '\(text)' is not I/K; expected e.g. 0/4 for the first of four"
    case let .invalidPartial(detail): return "not a partial estimate: \(detail)"
    case let .incompatiblePartial(part, detail): return "part \(part + 1): \(detail)"
    case let .missingShard(shard): return "shard \(shard) is missing; give the parts of all \(shard.count) shards"
    case .noPartials: return "no partial estimates given; give every shard's part"
    case let .invalidThreads(threads): return "threads must be ≥ 1 (got \(threads))"
    case let .sigmaOutOfRange(sigma):
      return "sigma must be in [\(AnalyticEstimator.sigmaRange.lowerBound), \(AnalyticEstimator.sigmaRange.upperBound)] for the estimators (got \(sigma))"
    }
  }
}
