import Foundation
import Tensors

/// Trains `network` to map estimator inputs back to clean images with the squared loss.
///
/// Every step takes the next batch of a seeded shuffle of `images`, draws σ per image
/// (`configuration.sigma`), lets `makeInput` measure and map the clean batch to the network's input
/// (`u = B(A x + σ e)`, with fresh noise from the generator it is handed), and minimises
/// ```
/// L = mean over the batch's values of (f(u, σ) − x)²
/// ```
/// with Adam or AdamW, a cosine schedule with linear warm-up over all steps, global gradient-norm
/// clipping and, optionally, an EMA of the weights. The network runs in training mode (BatchNorm on
/// batch statistics); afterwards switch to inference mode, or use `predict`, which does.
///
/// The loop is deterministic for a seed: shuffling, σ and noise come from generators seeded by
/// `configuration.seed`, and every layer reduces in a fixed order whatever the thread count.
///
/// - Parameters:
///   - network: Trained in place and returned in the result.
///   - images: Clean training images, `N × C × H × W`.
///   - makeInput: `(cleanBatch, sigma, generator) → u`: the physics, supplied by the caller;
///     `cleanBatch` is `B × C × H × W`, `sigma` holds one σ per image, `u` must be `B × C × H × W`.
///   - progress: Called after every step.
///   - resume: The snapshot of an earlier run of the same network, images and configuration;
///     training continues after its last epoch and ends exactly as an uninterrupted run would.
///   - epochEnd: Called after every epoch with a snapshot to save (and a chance to evaluate the
///     network; it is put back into training mode afterwards).
/// - Returns: The network, the loss of every step, and the last iterate when an EMA is kept.
/// - Throws: `NetworkError` if the images do not fit the network or the configuration is invalid
///   (`TrainingConfiguration.validate()`), and `NetworkError.diverged` as soon as a step's loss
///   is NaN or infinite (before that step's update; `epochEnd` is not called for that epoch).
public func train(
  _ network: any DenoisingNetwork, images: Tensor, configuration: TrainingConfiguration,
  makeInput: (_ cleanBatch: Tensor, _ sigma: [Float], _ generator: inout SeededGenerator) -> Tensor,
  progress: ((TrainingProgress) -> Void)? = nil,
  resume: TrainingSnapshot? = nil,
  epochEnd: ((TrainingSnapshot) throws -> Void)? = nil
) throws -> TrainingResult {
  let shape = images.imageBatchShape
  guard shape.channels == network.channels else {
    throw NetworkError.channelMismatch(expected: network.channels, got: shape.channels)
  }
  try network.validate(height: shape.height, width: shape.width)
  try configuration.validate()
  guard shape.count > 0 else { throw NetworkError.invalidConfiguration("training needs at least one image, got none") }

  let parameters = network.parameters
  let stepsPerEpoch = (shape.count + configuration.batchSize - 1) / configuration.batchSize
  let totalSteps = configuration.epochs * stepsPerEpoch
  let schedule = CosineSchedule(peakLearningRate: configuration.learningRate,
                                warmupSteps: Swift.min(configuration.warmupSteps, totalSteps), totalSteps: totalSteps,
                                finalLearningRate: configuration.finalLearningRate)
  let update: (Float) -> Void
  let optimizerState: () -> (step: Int, tensors: [String: Tensor])
  let restoreOptimizer: (Int, [String: Tensor]) throws -> Void
  switch configuration.optimizer {
  case .adam:
    let adam = Adam(parameters: parameters)
    update = { adam.update(learningRate: $0) }
    optimizerState = { (adam.step, adam.stateTensors) }
    restoreOptimizer = { try adam.restore(step: $0, tensors: $1) }
  case let .adamW(weightDecay):
    let adamW = AdamW(parameters: parameters, weightDecay: weightDecay)
    update = { adamW.update(learningRate: $0) }
    optimizerState = { (adamW.step, adamW.stateTensors) }
    restoreOptimizer = { try adamW.restore(step: $0, tensors: $1) }
  }
  let average = configuration.emaDecay.map { ExponentialMovingAverage(parameters: parameters, decay: $0) }

  var shuffleGenerator = SeededGenerator(seed: configuration.seed)
  var noiseGenerator = SeededGenerator(seed: configuration.seed ^ 0x6A09_E667_F3BC_C908)
  var order = Array(0..<shape.count)
  var lossHistory: [Float] = []
  lossHistory.reserveCapacity(totalSteps)
  let clock = ContinuousClock(), start = clock.now
  var step = 0, firstEpoch = 0
  if let resume {
    guard resume.order.count == shape.count, resume.epochsCompleted <= configuration.epochs else {
      throw NetworkError.invalidConfiguration(
        "the snapshot was taken on \(resume.order.count) images after \(resume.epochsCompleted) epochs; this run has \(shape.count) images and \(configuration.epochs) epochs")
    }
    try network.load(from: resume.network)
    try restoreOptimizer(resume.optimizerStep, resume.optimizer)
    if let average, let averages = resume.averages { try average.restore(averages: averages) }
    shuffleGenerator = resume.shuffleGenerator
    noiseGenerator = resume.noiseGenerator
    order = resume.order
    lossHistory = resume.lossHistory
    step = resume.step
    firstEpoch = resume.epochsCompleted
  }
  var imagesThisRun = 0

  for epoch in firstEpoch..<configuration.epochs {
    network.setTraining(true)
    // Fisher–Yates with the seeded generator.
    for index in stride(from: shape.count - 1, to: 0, by: -1) {
      order.swapAt(index, shuffleGenerator.nextInt(below: index + 1))
    }
    for batchStart in stride(from: 0, to: shape.count, by: configuration.batchSize) {
      let members = Array(order[batchStart ..< Swift.min(shape.count, batchStart + configuration.batchSize)])
      let clean = gatherImages(images, members)
      let sigma: [Float] = members.map { _ in
        switch configuration.sigma {
        case let .fixed(value): return value
        case let .uniform(lower, upper): return lower + (upper - lower) * noiseGenerator.nextUniform()
        }
      }
      let input = makeInput(clean, sigma, &noiseGenerator)
      precondition(input.shape == clean.shape, "makeInput returned shape \(input.shape) for a clean batch of shape \(clean.shape)")

      network.zeroGradients()
      let output = network.forward(input, sigma: network.isNoiseConditional ? sigma : nil)
      var gradient = output - clean
      let loss = Float(gradient.dot(gradient) / Double(gradient.count))
      // A non-finite loss poisons every weight at the update: stop before it.
      guard loss.isFinite else { throw NetworkError.diverged(step: step + 1, epoch: epoch + 1, loss: loss) }
      gradient *= 2 / Float(gradient.count)
      _ = network.backward(gradient)
      if let bound = configuration.gradientClipNorm { clipGradientNorm(parameters, maxNorm: bound) }
      let learningRate = schedule.learningRate(atStep: step)
      update(learningRate)
      average?.update()

      lossHistory.append(loss)
      imagesThisRun += members.count
      step += 1
      if let progress {
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        progress(TrainingProgress(epoch: epoch, step: step - 1, totalSteps: totalSteps, loss: loss, learningRate: learningRate,
                                  imagesPerSecond: seconds > 0 ? Double(imagesThisRun) / seconds : 0))
      }
    }
    if let epochEnd {
      let optimizer = optimizerState()
      try epochEnd(TrainingSnapshot(
        epochsCompleted: epoch + 1, step: step, order: order, shuffleGenerator: shuffleGenerator,
        noiseGenerator: noiseGenerator, lossHistory: lossHistory, network: network.checkpointTensors(),
        optimizerStep: optimizer.step, optimizer: optimizer.tensors, averages: average?.averages))
    }
  }


  var lastIterate: [String: Tensor]?
  if let average {
    lastIterate = network.checkpointTensors()
    average.copyAveragesToParameters()
  }
  return TrainingResult(network: network, lossHistory: lossHistory, lastIterate: lastIterate)
}

/// The images at `indices` of an `N × C × H × W` tensor, in that order.
func gatherImages(_ images: Tensor, _ indices: [Int]) -> Tensor {
  let shape = images.imageBatchShape, size = shape.imageSize
  var scalars = [Float]()
  scalars.reserveCapacity(indices.count * size)
  for index in indices { scalars += images.scalars[index * size ..< (index + 1) * size] }
  return Tensor(shape: [indices.count, shape.channels, shape.height, shape.width], scalars: scalars)
}

/// Everything needed to continue a training run exactly where an epoch ended: the raw weights,
/// the optimiser's moments, the weight averages, the generators and the shuffled order.
public struct TrainingSnapshot: Sendable {
  public var epochsCompleted: Int
  public var step: Int
  public var order: [Int]
  public var shuffleGenerator: SeededGenerator
  public var noiseGenerator: SeededGenerator
  public var lossHistory: [Float]
  /// `checkpointTensors()` of the network (raw weights, not the averages).
  public var network: [String: Tensor]
  public var optimizerStep: Int
  public var optimizer: [String: Tensor]
  public var averages: [Tensor]?

  public init(epochsCompleted: Int, step: Int, order: [Int], shuffleGenerator: SeededGenerator,
              noiseGenerator: SeededGenerator, lossHistory: [Float], network: [String: Tensor], optimizerStep: Int,
              optimizer: [String: Tensor], averages: [Tensor]?) {
    self.epochsCompleted = epochsCompleted
    self.step = step
    self.order = order
    self.shuffleGenerator = shuffleGenerator
    self.noiseGenerator = noiseGenerator
    self.lossHistory = lossHistory
    self.network = network
    self.optimizerStep = optimizerStep
    self.optimizer = optimizer
    self.averages = averages
  }
}
