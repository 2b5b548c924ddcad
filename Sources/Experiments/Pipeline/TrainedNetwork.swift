import NeuralNetworks

/// A trained network with its history and checkpoint description.
public struct TrainedNetwork {
  /// The network after the last step.
  public var network: any DenoisingNetwork
  /// The batch loss of every step.
  public var lossHistory: [Float]
  /// What `Checkpoint.write` records beside the weights.
  public var description: CheckpointDescription
}
