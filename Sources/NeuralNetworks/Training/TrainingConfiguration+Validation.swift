extension TrainingConfiguration {
  /// The ranges of the training hyper-parameters, wherever they come from (flags, configs,
  /// checkpoints).
  public enum Limits {
    /// Passes over the images.
    public static let epochs = 1...100_000
    /// Images per step.
    public static let batchSize = 1...65_536
    /// The peak learning rate: `0 < η ≤ 1`.
    public static let learningRate: ClosedRange<Float> = Float.leastNormalMagnitude...1
    /// AdamW's decoupled weight decay λ.
    public static let weightDecay: ClosedRange<Float> = 0...1
    /// The EMA decay `d`, in `[0, 1)`.
    public static let emaDecay: Range<Float> = 0..<1
    /// Warm-up steps (more than all steps is allowed: the warm-up is cut to the run).
    public static let warmupSteps = 0...100_000_000
  }

  /// Checks every field before anything is allocated or trained; `train` calls it first.
  ///
  /// - Throws: `NetworkError.invalidValue` whose `name` is the property (`epochs`, `batchSize`,
  ///   `sigma`, `learningRate`, `weightDecay`, `emaDecay`, `warmupSteps`, `finalLearningRate`,
  ///   `gradientClipNorm`, `batchShares`), so a caller can name its own flag or key.
  public func validate() throws {
    func fail(_ name: String, _ message: String) -> NetworkError { .invalidValue(name: name, message: message) }
    guard Limits.epochs.contains(epochs) else {
      throw fail("epochs", "must be a whole number in \(Limits.epochs.lowerBound)…\(Limits.epochs.upperBound) (got \(epochs))")
    }
    guard Limits.batchSize.contains(batchSize) else {
      throw fail("batchSize", "must be a whole number in \(Limits.batchSize.lowerBound)…\(Limits.batchSize.upperBound) (got \(batchSize))")
    }
    try sigma.validate()
    guard Limits.learningRate.contains(learningRate) else {
      throw fail("learningRate", "must be > 0 and ≤ 1 (got \(learningRate))")
    }
    if case let .adamW(weightDecay) = optimizer, !Limits.weightDecay.contains(weightDecay) {
      throw fail("weightDecay", "must be in 0…1 (got \(weightDecay))")
    }
    if let emaDecay, !Limits.emaDecay.contains(emaDecay) {
      throw fail("emaDecay", "must be in [0, 1) (got \(emaDecay))")
    }
    guard Limits.warmupSteps.contains(warmupSteps) else {
      throw fail("warmupSteps", "must be in 0…\(Limits.warmupSteps.upperBound) (got \(warmupSteps))")
    }
    guard finalLearningRate >= 0, finalLearningRate <= learningRate else {
      throw fail("finalLearningRate", "must be in 0…\(learningRate), the peak learning rate (got \(finalLearningRate))")
    }
    if let gradientClipNorm, !(gradientClipNorm > 0 && gradientClipNorm.isFinite) {
      throw fail("gradientClipNorm", "must be > 0 and finite (got \(gradientClipNorm))")
    }
    guard (1...batchSize).contains(batchShares) else {
      throw fail("batchShares", "must be a whole number in 1…\(batchSize), the batch size (got \(batchShares))")
    }
  }
}
