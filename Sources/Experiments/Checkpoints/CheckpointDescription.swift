import Foundation
import NeuralNetworks
import Physics

/// Everything a checkpoint records besides the weights: how to rebuild the network, and the
/// forward model and estimator input it was trained for, so `lemmse apply` can map raw
/// measurements without asking again.
///
/// The JSON keys are those of the first version (`operatorName`, `mask`, `kernel`, `input`
/// as strings); they are parsed when the checkpoint is read.
public struct CheckpointDescription: Codable, Equatable, Sendable {
  /// The network's hyper-parameters.
  public var model: ModelDescription
  /// The forward operator `A` of training (`--operator`, `--mask`, `--kernel`).
  public var `operator`: OperatorChoice
  /// The map `B` from measurements to the network's input.
  public var input: EstimatorInput
  /// The training noise levels.
  public var sigma: SigmaSampling
  /// The optimiser, schedule, epochs and seed.
  public var training: TrainingConfiguration
  /// The training data, as the user named it.
  public var dataset: String
  /// Training images `N`.
  public var trainingCount: Int
  /// `C, H, W` of the training images.
  public var imageShape: [Int]
  /// The last step's batch loss.
  public var finalLoss: Float?
  /// Seconds of training.
  public var seconds: Double

  /// A description from its parts; `TrainingJob.description(trainingImages:finalLoss:seconds:)`
  /// builds a job's. Nothing is checked here: `Checkpoint.read(from:)` checks `model` and `sigma`.
  public init(model: ModelDescription, operator: OperatorChoice, input: EstimatorInput, sigma: SigmaSampling,
              training: TrainingConfiguration, dataset: String, trainingCount: Int, imageShape: [Int], finalLoss: Float?,
              seconds: Double) {
    self.model = model
    self.operator = `operator`
    self.input = input
    self.sigma = sigma
    self.training = training
    self.dataset = dataset
    self.trainingCount = trainingCount
    self.imageShape = imageShape
    self.finalLoss = finalLoss
    self.seconds = seconds
  }

  /// The metadata key of the description in the safetensors header.
  static let metadataKey = "lemmse"

  enum CodingKeys: String, CodingKey {
    case model, operatorName, mask, kernel, input, sigma, training, dataset, trainingCount, imageShape, finalLoss, seconds
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let name = try container.decode(String.self, forKey: .operatorName)
    let op: OperatorChoice
    do {
      op = try OperatorChoice(name: name, mask: container.decodeIfPresent(String.self, forKey: .mask),
                              kernel: container.decodeIfPresent(String.self, forKey: .kernel))
    } catch let error as DecodingError { throw error } catch {
      throw DecodingError.dataCorruptedError(forKey: .operatorName, in: container, debugDescription: "\(error)")
    }
    self.init(model: try container.decode(ModelDescription.self, forKey: .model), operator: op,
              input: try container.decode(EstimatorInput.self, forKey: .input),
              sigma: try container.decode(SigmaSampling.self, forKey: .sigma),
              training: try container.decode(TrainingConfiguration.self, forKey: .training),
              dataset: try container.decode(String.self, forKey: .dataset),
              trainingCount: try container.decode(Int.self, forKey: .trainingCount),
              imageShape: try container.decode([Int].self, forKey: .imageShape),
              finalLoss: try container.decodeIfPresent(Float.self, forKey: .finalLoss),
              seconds: try container.decode(Double.self, forKey: .seconds))
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(model, forKey: .model)
    try container.encode(self.operator.name, forKey: .operatorName)
    try container.encodeIfPresent(self.operator.mask, forKey: .mask)
    try container.encodeIfPresent(self.operator.kernel, forKey: .kernel)
    try container.encode(input, forKey: .input)
    try container.encode(sigma, forKey: .sigma)
    try container.encode(training, forKey: .training)
    try container.encode(dataset, forKey: .dataset)
    try container.encode(trainingCount, forKey: .trainingCount)
    try container.encode(imageShape, forKey: .imageShape)
    try container.encodeIfPresent(finalLoss, forKey: .finalLoss)
    try container.encode(seconds, forKey: .seconds)
  }
}
