import Tensors

/// The state of one call of `train`: the optimiser, the weight average, the generators, the
/// shuffled order and the history — everything a `TrainingSnapshot` holds. `train` validates
/// its arguments, then drives a run epoch by epoch.
struct TrainingRun {
  /// `(cleanBatch, sigma, generator) → u`, as `train` takes it.
  typealias MakeInput = (_ cleanBatch: Tensor, _ sigma: [Float], _ generator: inout SeededGenerator) -> Tensor

  let network: any DenoisingNetwork
  let images: Tensor
  let configuration: TrainingConfiguration
  let parameters: [Parameter]
  let totalSteps: Int
  let schedule: CosineSchedule
  let optimizer: any Optimizer
  let average: ExponentialMovingAverage?
  /// The other ranks of a data-parallel run, or nil for one process.
  let exchange: (any GradientExchange)?
  var shuffleGenerator: SeededGenerator
  var noiseGenerator: SeededGenerator
  var order: [Int]
  var lossHistory: [Float] = []
  /// Optimiser steps over all epochs, resumed ones included.
  var step = 0
  /// The first epoch this run trains (after the resumed ones).
  var firstEpoch = 0
  /// Images seen by this call, for the throughput in `TrainingProgress`.
  var imagesThisRun = 0
  let clock = ContinuousClock()
  let start: ContinuousClock.Instant

  /// A fresh run, or one continuing `resume`.
  ///
  /// - Throws: `NetworkError.invalidConfiguration` if `resume` was taken on other images or
  ///   after more epochs than `configuration` has; `NetworkError` from loading its tensors.
  init(network: any DenoisingNetwork, images: Tensor, configuration: TrainingConfiguration,
       resume: TrainingSnapshot?, exchange: (any GradientExchange)? = nil) throws {
    let count = images.imageBatchShape.count, parameters = network.parameters
    let totalSteps = configuration.epochs * ((count + configuration.batchSize - 1) / configuration.batchSize)
    self.network = network
    self.images = images
    self.configuration = configuration
    self.parameters = parameters
    self.totalSteps = totalSteps
    self.exchange = exchange
    schedule = CosineSchedule(peakLearningRate: configuration.learningRate,
                              warmupSteps: Swift.min(configuration.warmupSteps, totalSteps), totalSteps: totalSteps,
                              finalLearningRate: configuration.finalLearningRate)
    optimizer = configuration.optimizer.makeOptimizer(parameters: parameters)
    average = configuration.emaDecay.map { ExponentialMovingAverage(parameters: parameters, decay: $0) }
    shuffleGenerator = SeededGenerator(seed: configuration.seed)
    noiseGenerator = SeededGenerator(seed: configuration.seed ^ 0x6A09_E667_F3BC_C908)
    order = Array(0..<count)
    lossHistory.reserveCapacity(totalSteps)
    start = clock.now
    if let resume { try continueFrom(resume) }
  }

  /// Takes the weights, moments, averages, generators, order and history of `resume`.
  private mutating func continueFrom(_ resume: TrainingSnapshot) throws {
    guard resume.order.count == order.count, resume.epochsCompleted <= configuration.epochs else {
      throw NetworkError.invalidConfiguration(
        "the snapshot was taken on \(resume.order.count) images after \(resume.epochsCompleted) epochs; this run has \(order.count) images and \(configuration.epochs) epochs")
    }
    try network.load(from: resume.network)
    try optimizer.restore(step: resume.optimizerStep, tensors: resume.optimizer)
    if let average, let averages = resume.averages { try average.restore(averages: averages) }
    shuffleGenerator = resume.shuffleGenerator
    noiseGenerator = resume.noiseGenerator
    order = resume.order
    lossHistory = resume.lossHistory
    step = resume.step
    firstEpoch = resume.epochsCompleted
  }

  /// Trains one epoch: a seeded shuffle, then one step per batch.
  ///
  /// - Throws: `NetworkError.diverged` as soon as a step's loss is not finite.
  mutating func trainEpoch(_ epoch: Int, makeInput: MakeInput, progress: ((TrainingProgress) -> Void)?) throws {
    network.setTraining(true)
    // Fisher–Yates with the seeded generator.
    for index in stride(from: order.count - 1, to: 0, by: -1) {
      order.swapAt(index, shuffleGenerator.nextInt(below: index + 1))
    }
    for batchStart in stride(from: 0, to: order.count, by: configuration.batchSize) {
      let members = Array(order[batchStart ..< Swift.min(order.count, batchStart + configuration.batchSize)])
      try trainStep(members, epoch: epoch, makeInput: makeInput, progress: progress)
    }
  }

  /// One optimiser step on the images `members`: loss, backward pass, clipping, update, EMA.
  private mutating func trainStep(_ members: [Int], epoch: Int, makeInput: MakeInput,
                                  progress: ((TrainingProgress) -> Void)?) throws {
    let clean = gatherImages(images, members)
    let sigma = configuration.sigma.draw(count: members.count, using: &noiseGenerator)
    let input = makeInput(clean, sigma, &noiseGenerator)
    precondition(input.shape == clean.shape, "makeInput returned shape \(input.shape) for a clean batch of shape \(clean.shape)")

    let loss: Float
    if configuration.batchShares == 1 && exchange == nil {
      network.zeroGradients()
      let output = network.forward(input, sigma: network.isNoiseConditional ? sigma : nil)
      var gradient = output - clean
      loss = Float(gradient.dot(gradient) / Double(gradient.count))
      // A non-finite loss poisons every weight at the update: stop before it.
      guard loss.isFinite else { throw NetworkError.diverged(step: step + 1, epoch: epoch + 1, loss: loss) }
      gradient *= 2 / Float(gradient.count)
      _ = network.backward(gradient)
    } else {
      loss = sharedGradients(input: input, clean: clean, sigma: sigma)
      guard loss.isFinite else { throw NetworkError.diverged(step: step + 1, epoch: epoch + 1, loss: loss) }
    }
    if let bound = configuration.gradientClipNorm { clipGradientNorm(parameters, maxNorm: bound) }
    let learningRate = schedule.learningRate(atStep: step)
    optimizer.update(learningRate: learningRate)
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

  /// The state after `epochsCompleted` epochs, to save or to resume from.
  func snapshot(epochsCompleted: Int) -> TrainingSnapshot {
    TrainingSnapshot(
      epochsCompleted: epochsCompleted, step: step, order: order, shuffleGenerator: shuffleGenerator,
      noiseGenerator: noiseGenerator, lossHistory: lossHistory, network: network.checkpointTensors(),
      optimizerStep: optimizer.step, optimizer: optimizer.stateTensors, averages: average?.averages)
  }

  /// The result; with an EMA the network is given the averaged weights and the raw last
  /// iterate is returned beside it.
  func finish() -> TrainingResult {
    var lastIterate: [String: Tensor]?
    if let average {
      lastIterate = network.checkpointTensors()
      average.copyAveragesToParameters()
    }
    return TrainingResult(network: network, lossHistory: lossHistory, lastIterate: lastIterate)
  }
}

/// The images at `indices` of an `N × C × H × W` tensor, in that order.
func gatherImages(_ images: Tensor, _ indices: [Int]) -> Tensor {
  let shape = images.imageBatchShape, size = shape.imageSize
  var scalars = [Float]()
  scalars.reserveCapacity(indices.count * size)
  for index in indices { scalars += images.scalars[index * size ..< (index + 1) * size] }
  return Tensor(shape: [indices.count, shape.channels, shape.height, shape.width], scalars: scalars)
}
