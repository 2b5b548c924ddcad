import Tensors

/// Trains `network` to map estimator inputs back to clean images with the squared loss.
///
/// Every step takes the next batch of a seeded shuffle of `images`, draws σ per image
/// (`configuration.sigma`), lets `makeInput` measure and map the clean batch to the network's input
/// (`u = B(A x + σ e)`, with fresh noise from the generator it is handed), and minimises
/// ```
/// L = mean over the batch's values of (f(u, σ) − x)²
/// ```
/// with the optimiser `configuration.optimizer` names (Adam or AdamW), a cosine schedule with linear warm-up over all steps, global gradient-norm
/// clipping and, optionally, an EMA of the weights. The network runs in training mode (BatchNorm on
/// batch statistics); afterwards switch to inference mode, or use `predict`, which does.
///
/// The loop is deterministic for a seed: shuffling, σ and noise come from generators seeded by
/// `configuration.seed`, and every layer reduces in a fixed order whatever the thread count.
///
/// - Parameters:
///   - network: Trained in place and returned in the result.
///   - images: Clean training images, `N × C × H × W`.
///   - makeInput: `(cleanBatch, sigma, generator) → u`: the physics, supplied by the caller;
///     `cleanBatch` is `B × C × H × W`, `sigma` holds one σ per image, `u` must be `B × C × H × W`.
///   - progress: Called after every step.
///   - resume: The snapshot of an earlier run of the same network, images and configuration;
///     training continues after its last epoch and ends exactly as an uninterrupted run would.
///   - epochEnd: Called after every epoch with a snapshot to save (and a chance to evaluate the
///     network; it is put back into training mode afterwards).
///   - exchange: The other ranks of a data-parallel run (at most `configuration.batchShares`
///     of them), every one calling `train` with the same arguments; nil for one process.
/// - Returns: The network, the loss of every step, and the last iterate when an EMA is kept.
/// - Throws: `NetworkError` if the images do not fit the network or the configuration is invalid
///   (`TrainingConfiguration.validate()`), and `NetworkError.diverged` as soon as a step's loss
///   is NaN or infinite (before that step's update; `epochEnd` is not called for that epoch).
public func train(
  _ network: any DenoisingNetwork, images: Tensor, configuration: TrainingConfiguration,
  makeInput: (_ cleanBatch: Tensor, _ sigma: [Float], _ generator: inout SeededGenerator) -> Tensor,
  progress: ((TrainingProgress) -> Void)? = nil,
  resume: TrainingSnapshot? = nil,
  epochEnd: ((TrainingSnapshot) throws -> Void)? = nil,
  exchange: (any GradientExchange)? = nil
) throws -> TrainingResult {
  let shape = images.imageBatchShape
  guard shape.channels == network.channels else {
    throw NetworkError.channelMismatch(expected: network.channels, got: shape.channels)
  }
  try network.validate(height: shape.height, width: shape.width)
  try configuration.validate()
  guard shape.count > 0 else { throw NetworkError.invalidConfiguration("training needs at least one image, got none") }
  if let exchange, exchange.size > configuration.batchShares {
    throw NetworkError.invalidValue(
      name: "batchShares", message: "must be at least the \(exchange.size) ranks that share every batch (got \(configuration.batchShares))")
  }

  var run = try TrainingRun(network: network, images: images, configuration: configuration, resume: resume, exchange: exchange)
  for epoch in run.firstEpoch..<configuration.epochs {
    try run.trainEpoch(epoch, makeInput: makeInput, progress: progress)
    if let epochEnd { try epochEnd(run.snapshot(epochsCompleted: epoch + 1)) }
  }
  return run.finish()
}
