import Foundation
import Tensors
import Physics

/// The analytic estimators of SPEC.md §4, computed exactly and fast.
///
/// ```swift
/// let estimator = try AnalyticEstimator(
///   training: x,                                   // N × C × H × W, clean, in [0, 1]
///   forwardOperator: .denoising, input: .agnostic,
///   settings: EstimatorSettings(estimator: .lemmse, patchSize: 5, sigma: 0.2))
/// let result = try estimator.estimate(measurements: y)   // y: M × C × H × W
/// result.images                                            // M × C × H × W
/// ```
///
/// Every estimator is `Σ w x_i[·, q]` over candidates `(i, q)` with weights
/// `w ∝ 𝒩(Π_p u ; Π_q m_i, Σ_q)`, `m_i = B A x_i`, mixing only candidates whose noise-free
/// pattern matches the query's. Which kernel runs:
/// - `le-mmse`, isotropic metric, circular padding, `P ≤ H, W`: `CircularBoxKernel`
///   (box sums of squared differences, cost nearly independent of `P`);
/// - any other `le-mmse`: `DenseClassKernel` (whitened features, class by class);
/// - `l-mmse`: whitened features at the query's own position;
/// - `mmse` and `e-mmse`: whitened whole images; `e-mmse` distances for all shifts by FFT.
///
/// Work is split into fixed pieces of training images and reduced in piece order, so the
/// result does not depend on the thread count.
public struct AnalyticEstimator: Sendable {
  public let settings: EstimatorSettings
  public let forwardOperator: ForwardOperator
  public let input: EstimatorInput
  /// Clean training images `x_i`, `N × C × H × W`.
  public let training: Tensor
  /// Their noiseless inputs `m_i = B A x_i`.
  public let means: Tensor
  let structure: InputNoiseStructure

  /// - Throws: `AnalyticMMSEError` for an even or too-large patch, `σ ≤ 0`, `e-mmse` with
  ///   zero padding, an empty training set; `PhysicsError` when the input does not fit the
  ///   operator or the operator does not fit the images.
  public init(training: Tensor, forwardOperator: ForwardOperator, input: EstimatorInput,
              settings: EstimatorSettings) throws {
    let training = training.asImageBatch
    let shape = training.imageBatchShape
    guard shape.count > 0, shape.planeSize > 0, shape.channels > 0 else { throw AnalyticMMSEError.emptyTrainingSet }
    guard settings.sigma > 0 else { throw AnalyticMMSEError.nonPositiveSigma(settings.sigma) }
    guard Self.sigmaRange.contains(settings.sigma) else { throw AnalyticMMSEError.sigmaOutOfRange(settings.sigma) }
    if let threshold = settings.pruneThreshold, !Self.pruneThresholdRange.contains(threshold) {
      throw AnalyticMMSEError.invalidPruneThreshold(threshold)
    }
    guard settings.threads >= 1 else { throw AnalyticMMSEError.invalidThreads(settings.threads) }
    try Self.checkValues(training, what: "the training set")
    if settings.estimator.usesPatches {
      guard settings.patchSize % 2 == 1, settings.patchSize > 0 else { throw AnalyticMMSEError.evenPatchSize(settings.patchSize) }
      guard settings.patchSize <= Swift.max(shape.height, shape.width) else {
        throw AnalyticMMSEError.patchTooLarge(patchSize: settings.patchSize, height: shape.height, width: shape.width)
      }
    }
    if settings.estimator == .emmse && settings.padding != .circular { throw AnalyticMMSEError.equivariantNeedsCircularPadding }
    try input.validate(for: forwardOperator)
    try forwardOperator.validate(height: shape.height, width: shape.width)
    self.settings = settings
    self.forwardOperator = forwardOperator
    self.input = input
    self.training = training
    means = try input.map(forwardOperator.apply(training), for: forwardOperator)
    if let bad = means.firstNonFiniteDescription {
      throw AnalyticMMSEError.invalidValue(what: "B A x of the training set (input \(input))", detail: bad)
    }
    structure = try input.noiseStructure(for: forwardOperator, height: shape.height, width: shape.width)
  }

  /// Estimates from measurements `y` (`M × C × H × W` or `C × H × W`): applies the input map
  /// `u = B y`, then `estimate(inputs:)`.
  public func estimate(measurements y: Tensor, progress: (@Sendable (Double) -> Void)? = nil) throws -> Estimate {
    try checkShape(y)
    try Self.checkValues(y, what: "the measurements")
    return try estimate(inputs: input.map(y.asImageBatch, for: forwardOperator), progress: progress)
  }

  /// Checks measurements before any work: the training images' `C × H × W`, finite values of
  /// magnitude at most `valueLimit`.
  public func checkMeasurements(_ y: Tensor) throws {
    try checkShape(y)
    try Self.checkValues(y, what: "the measurements")
  }

  /// Estimates from estimator inputs `u = B y` (`M × C × H × W` or `C × H × W`).
  ///
  /// - Parameter progress: called with the fraction done, from worker threads.
  public func estimate(inputs: Tensor, progress: (@Sendable (Double) -> Void)? = nil) throws -> Estimate {
    try checkShape(inputs)
    // Inputs may exceed `valueLimit` legitimately (an inverse filter amplifies noise); only
    // non-finite values are refused here.
    if let bad = inputs.firstNonFiniteDescription { throw AnalyticMMSEError.invalidValue(what: "the estimator input", detail: bad) }
    let inputs = inputs.asImageBatch
    let start = Date()
    var (accumulators, kernel) = accumulate(inputs, progress: progress)
    let shape = inputs.imageBatchShape
    var images = Tensor(zeros: shape.dimensions)
    var effective = Tensor(zeros: [shape.count, 1, shape.height, shape.width])
    var logDensity = effective
    var skipped = 0, largestSkipped = 0
    for t in 0..<shape.count {
      for p in 0..<shape.planeSize {
        for c in 0..<shape.channels {
          images.scalars[(t * shape.channels + c) * shape.planeSize + p] = Float(accumulators[t].estimate(pixel: p, channel: c))
        }
        effective.scalars[t * shape.planeSize + p] = Float(accumulators[t].effectiveCandidates(pixel: p))
        logDensity.scalars[t * shape.planeSize + p] = Float(accumulators[t].logDensity(pixel: p))
        skipped += accumulators[t].skipped[p]
        largestSkipped = Swift.max(largestSkipped, accumulators[t].skipped[p])
      }
    }
    accumulators.removeAll()
    let threshold = settings.pruneThreshold
    let statistics = EstimateStatistics(
      kernel: kernel, candidatePairs: candidatePairsPerImage() * shape.count, skippedPairs: skipped,
      pruneThreshold: threshold,
      skippedWeightBound: Swift.max(threshold.map { Double(largestSkipped) * exp(-$0) } ?? 0, flushedWeightBound(kernel: kernel)),
      seconds: Date().timeIntervalSince(start), threads: settings.threads)
    // A backstop, never reached for accepted σ and values: no caller may receive NaN silently.
    if let bad = images.firstNonFiniteDescription ?? effective.firstNonFiniteDescription ?? logDensity.firstNonFiniteDescription {
      throw AnalyticMMSEError.nonFiniteResult(bad)
    }
    return Estimate(images: images, effectiveCandidates: effective, logDensity: logDensity, statistics: statistics)
  }

  /// The box kernel flushes weights below `e^(−40)` of a pixel's best to zero: at most every
  /// candidate of a pixel, each below that.
  func flushedWeightBound(kernel: String) -> Double {
    guard kernel == "circular-box" else { return 0 }
    let pixels = training.imageBatchShape.planeSize
    return Double(candidatePairsPerImage() / Swift.max(pixels, 1)) * exp(-Double(CircularBoxKernel.flushThreshold))
  }

  /// The accepted noise levels. Within them every log-weight `−½ d²/σ²` and every sum of
  /// weights stays finite in the kernels' `Float`/`Double` arithmetic (tested at both ends).
  public static let sigmaRange: ClosedRange<Double> = 1e-6 ... 1e4
  /// The accepted pruning thresholds `T`: below 1 pruning would drop candidates of weight
  /// `e^(−1)` of the best; above `1e4` nothing could be pruned in `Float` anyway.
  public static let pruneThresholdRange: ClosedRange<Double> = 1 ... 1e4
  /// The largest magnitude accepted in training images and inputs: far beyond images in
  /// `[0, 1]` plus noise, and small enough that squared distances over any patch stay finite.
  public static let valueLimit: Float = 1e4

  /// Refuses NaN, ±∞ and values beyond `valueLimit`, naming the first one.
  static func checkValues(_ tensor: Tensor, what: String) throws {
    if let bad = tensor.firstNonFiniteDescription { throw AnalyticMMSEError.invalidValue(what: what, detail: bad) }
    let limit = valueLimit
    let index = tensor.withUnsafeBufferPointer { values in values.firstIndex { Swift.abs($0) > limit } }
    if let index {
      throw AnalyticMMSEError.invalidValue(
        what: what, detail: "\(tensor.scalars[index]) at [\(tensor.multiIndex(ofFlat: index).map(String.init).joined(separator: ", "))]")
    }
  }

  func checkShape(_ images: Tensor) throws {
    let trainingShape = training.imageBatchShape
    let expected = [trainingShape.channels, trainingShape.height, trainingShape.width]
    guard images.rank == 3 || images.rank == 4, Array(images.shape.suffix(3)) == expected else {
      throw AnalyticMMSEError.shapeMismatch(training: expected, inputs: images.shape)
    }
  }

  /// The candidate pairs that an exact evaluation of one test image compares.
  func candidatePairsPerImage() -> Int {
    let shape = training.imageBatchShape
    let pixels = shape.planeSize
    switch settings.estimator {
    case .mmse, .lmmse: return shape.count * pixels
    case .emmse: return shape.count * pixels * pixels
    case .lemmse:
      let geometry = patchGeometry()
      return shape.count * geometry.classes.reduce(0) { $0 + $1.positions.count * $1.positions.count }
    }
  }

  func patchGeometry() -> PatchGeometry {
    let shape = training.imageBatchShape
    return PatchGeometry(height: shape.height, width: shape.width, channels: shape.channels,
                         patchSize: settings.patchSize, padding: settings.padding, structure: structure,
                         sigma: settings.sigma)
  }

  /// Training images per piece of work; fixed, so the reduction order never changes.
  static let imagesPerPiece = 16

  func accumulate(_ inputs: Tensor, progress: (@Sendable (Double) -> Void)?) -> ([SoftmaxAccumulator], String) {
    switch settings.estimator {
    case .lemmse: return accumulateLocalEquivariant(inputs, progress: progress)
    case .lmmse: return (accumulateLocal(inputs, progress: progress), "local-features")
    case .mmse: return (accumulateWholeImage(inputs, progress: progress), "whole-image")
    case .emmse: return (accumulateEquivariant(inputs, progress: progress), "whole-image-fft")
    }
  }

  /// Runs `piece` over fixed chunks of training images in parallel, reducing in chunk order.
  func reduceOverTraining(tests: Int, chunkSize: Int = imagesPerPiece, progress: (@Sendable (Double) -> Void)?,
                          _ piece: @Sendable (Range<Int>) -> [SoftmaxAccumulator]) -> [SoftmaxAccumulator] {
    let shape = training.imageBatchShape
    let chunks = (shape.count + chunkSize - 1) / chunkSize
    let reducer = OrderedReducer<[SoftmaxAccumulator]?>(initial: nil) { total, partial in
      guard let partial else { return }
      if total == nil {
        total = partial
      } else {
        for t in partial.indices { total![t].merge(partial[t]) }
      }
    }
    Parallel.forEach(chunks, threads: settings.threads) { chunk in
      let range = chunk * chunkSize ..< Swift.min(shape.count, (chunk + 1) * chunkSize)
      reducer.submit(chunk, piece(range))
      progress?(Double(reducer.combined) / Double(chunks))
    }
    return reducer.total!
  }
}

/// The output of an analytic estimator.
public struct Estimate: Sendable {
  /// The estimates, `M × C × H × W`.
  public var images: Tensor
  /// The effective number of candidates `1 / Σ w²` per pixel, `M × 1 × H × W`.
  public var effectiveCandidates: Tensor
  /// `log Σ exp(logit)` per pixel (the log-density of the query patch up to a constant),
  /// `M × 1 × H × W`.
  public var logDensity: Tensor
  public var statistics: EstimateStatistics
}

/// How an estimate was computed: what the output's metadata records.
public struct EstimateStatistics: Codable, Equatable, Sendable {
  /// The kernel that ran.
  public var kernel: String
  /// Candidate pairs (query pixel, candidate) over all test images.
  public var candidatePairs: Int
  /// Pairs whose exponential was skipped by pruning.
  public var skippedPairs: Int
  /// `T`, or nil when exact.
  public var pruneThreshold: Double?
  /// An upper bound on the total normalised weight the skipped candidates of any one pixel
  /// could have carried: `(skipped at that pixel) · e^(−T)`, or for the circular box kernel,
  /// which flushes weights below `e^(−40)`, `(candidates per pixel) · e^(−40)`.
  public var skippedWeightBound: Double
  public var seconds: Double
  public var threads: Int
}
