/// Which optimiser the training loop uses: the spelling of configurations and checkpoints
/// (`{"adam": {}}`, `{"adamW": {"weightDecay": 0.01}}`).
public enum OptimizerChoice: Codable, Equatable, Hashable, Sendable {
  /// `Adam` without weight decay.
  case adam
  /// `AdamW` with decoupled weight decay λ on convolution weights.
  case adamW(weightDecay: Float)

  /// A fresh optimiser of this kind (default `β₁`, `β₂`, `ε`) over `parameters`, at step 0.
  public func makeOptimizer(parameters: [Parameter]) -> any Optimizer {
    switch self {
    case .adam: return Adam(parameters: parameters)
    case let .adamW(weightDecay): return AdamW(parameters: parameters, weightDecay: weightDecay)
    }
  }
}
