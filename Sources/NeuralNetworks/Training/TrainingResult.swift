import Tensors

/// What the training loop returns.
public struct TrainingResult {
  /// The trained network; with an EMA it holds the averaged weights (the ones to evaluate).
  public var network: any DenoisingNetwork
  /// The loss of every step, in order.
  public var lossHistory: [Float]
  /// The raw last iterate's tensors (`checkpointTensors()` form) when `network` holds EMA weights.
  public var lastIterate: [String: Tensor]?
}

