/// Which optimiser the training loop uses.
public enum OptimizerChoice: Codable, Equatable, Hashable, Sendable {
  /// `Adam` without weight decay.
  case adam
  /// `AdamW` with decoupled weight decay λ on convolution weights.
  case adamW(weightDecay: Float)
}
