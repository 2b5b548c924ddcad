/// The hyper-parameters of `train(_:images:configuration:makeInput:progress:resume:epochEnd:)`;
/// `validate()` checks them against `Limits`.
public struct TrainingConfiguration: Codable, Equatable, Hashable, Sendable {
  /// The passes over the training images.
  public var epochs: Int
  /// The images per step; the last batch of an epoch may be smaller.
  public var batchSize: Int
  /// How σ is chosen for every image at every step.
  public var sigma: SigmaSampling
  /// Adam, or AdamW with its weight decay.
  public var optimizer: OptimizerChoice
  /// The peak learning rate of the cosine schedule (SPEC: 1e-3).
  public var learningRate: Float
  /// The steps of the linear warm-up; one longer than the run is cut to the run.
  public var warmupSteps: Int
  /// The learning rate the cosine decays to at the last step.
  public var finalLearningRate: Float
  /// The global gradient-norm bound, or `nil` for no clipping.
  public var gradientClipNorm: Float?
  /// The decay `d` of the weight EMA, or `nil` for none.
  public var emaDecay: Float?
  /// Seeds the shuffling, the σ draws and the noise (the network's own seed sets its initial weights).
  public var seed: UInt64
  /// The fixed shares every batch is split into (1…`batchSize`). Each share runs forward and
  /// backward alone — BatchNorm takes its statistics per share — and the shares' gradients are
  /// summed in share order. This is the split data-parallel training hands out (rank r of K
  /// takes shares `S·r/K ..< S·(r+1)/K`), so one process with `S` shares and `mpirun -np K`
  /// (K ≤ S) train the same network bit for bit. 1 (the default) runs the batch at once.
  public var batchShares: Int

  /// A configuration; the defaults are Adam at `1e-3` with cosine decay to 0, no warm-up, batches
  /// of 32, clipping at norm 1, no EMA and seed 0.
  public init(epochs: Int, batchSize: Int = 32, sigma: SigmaSampling, optimizer: OptimizerChoice = .adam,
              learningRate: Float = 1e-3, warmupSteps: Int = 0, finalLearningRate: Float = 0,
              gradientClipNorm: Float? = 1, emaDecay: Float? = nil, seed: UInt64 = 0, batchShares: Int = 1) {
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
    self.batchShares = batchShares
  }

  /// Reads a configuration; one saved before `batchShares` existed ran its batches at once.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    epochs = try container.decode(Int.self, forKey: .epochs)
    batchSize = try container.decode(Int.self, forKey: .batchSize)
    sigma = try container.decode(SigmaSampling.self, forKey: .sigma)
    optimizer = try container.decode(OptimizerChoice.self, forKey: .optimizer)
    learningRate = try container.decode(Float.self, forKey: .learningRate)
    warmupSteps = try container.decode(Int.self, forKey: .warmupSteps)
    finalLearningRate = try container.decode(Float.self, forKey: .finalLearningRate)
    gradientClipNorm = try container.decodeIfPresent(Float.self, forKey: .gradientClipNorm)
    emaDecay = try container.decodeIfPresent(Float.self, forKey: .emaDecay)
    seed = try container.decode(UInt64.self, forKey: .seed)
    batchShares = try container.decodeIfPresent(Int.self, forKey: .batchShares) ?? 1
  }
}
