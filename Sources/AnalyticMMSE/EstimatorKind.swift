import Tensors

/// The four analytic estimators (SPEC.md §4).
public enum EstimatorKind: String, CaseIterable, Codable, Sendable {
  /// No constraint: one weight per training image, from the whole image.
  case mmse
  /// Local: candidates are the same position `p` of every training image.
  case lmmse = "l-mmse"
  /// Translation-equivariant: the patch is the whole image circularly shifted (circular padding only).
  case emmse = "e-mmse"
  /// Local and equivariant: candidates are every position of every training image.
  case lemmse = "le-mmse"

  /// Whether the estimator looks at `P × P` patches (`l-mmse`, `le-mmse`).
  public var usesPatches: Bool { self == .lmmse || self == .lemmse }
}

/// The settings shared by every estimator.
public struct EstimatorSettings: Codable, Equatable, Sendable {
  public var estimator: EstimatorKind
  /// The patch size `P = 2r + 1` (odd); ignored by `mmse` and `e-mmse`.
  public var patchSize: Int
  public var padding: Padding
  /// The noise level `σ > 0` of the measurements `y = A x + σ e`.
  public var sigma: Double
  /// Candidates whose log-weight lies more than this below the running maximum are skipped
  /// (each carries a weight below `e^(−T)`); `nil` computes every exponential. The circular
  /// box kernel (isotropic metric, circular padding) computes every exponential either way —
  /// skipping does not pay with 16 training images per vector — and flushes weights below
  /// `e^(−40)` of a pixel's best, which `EstimateStatistics.skippedWeightBound` covers.
  public var pruneThreshold: Double?
  /// Threads to use; results do not depend on it.
  public var threads: Int

  public init(estimator: EstimatorKind = .lemmse, patchSize: Int = 5, padding: Padding = .circular, sigma: Double,
              pruneThreshold: Double? = 30, threads: Int = Parallel.defaultThreadCount) {
    self.estimator = estimator
    self.patchSize = patchSize
    self.padding = padding
    self.sigma = sigma
    self.pruneThreshold = pruneThreshold
    self.threads = threads
  }
}

/// A problem with an estimator's inputs.
public enum AnalyticMMSEError: Error, Equatable, CustomStringConvertible {
  case evenPatchSize(Int)
  case patchTooLarge(patchSize: Int, height: Int, width: Int)
  case nonPositiveSigma(Double)
  case shapeMismatch(training: [Int], inputs: [Int])
  case equivariantNeedsCircularPadding
  case emptyTrainingSet
  case invalidPruneThreshold(Double)
  case contributorsNeedPatches(EstimatorKind)
  case pixelOutOfRange(row: Int, column: Int, height: Int, width: Int)
  /// A value of the training set or the inputs is NaN, ±∞ or beyond `AnalyticEstimator.valueLimit`.
  case invalidValue(what: String, detail: String)
  case sigmaOutOfRange(Double)
  case invalidThreads(Int)
  case nonFiniteResult(String)

  public var description: String {
    switch self {
    case let .evenPatchSize(size): return "patch size must be odd (got \(size)); use P = 2r + 1, e.g. 5"
    case let .patchTooLarge(size, height, width):
      let largest = Swift.max(height, width)
      return "patch size \(size) is larger than the \(height)×\(width) images; use an odd P of at most \(largest % 2 == 1 ? largest : largest - 1)"
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
    case let .invalidThreads(threads): return "threads must be ≥ 1 (got \(threads))"
    case let .sigmaOutOfRange(sigma):
      return "sigma must be in [\(AnalyticEstimator.sigmaRange.lowerBound), \(AnalyticEstimator.sigmaRange.upperBound)] for the estimators (got \(sigma))"
    }
  }
}
