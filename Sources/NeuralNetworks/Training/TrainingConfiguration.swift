/// How the noise level of every training image is chosen at every step.
public enum SigmaSampling: Codable, Equatable, Hashable, Sendable {
  /// One σ for every image (the cheap, non-conditional variant).
  case fixed(Float)
  /// σ ~ U[lower, upper], drawn afresh per image per step (the paper: σ ∈ [0, 1]).
  case uniform(lower: Float, upper: Float)
}

/// Which optimiser the training loop uses.
public enum OptimizerChoice: Codable, Equatable, Hashable, Sendable {
  /// `Adam` without weight decay.
  case adam
  /// `AdamW` with decoupled weight decay λ on convolution weights.
  case adamW(weightDecay: Float)
}

/// The hyper-parameters of `train(_:images:configuration:makeInput:progress:)`.
public struct TrainingConfiguration: Codable, Equatable, Hashable, Sendable {
  public var epochs: Int
  public var batchSize: Int
  public var sigma: SigmaSampling
  public var optimizer: OptimizerChoice
  /// The peak learning rate of the cosine schedule (SPEC: 1e-3).
  public var learningRate: Float
  public var warmupSteps: Int
  /// The learning rate the cosine decays to at the last step.
  public var finalLearningRate: Float
  /// The global gradient-norm bound, or `nil` for no clipping.
  public var gradientClipNorm: Float?
  /// The decay `d` of the weight EMA, or `nil` for none.
  public var emaDecay: Float?
  /// Seeds the shuffling, the σ draws and the noise (the network's own seed sets its initial weights).
  public var seed: UInt64

  public init(epochs: Int, batchSize: Int = 32, sigma: SigmaSampling, optimizer: OptimizerChoice = .adam,
              learningRate: Float = 1e-3, warmupSteps: Int = 0, finalLearningRate: Float = 0,
              gradientClipNorm: Float? = 1, emaDecay: Float? = nil, seed: UInt64 = 0) {
    self.epochs = epochs
    self.batchSize = batchSize
    self.sigma = sigma
    self.optimizer = optimizer
    self.learningRate = learningRate
    self.warmupSteps = warmupSteps
    self.finalLearningRate = finalLearningRate
    self.gradientClipNorm = gradientClipNorm
    self.emaDecay = emaDecay
    self.seed = seed
  }
}

/// What the training loop reports after every step.
public struct TrainingProgress: Sendable {
  /// From 0.
  public var epoch: Int
  /// The optimiser step, from 0.
  public var step: Int
  public var totalSteps: Int
  /// The mean squared error of this step's batch (before the update).
  public var loss: Float
  public var learningRate: Float
  /// Training images per second over the steps so far.
  public var imagesPerSecond: Double
}

/// What the training loop returns.
public struct TrainingResult {
  /// The trained network; with an EMA it holds the averaged weights (the ones to evaluate).
  public var network: any DenoisingNetwork
  /// The loss of every step, in order.
  public var lossHistory: [Float]
  /// The raw last iterate's tensors (`checkpointTensors()` form) when `network` holds EMA weights.
  public var lastIterate: [String: Tensor]?
}

import Tensors
