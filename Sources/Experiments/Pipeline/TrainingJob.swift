import Foundation
import NeuralNetworks
import Tensors
import Physics

/// Training one network for one forward model — the part `lemmse demo`, `lemmse train` and
/// `lemmse experiment` share: the physics around `NeuralNetworks.train` (every step measures
/// its batch afresh, `u = B(A x + σ e)`), the divergence and finite-weight checks, the timing,
/// and the checkpoint's description.
///
/// ```swift
/// let job = TrainingJob(model: description, operator: try OperatorChoice(name: "denoising"),
///                       forwardOperator: .denoising, input: .agnostic,
///                       configuration: configuration, dataset: "fashion-mnist")
/// let trained = try job.train(images: x, seeds: SeedStreams(seed: 0)) { print($0.summary) }
/// try Checkpoint.write(network: trained.network, description: trained.description, to: url)
/// ```
public struct TrainingJob: Sendable {
  /// The network to build.
  public var model: ModelDescription
  /// `A` as the user named it, for the checkpoint.
  public var `operator`: OperatorChoice
  /// `A`, built for the training images' size.
  public var forwardOperator: ForwardOperator
  /// `B`: what the network sees.
  public var input: EstimatorInput
  /// Epochs, batch, σ, optimiser; its `seed` is `SeedStreams.training`.
  public var configuration: TrainingConfiguration
  /// The training data as the user named it, for the checkpoint.
  public var dataset: String
  /// Whether `train` first sets `model.inputScale` to `1 / RMS` of the training inputs
  /// (`InputScale.auto`; a scale the model already has is kept).
  public var normalizesInput = false

  /// A job from its parts; nothing is checked until `train`, which checks that `input` fits
  /// `forwardOperator` and that the operator and the network fit the images.
  public init(model: ModelDescription, operator: OperatorChoice, forwardOperator: ForwardOperator, input: EstimatorInput,
              configuration: TrainingConfiguration, dataset: String) {
    self.model = model
    self.operator = `operator`
    self.forwardOperator = forwardOperator
    self.input = input
    self.configuration = configuration
    self.dataset = dataset
  }

  /// The checkpoint description of this job after `seconds` of training on images of `shape`.
  public func description(trainingImages shape: ImageBatchShape, finalLoss: Float?, seconds: Double) -> CheckpointDescription {
    CheckpointDescription(model: model, operator: self.operator, input: input, sigma: configuration.sigma,
                          training: configuration, dataset: dataset, trainingCount: shape.count,
                          imageShape: [shape.channels, shape.height, shape.width], finalLoss: finalLoss, seconds: seconds)
  }

  /// The images of the sample that sets an automatic input scale: the first 256.
  public static let inputScaleSampleCount = 256

  /// This job with `model.inputScale` set to `1 / RMS(u)` when it normalises its input and the
  /// model has no scale yet: `u` is the input map of the first `inputScaleSampleCount`
  /// training images measured at the top of the training σ range, with noise from
  /// `seeds.inputScale` (so the scale is the same on every run of the job, resumed or not).
  /// - Throws: `PhysicsError` when the input does not fit `A`.
  public func resolvingInputScale(images: Tensor, seeds: SeedStreams) throws -> TrainingJob {
    guard normalizesInput, model.inputScale == nil else { return self }
    let shape = images.imageBatchShape
    let count = Swift.min(shape.count, Self.inputScaleSampleCount)
    let sample = Tensor(shape: [count, shape.channels, shape.height, shape.width],
                        scalars: Array(images.scalars.prefix(count * shape.imageSize)))
    let sigma: Float
    switch configuration.sigma {
    case .fixed(let value): sigma = value
    case .uniform(_, let upper): sigma = upper
    }
    let u = try input.map(measure(sample, with: forwardOperator, sigma: sigma, seed: seeds.inputScale), for: forwardOperator)
    let meanSquare = u.scalars.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(Swift.max(u.count, 1))
    var job = self
    job.model.inputScale = meanSquare > 0 && meanSquare.isFinite ? Float(1 / meanSquare.squareRoot()) : 1
    return job
  }

  /// A fresh network of `model` with weights from `seeds.weights`.
  /// - Throws: `NetworkError` when the description is out of range.
  public func makeNetwork(seeds: SeedStreams) throws -> any DenoisingNetwork {
    try model.makeNetwork(seed: seeds.weights)
  }

  /// Trains `network` (by default a fresh one from `seeds.weights`) on clean `images`
  /// (`N × C × H × W`). A network passed in is trained in place, so a caller can evaluate it
  /// between epochs.
  ///
  /// - Parameters:
  ///   - resume: the snapshot of an unfinished run of this job (`lemmse train --resume`).
  ///   - progress: called after every step.
  ///   - epochEnd: called after every epoch with a snapshot and its description (to save it).
  ///   - exchange: the other ranks of a data-parallel run (`NeuralNetworks.train`); nil for one process.
  /// - Throws: `TrainingJobError.diverged` when the loss becomes NaN or ±∞,
  ///   `.nonFiniteWeight` when a weight does; `PhysicsError` when the input does not fit `A`;
  ///   `NetworkError` when the network does not fit the images.
  public func train(_ network: (any DenoisingNetwork)? = nil, images: Tensor, seeds: SeedStreams, resume: TrainingSnapshot? = nil,
                    progress: @escaping (TrainingProgress) -> Void = { _ in },
                    epochEnd: ((TrainingSnapshot, CheckpointDescription) throws -> Void)? = nil,
                    exchange: (any GradientExchange)? = nil) throws -> TrainedNetwork {
    let shape = images.imageBatchShape
    try input.validate(for: forwardOperator)
    try forwardOperator.validate(height: shape.height, width: shape.width)
    // The scale is part of the network: the network and its description are the resolved job's.
    let job = try resolvingInputScale(images: images, seeds: seeds)
    var configuration = configuration
    configuration.seed = seeds.training
    let network = try network ?? job.makeNetwork(seeds: seeds)
    network.inputScale = job.model.inputScale ?? 1
    try network.validate(height: shape.height, width: shape.width)
    let start = Date()
    let elapsed = { Date().timeIntervalSince(start) }
    let result: TrainingResult
    do {
      result = try NeuralNetworks.train(
        network, images: images, configuration: configuration, makeInput: measurementModel(), progress: progress,
        resume: resume,
        epochEnd: epochEnd.map { save in
          { snapshot in try save(snapshot, job.description(trainingImages: shape, finalLoss: snapshot.lossHistory.last, seconds: elapsed())) }
        },
        exchange: exchange)
    } catch let NetworkError.diverged(step, epoch, loss) {
      throw TrainingJobError.diverged(step: step, epoch: epoch, loss: loss, learningRate: configuration.learningRate)
    }
    if let bad = result.network.checkpointTensors().sorted(by: { $0.key < $1.key }).first(where: { $0.value.firstNonFiniteIndex != nil }) {
      throw TrainingJobError.nonFiniteWeight(name: bad.key, learningRate: configuration.learningRate)
    }
    let seconds = elapsed()
    return TrainedNetwork(network: result.network, lossHistory: result.lossHistory,
                          description: job.description(trainingImages: shape, finalLoss: result.lossHistory.last, seconds: seconds))
  }

  /// The closure that turns a clean batch into network inputs: `B(A x + σₙ eₙ)` with fresh
  /// noise from the training generator. `train` has checked that `B` fits `A` and the images,
  /// so the map cannot fail; if it did, that is a bug, and it stops rather than quietly
  /// training on `y`.
  func measurementModel() -> (Tensor, [Float], inout SeededGenerator) -> Tensor {
    let (forwardOperator, input) = (forwardOperator, input)
    return { clean, sigmas, generator in
      let shape = clean.imageBatchShape
      var y = forwardOperator.apply(clean)
      y.withUnsafeMutableBufferPointer { values in
        for n in 0..<shape.count {
          let sigma = sigmas[n]
          for index in n * shape.imageSize ..< (n + 1) * shape.imageSize {
            values[index] += sigma * Float(generator.nextGaussian())
          }
        }
      }
      do { return try input.map(y, for: forwardOperator) } catch {
        preconditionFailure("the input map \(input) failed on a training batch after validation: \(error)")
      }
    }
  }
}
