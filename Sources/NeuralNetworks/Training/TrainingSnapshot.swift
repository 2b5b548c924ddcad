import Tensors

/// Everything needed to continue a training run exactly where an epoch ended: the raw weights,
/// the optimiser's moments, the weight averages, the generators and the shuffled order.
///
/// `train` hands one to `epochEnd` after every epoch and continues from one passed as `resume`;
/// a resumed run ends bit for bit as an uninterrupted one would.
public struct TrainingSnapshot: Sendable {
  /// The epochs finished, from 1; training resumes with the next.
  public var epochsCompleted: Int
  /// The optimiser steps taken over all epochs (the position in the cosine schedule).
  public var step: Int
  /// The shuffled order of the training images after the last epoch; the next epoch shuffles it again.
  public var order: [Int]
  /// The generator of the shuffles, where the last epoch left it.
  public var shuffleGenerator: SeededGenerator
  /// The generator of σ and of the noise `makeInput` draws, where the last epoch left it.
  public var noiseGenerator: SeededGenerator
  /// The loss of every step so far, in order.
  public var lossHistory: [Float]
  /// `checkpointTensors()` of the network (raw weights, not the averages).
  public var network: [String: Tensor]
  /// `Optimizer.step`, which sets the bias corrections of Adam's moments.
  public var optimizerStep: Int
  /// `Optimizer.stateTensors` (Adam's moments).
  public var optimizer: [String: Tensor]
  /// `ExponentialMovingAverage.averages`, or `nil` without an EMA.
  public var averages: [Tensor]?

  /// A snapshot from its parts (e.g. read back from a checkpoint); see the properties.
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
