/// The random streams of one run, all derived from its one seed here and nowhere else, so the
/// demo, `lemmse train` and `lemmse experiment` draw the same numbers from the same seed.
///
/// | stream | seeds | value |
/// | --- | --- | --- |
/// | `weights` | the network's initial weights | `seed` |
/// | `training` | shuffling, per-image σ and the training noise (`TrainingConfiguration.seed`; `NeuralNetworks.train` splits it into its shuffle and noise generators) | `seed` |
/// | `testNoise` | the noise of the held-out test measurements | `seed &+ 1` |
/// | `inputScale` | the noise of the sample that `input_scale: auto` measures | `seed &+ 2` |
///
/// Weights and training share a value because they are independent generators of different
/// lengths; the test noise must differ from the training noise's first draws.
public struct SeedStreams: Codable, Hashable, Sendable {
  /// The run's seed (`--seed`, a config's `seed`).
  public var seed: UInt64

  /// The streams of `seed`; `ExperimentConfig.seeds` uses 0 for a config without `seed`.
  public init(seed: UInt64) { self.seed = seed }

  /// The seed of the initial weights.
  public var weights: UInt64 { seed }
  /// The seed of training's shuffling, σ draws and noise.
  public var training: UInt64 { seed }
  /// The seed of the test measurements' noise.
  public var testNoise: UInt64 { seed &+ 1 }
  /// The seed of the noise of the sample that sets an automatic input scale.
  public var inputScale: UInt64 { seed &+ 2 }
}
