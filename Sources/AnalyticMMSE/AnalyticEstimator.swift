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
  /// The estimator, patch, padding, σ, pruning and threads, as validated by `init`.
  public let settings: EstimatorSettings
  /// The forward operator `A` of `y = A x + σ e`.
  public let forwardOperator: ForwardOperator
  /// The input map `B` (`u = B y`) the estimator sees.
  public let input: EstimatorInput
  /// Clean training images `x_i`, `N × C × H × W`.
  public let training: Tensor
  /// Their noiseless inputs `m_i = B A x_i`, `N × C × H × W`.
  public let means: Tensor
  let structure: InputNoiseStructure
  /// The part of the training set this estimator reduces (`partialEstimate` sets it).
  var shard = TrainingShard.whole
  /// The patches, classes and whitenings of `settings.patchSize` (eigendecompositions
  /// included), built once; nil for the whole-image estimators.
  let geometry: PatchGeometry?

  /// Validates the settings against the training images and computes their inputs `m_i = B A x_i`
  /// (and, for the patch estimators, the patch geometry).
  ///
  /// - Parameters:
  ///   - training: clean images `x_i`, `N × C × H × W` (or one `C × H × W`), values in `[0, 1]`
  ///     (finite, magnitude at most `valueLimit`).
  ///   - forwardOperator: `A`; a mask or kernel must fit `H × W`.
  ///   - input: the map `B` to the estimator's input (`agnostic`, `adjoint`, `wiener`, `inverse`).
  ///   - settings: checked here: `σ` in `sigmaRange`, `T` in `pruneThresholdRange`, threads ≥ 1,
  ///     an odd `P` of at most the larger image side, `e-mmse` with circular padding.
  /// - Throws: `AnalyticMMSEError` for an even or too-large patch, `σ` out of range, a bad `T`
  ///   or thread count, `e-mmse` with zero padding, an empty training set or a bad value in
  ///   it; `PhysicsError` when the input does not fit the operator or the operator does not
  ///   fit the images.
  /// - Complexity: one application of `B A` to the training set, plus an eigendecomposition
  ///   of a `P² × P²` matrix per class of noise-free pattern.
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
      try Self.checkPatchSize(settings.patchSize, height: shape.height, width: shape.width)
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
    geometry = settings.estimator.usesPatches
      ? Self.makeGeometry(shape: shape, patchSize: settings.patchSize, settings: settings, structure: structure) : nil
  }

  /// This estimator with another patch size: the training set, its means and the noise
  /// structure are shared, only the geometry is built anew.
  ///
  /// - Throws: `AnalyticMMSEError.evenPatchSize` or `.patchTooLarge`.
  func withPatchSize(_ patchSize: Int) throws -> AnalyticEstimator {
    guard patchSize != settings.patchSize || !settings.estimator.usesPatches else { return self }
    let shape = training.imageBatchShape
    try Self.checkPatchSize(patchSize, height: shape.height, width: shape.width)
    var settings = self.settings
    settings.patchSize = patchSize
    return AnalyticEstimator(copying: self, settings: settings)
  }

  private init(copying other: AnalyticEstimator, settings: EstimatorSettings) {
    self.settings = settings
    forwardOperator = other.forwardOperator
    input = other.input
    training = other.training
    means = other.means
    structure = other.structure
    shard = other.shard
    geometry = settings.estimator.usesPatches
      ? Self.makeGeometry(shape: training.imageBatchShape, patchSize: settings.patchSize, settings: settings, structure: structure)
      : nil
  }

  static func checkPatchSize(_ patchSize: Int, height: Int, width: Int) throws {
    guard patchSize % 2 == 1, patchSize > 0 else { throw AnalyticMMSEError.evenPatchSize(patchSize) }
    guard patchSize <= Swift.max(height, width) else {
      throw AnalyticMMSEError.patchTooLarge(patchSize: patchSize, height: height, width: width)
    }
  }

  private static func makeGeometry(shape: ImageBatchShape, patchSize: Int, settings: EstimatorSettings,
                                   structure: InputNoiseStructure) -> PatchGeometry {
    PatchGeometry(height: shape.height, width: shape.width, channels: shape.channels, patchSize: patchSize,
                  padding: settings.padding, structure: structure, sigma: settings.sigma)
  }

  /// The patch geometry of a patch estimator (a programmer error to ask of a whole-image one).
  var patchGeometry: PatchGeometry {
    guard let geometry else { preconditionFailure("\(settings.estimator.rawValue) has no patch geometry") }
    return geometry
  }

  /// Estimates from measurements `y`: applies the input map `u = B y`, then `estimate(inputs:)`.
  ///
  /// - Parameters:
  ///   - y: `M × C × H × W` or `C × H × W`, the training images' `C × H × W`; finite values of
  ///     magnitude at most `valueLimit`.
  ///   - progress: called with the fraction done, from worker threads.
  /// - Returns: the estimate of every image, `M × C × H × W`, with its maps and statistics.
  /// - Throws: `AnalyticMMSEError.shapeMismatch` or `.invalidValue` for bad measurements.
  public func estimate(measurements y: Tensor, progress: (@Sendable (Double) -> Void)? = nil) throws -> Estimate {
    try checkMeasurements(y)
    return try estimate(inputs: input.map(y.asImageBatch, for: forwardOperator), progress: progress)
  }

  /// Checks measurements before any work: the training images' `C × H × W`, finite values of
  /// magnitude at most `valueLimit`.
  ///
  /// - Throws: `AnalyticMMSEError.shapeMismatch` or `.invalidValue`, naming the first bad value.
  public func checkMeasurements(_ y: Tensor) throws {
    try checkShape(y)
    try Self.checkValues(y, what: "the measurements")
  }

  /// Estimates from estimator inputs `u = B y`:
  ///
  /// ```
  /// x̂[c, p] = Σ_{i,q} w_{i,q} x_i[c, q],   w_{i,q} ∝ 𝒩(Π_p u ; Π_q m_i, Σ_q)
  /// ```
  /// over the candidates of `settings.estimator` (SPEC.md §4).
  ///
  /// - Parameters:
  ///   - inputs: `M × C × H × W` or `C × H × W`, finite (an inverse filter may exceed `valueLimit`).
  ///   - progress: called with the fraction done, from worker threads.
  /// - Returns: the estimates `M × C × H × W`, the effective candidates and log-density maps
  ///   `M × 1 × H × W`, and the statistics.
  /// - Throws: `AnalyticMMSEError.shapeMismatch` or `.invalidValue` for bad inputs.
  /// - Complexity: `le-mmse` compares `M · N · (H W)²` candidate pairs (fewer with zero
  ///   padding or masks); the circular box kernel at a cost nearly independent of `P`.
  public func estimate(inputs: Tensor, progress: (@Sendable (Double) -> Void)? = nil) throws -> Estimate {
    let inputs = try checkedInputs(inputs)
    return try finish(reduced(inputs, progress: progress))
  }

  /// `inputs` as an image batch, after the shape check and a refusal of non-finite values
  /// (inputs may exceed `valueLimit` legitimately: an inverse filter amplifies noise).
  func checkedInputs(_ inputs: Tensor) throws -> Tensor {
    try checkShape(inputs)
    if let bad = inputs.firstNonFiniteDescription { throw AnalyticMMSEError.invalidValue(what: "the estimator input", detail: bad) }
    return inputs.asImageBatch
  }

  /// This estimator's shard of one pass over the training set for `settings.patchSize`, with
  /// what the statistics need.
  func reduced(_ inputs: Tensor, progress: (@Sendable (Double) -> Void)?) -> PartialEstimate.Size {
    let start = Date()
    let (part, kernel) = accumulate(inputs, progress: progress)
    return sized(part, kernel: kernel, seconds: Date().timeIntervalSince(start))
  }

  /// A size's record of `part`, computed by `kernel` with this estimator's patch size.
  func sized(_ part: ReductionPart, kernel: EstimatorKernel, seconds: Double) -> PartialEstimate.Size {
    PartialEstimate.Size(kernel: kernel, seconds: seconds, candidatePairsPerImage: candidatePairsPerImage(),
                         flushedWeightBound: flushedWeightBound(kernel: kernel), part: part)
  }

  /// The estimate of a size reduced over the whole training set by this estimator.
  func finish(_ size: PartialEstimate.Size) throws -> Estimate {
    guard let accumulators = ReductionPart.root(of: [size.part]) else { preconditionFailure("a whole pass left pieces out") }
    let shape = training.imageBatchShape
    return try Self.makeEstimate(accumulators, size: size, channels: shape.channels, height: shape.height, width: shape.width,
                                 pruneThreshold: settings.pruneThreshold, threads: settings.threads)
  }

  /// The images, maps and statistics of one accumulator per test image.
  static func makeEstimate(_ accumulators: [SoftmaxAccumulator], size: PartialEstimate.Size, channels: Int, height: Int,
                           width: Int, pruneThreshold threshold: Double?, threads: Int) throws -> Estimate {
    let (tests, plane) = (accumulators.count, height * width)
    var images = Tensor(zeros: [tests, channels, height, width])
    var effective = Tensor(zeros: [tests, 1, height, width])
    var logDensity = effective
    var skipped = 0, largestSkipped = 0
    for (t, accumulator) in accumulators.enumerated() {
      for p in 0..<plane {
        for c in 0..<channels {
          images.scalars[(t * channels + c) * plane + p] = Float(accumulator.estimate(pixel: p, channel: c))
        }
        effective.scalars[t * plane + p] = Float(accumulator.effectiveCandidates(pixel: p))
        logDensity.scalars[t * plane + p] = Float(accumulator.logDensity(pixel: p))
        skipped += accumulator.skipped[p]
        largestSkipped = Swift.max(largestSkipped, accumulator.skipped[p])
      }
    }
    let statistics = EstimateStatistics(
      kernel: size.kernel, candidatePairs: size.candidatePairsPerImage * tests, skippedPairs: skipped, pruneThreshold: threshold,
      skippedWeightBound: (threshold.map { Double(largestSkipped) * exp(-$0) } ?? 0) + size.flushedWeightBound,
      seconds: size.seconds, threads: threads)
    // A backstop, never reached for accepted σ and values: no caller may receive NaN silently.
    if let bad = images.firstNonFiniteDescription ?? effective.firstNonFiniteDescription ?? logDensity.firstNonFiniteDescription {
      throw AnalyticMMSEError.nonFiniteResult(bad)
    }
    return Estimate(images: images, effectiveCandidates: effective, logDensity: logDensity, statistics: statistics)
  }

  /// The box kernel flushes weights below `e^(−40)` of a pixel's best to zero: at most every
  /// candidate of a pixel, each below that.
  func flushedWeightBound(kernel: EstimatorKernel) -> Double {
    guard kernel == .circularBox else { return 0 }
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
    case .lemmse: return shape.count * patchGeometry.classes.reduce(0) { $0 + $1.positions.count * $1.positions.count }
    }
  }

  /// Training images per piece of work; fixed, so the reduction order never changes.
  static let imagesPerPiece = 16

  func accumulate(_ inputs: Tensor, progress: (@Sendable (Double) -> Void)?) -> (ReductionPart, EstimatorKernel) {
    switch settings.estimator {
    case .lemmse: return accumulateLocalEquivariant(inputs, progress: progress)
    case .lmmse: return (accumulateLocal(inputs, progress: progress), .localFeatures)
    case .mmse: return (accumulateWholeImage(inputs, progress: progress), .wholeImage)
    case .emmse: return (accumulateEquivariant(inputs, progress: progress), .wholeImageFFT)
    }
  }

  /// Runs `piece` over this estimator's shard of the fixed chunks of training images, in
  /// parallel, folding them into the shard's nodes of the `PieceTree` in chunk order.
  func reduceOverTraining(tests: Int, chunkSize: Int = imagesPerPiece, progress: (@Sendable (Double) -> Void)?,
                          _ piece: @Sendable (Range<Int>) -> [SoftmaxAccumulator]) -> ReductionPart {
    let count = training.imageBatchShape.count
    let chunks = (count + chunkSize - 1) / chunkSize
    let owned = shard.pieces(of: chunks)
    let nodes = PieceTree(count: chunks).nodes(covering: owned)
    let reducer = OrderedReducer<TreeFolder<[SoftmaxAccumulator]>, [SoftmaxAccumulator]>(
      initial: TreeFolder(nodes: nodes, merge: ReductionPart.merge)) { folder, partial in
      folder.add(partial)
    }
    Parallel.forEach(owned.count, threads: settings.threads) { k in
      let chunk = owned.lowerBound + k
      reducer.submit(k, piece(chunk * chunkSize ..< Swift.min(count, (chunk + 1) * chunkSize)))
      progress?(Double(reducer.combined) / Double(owned.count))
    }
    return ReductionPart(pieceCount: chunks, nodes: reducer.total.finished.map { ($0.node, $0.value) })
  }
}
