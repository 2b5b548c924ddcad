import Foundation
import Tensors

/// What an estimator sees: the input image `u = B y` (SPEC.md §3).
///
/// | case | `u` | `B` |
/// | --- | --- | --- |
/// | `agnostic` | `y` | `I` — knows nothing of `A` |
/// | `adjoint` | `Aᵀ y` | `Aᵀ` |
/// | `wiener(λ)` | `(AᵀA + λI)⁻¹ Aᵀ y` | exact: FFT for deconvolution, `M/(1+λ)` for inpainting |
/// | `inverse(ε)` | `𝓕⁻¹(𝓕y / (𝓕k + ε))` | the regularised inverse filter (deconvolution, and denoising with `k = δ`) |
///
/// Given a clean `x`, `u` is Gaussian with mean `B A x` and covariance `σ² B Bᵀ`;
/// `noiseStructure` describes `B Bᵀ`.
public enum EstimatorInput: Equatable, Hashable, Sendable, CustomStringConvertible {
  /// `u = y`: the estimator knows nothing of `A`.
  case agnostic
  /// `u = Aᵀ y` (for inpainting `M ⊙ y`, the paper's physics-aware inpainting input).
  case adjoint
  /// `u = (AᵀA + λI)⁻¹ Aᵀ y`, computed exactly; `λ` in `regularisationRange`.
  case wiener(lambda: Double)
  /// `u = 𝓕⁻¹(𝓕y / (𝓕k + ε))`, the regularised inverse filter (`y / (1 + ε)` for denoising;
  /// refused for inpainting); the paper's physics-aware deconvolution networks use `ε = 1e-7`.
  case inverse(epsilon: Double)

  /// Parses `agnostic`, `adjoint`, `wiener:λ` or `inverse:ε` (the kind is case-insensitive),
  /// the inverse of `description`.
  /// - Throws: `PhysicsError.invalidSpecification` for another kind, or a `λ`/`ε` that is not a
  ///   number in `regularisationRange`.
  public init(parsing text: String) throws {
    let (kind, argument) = splitSpecification(text)
    switch kind {
    case "agnostic" where argument.isEmpty: self = .agnostic
    case "adjoint" where argument.isEmpty: self = .adjoint
    case "wiener":
      guard let lambda = Double(argument), Self.regularisationRange.contains(lambda) else {
        throw PhysicsError.invalidSpecification("input '\(text)': expected wiener:λ with λ in [1e-12, 1000], e.g. wiener:0.01")
      }
      self = .wiener(lambda: lambda)
    case "inverse":
      guard let epsilon = Double(argument), Self.regularisationRange.contains(epsilon) else {
        throw PhysicsError.invalidSpecification("input '\(text)': expected inverse:ε with ε in [1e-12, 1000], e.g. inverse:1e-7")
      }
      self = .inverse(epsilon: epsilon)
    default:
      throw PhysicsError.invalidSpecification("input '\(text)': expected agnostic, adjoint, wiener:λ or inverse:ε")
    }
  }

  /// The accepted λ and ε: below `1e-12` the inverse of a kernel's zeros overflows `Float`.
  public static let regularisationRange: ClosedRange<Double> = 1e-12 ... 1e3

  public var description: String {
    switch self {
    case .agnostic: return "agnostic"
    case .adjoint: return "adjoint"
    case let .wiener(lambda): return "wiener:\(lambda)"
    case let .inverse(epsilon): return "inverse:\(epsilon)"
    }
  }

  /// Whether the input uses the physics (`B ≠ I`).
  public var isPhysicsAware: Bool { self != .agnostic }

  /// Checks that the input fits the operator: every input fits every operator except
  /// `inverse:ε` with inpainting (a mask has no inverse filter).
  /// - Throws: `PhysicsError.inputDoesNotFitOperator` for `inverse:ε` with inpainting.
  public func validate(for forwardOperator: ForwardOperator) throws {
    if case .inverse = self, case .inpainting = forwardOperator {
      throw PhysicsError.inputDoesNotFitOperator(input: description, operator: forwardOperator.name)
    }
  }

  /// `u = B y` for measurements `y` (`N × C × H × W` or `C × H × W`); same shape as `y`.
  /// - Throws: `PhysicsError.inputDoesNotFitOperator` as `validate(for:)`.
  public func map(_ y: Tensor, for forwardOperator: ForwardOperator) throws -> Tensor {
    try validate(for: forwardOperator)
    switch (self, forwardOperator) {
    case (.agnostic, _):
      return y
    case (.adjoint, _):
      return forwardOperator.adjoint(y)
    case let (.wiener(lambda), .denoising):
      return y * Float(1 / (1 + lambda))
    case let (.inverse(epsilon), .denoising):
      return y * Float(1 / (1 + epsilon))
    case let (.wiener(lambda), .inpainting(inpainting)):
      return inpainting.apply(y) * Float(1 / (1 + lambda))
    case (.inverse, .inpainting):
      preconditionFailure("validated above")
    case let (.wiener(lambda), .deconvolution(deconvolution)):
      return Self.filter(y, deconvolution) { kr, ki in
        // conj(k̂) / (|k̂|² + λ)
        let denominator = kr * kr + ki * ki + lambda
        return (kr / denominator, -ki / denominator)
      }
    case let (.inverse(epsilon), .deconvolution(deconvolution)):
      return Self.filter(y, deconvolution) { kr, ki in
        // 1 / (k̂ + ε)
        let real = kr + epsilon
        let denominator = real * real + ki * ki
        return (real / denominator, -ki / denominator)
      }
    }
  }

  /// The structure of `B Bᵀ`, so that the covariance of `u` given `x` is `σ² B Bᵀ`.
  ///
  /// Denoising and `agnostic` give a scaled identity, inpainting a diagonal (the mask, over
  /// `(1 + λ)²` for `wiener:λ`), deconvolution a circulant whose spectrum is `|k̂|²`
  /// (`adjoint`), `|k̂|² / (|k̂|² + λ)²` (`wiener:λ`) or `1 / |k̂ + ε|²` (`inverse:ε`).
  /// - Throws: `PhysicsError.inputDoesNotFitOperator` as `validate(for:)`.
  public func noiseStructure(for forwardOperator: ForwardOperator, height: Int, width: Int) throws -> InputNoiseStructure {
    try validate(for: forwardOperator)
    switch (self, forwardOperator) {
    case (.agnostic, _), (.adjoint, .denoising):
      return .scaledIdentity(1)
    case let (.wiener(lambda), .denoising):
      return .scaledIdentity(1 / ((1 + lambda) * (1 + lambda)))
    case let (.inverse(epsilon), .denoising):
      return .scaledIdentity(1 / ((1 + epsilon) * (1 + epsilon)))
    case let (.adjoint, .inpainting(inpainting)):
      return .diagonal(inpainting.mask.scalars.map(Double.init))
    case let (.wiener(lambda), .inpainting(inpainting)):
      return .diagonal(inpainting.mask.scalars.map { Double($0) / ((1 + lambda) * (1 + lambda)) })
    case (.inverse, .inpainting):
      preconditionFailure("validated above")
    case let (_, .deconvolution(deconvolution)):
      let transfer = deconvolution.transferFunction(height: height, width: width)
      let power: [Double] = transfer.real.indices.map { index in
        let kr = transfer.real[index], ki = transfer.imaginary[index]
        let squared = kr * kr + ki * ki
        switch self {
        case .adjoint: return squared
        case let .wiener(lambda): return squared / ((squared + lambda) * (squared + lambda))
        case let .inverse(epsilon): return 1 / ((kr + epsilon) * (kr + epsilon) + ki * ki)
        case .agnostic: preconditionFailure("handled above")
        }
      }
      let fft = FFT2D(height: height, width: width)
      let autocorrelation = fft.inverseReal(ComplexPlane(height: height, width: width, real: power,
                                                         imaginary: .init(repeating: 0, count: power.count)))
      return .circulant(autocorrelation: autocorrelation, height: height, width: width)
    }
  }

  /// Applies the Fourier multiplier `gain(Re k̂, Im k̂)` to every plane.
  private static func filter(_ y: Tensor, _ deconvolution: Deconvolution,
                             gain: (Double, Double) -> (Double, Double)) -> Tensor {
    let height = y.shape[y.rank - 2], width = y.shape[y.rank - 1]
    let transfer = deconvolution.transferFunction(height: height, width: width)
    var multiplier = ComplexPlane(height: height, width: width)
    for index in transfer.real.indices {
      (multiplier.real[index], multiplier.imaginary[index]) = gain(transfer.real[index], transfer.imaginary[index])
    }
    let fft = FFT2D(height: height, width: width)
    return y.mapPlanes { source, target in
      let values = fft.inverseReal(fft.forward(source).multiplied(by: multiplier))
      for index in target.indices { target[index] = Float(values[index]) }
    }
  }
}

/// The structure of `B Bᵀ` for an estimator input; the covariance of `u` is `σ² B Bᵀ`,
/// the same for every channel and independent across channels.
public enum InputNoiseStructure: Equatable, Sendable {
  /// `B Bᵀ = s · I`.
  case scaledIdentity(Double)
  /// `B Bᵀ = diag(v)` with `v` an `H × W` map, row-major (0 = noise-free pixel).
  case diagonal([Double])
  /// `B Bᵀ` circulant: `(B Bᵀ)[p, q] = autocorrelation[(p − q) mod (H, W)]`, row-major `H × W`.
  case circulant(autocorrelation: [Double], height: Int, width: Int)
}
