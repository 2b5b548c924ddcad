import Foundation
import NeuralNetworks
import Tensors

/// The small parts of a `TrainingSnapshot`, as checkpoint metadata.
struct SnapshotState: Codable {
  static let metadataKey = "lemmse_training_state"
  var epochsCompleted: Int
  var step: Int
  var order: [Int]
  var shuffleGenerator: SeededGenerator
  var noiseGenerator: SeededGenerator
  var lossHistory: [Float]
  var optimizerStep: Int
  var averages: Int?
}

