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
