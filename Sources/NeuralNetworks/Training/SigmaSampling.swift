/// How the noise level of every training image is chosen at every step.
public enum SigmaSampling: Codable, Equatable, Hashable, Sendable {
  /// One σ for every image (the cheap, non-conditional variant).
  case fixed(Float)
  /// σ ~ U[lower, upper], drawn afresh per image per step (the paper: σ ∈ [0, 1]).
  case uniform(lower: Float, upper: Float)
}
