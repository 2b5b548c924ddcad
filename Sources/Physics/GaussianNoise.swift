import Tensors

/// Additive white Gaussian noise `σ e`, `e` standard Gaussian on every pixel of `y` (masked
/// pixels included), drawn from its own seeded generator.
///
/// Values are drawn in the row-major order of the tensor, so the same `seed` gives the same
/// noise on every machine.
public struct GaussianNoise: Sendable {
  /// The standard deviation, in the units of `[0, 1]` images.
  public let sigma: Float
  /// The seed of the generator; every call starts again from it, so two calls on tensors of
  /// the same size add the same `e`.
  public let seed: UInt64

  /// - Parameters:
  ///   - sigma: `σ ≥ 0` (a precondition); `0` returns its input unchanged.
  ///   - seed: the noise seed (`SeedStreams.testNoise` for the test measurements).
  public init(sigma: Float, seed: UInt64) {
    precondition(sigma >= 0, "sigma must be ≥ 0, got \(sigma)")
    self.sigma = sigma
    self.seed = seed
  }

  /// `z + σ e`.
  public func callAsFunction(_ z: Tensor) -> Tensor {
    guard sigma > 0 else { return z }
    var generator = SeededGenerator(seed: seed)
    return z.map { $0 + sigma * Float(generator.nextGaussian()) }
  }
}

/// The measurements of SPEC.md §2: `y = A x + σ e`.
///
/// - Parameters:
///   - x: clean images, `N × C × H × W` (or `C × H × W`), values in `[0, 1]`.
///   - sigma: the noise level `σ ≥ 0`; `0` gives `A x` exactly.
///   - seed: the noise seed.
/// - Returns: `y`, the same shape as `x`.
public func measure(_ x: Tensor, with forwardOperator: ForwardOperator, sigma: Float, seed: UInt64) -> Tensor {
  GaussianNoise(sigma: sigma, seed: seed)(forwardOperator.apply(x))
}
