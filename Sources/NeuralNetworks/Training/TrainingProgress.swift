/// What the training loop reports after every step.
public struct TrainingProgress: Sendable {
  /// From 0.
  public var epoch: Int
  /// The optimiser step, from 0.
  public var step: Int
  /// The steps of the whole run, all epochs.
  public var totalSteps: Int
  /// The mean squared error of this step's batch (before the update).
  public var loss: Float
  /// The scheduled learning rate this step used.
  public var learningRate: Float
  /// Training images per second over the steps so far.
  public var imagesPerSecond: Double
}
