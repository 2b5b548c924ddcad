import Tensors

/// How the noise level of every training image is chosen at every step.
public enum SigmaSampling: Codable, Equatable, Hashable, Sendable {
  /// One σ for every image (the cheap, non-conditional variant).
  case fixed(Float)
  /// σ ~ U[lower, upper], drawn afresh per image per step (the paper: σ ∈ [0, 1]).
  case uniform(lower: Float, upper: Float)
}

extension SigmaSampling {
  /// One σ for each of `count` images: the fixed value, or `count` uniform draws from
  /// `generator` in order (none for `.fixed`, so the noise that follows does not shift).
  func draw(count: Int, using generator: inout SeededGenerator) -> [Float] {
    switch self {
    case let .fixed(value): return [Float](repeating: value, count: count)
    case let .uniform(lower, upper): return (0..<count).map { _ in lower + (upper - lower) * generator.nextUniform() }
    }
  }
}
