import Foundation
import Tensors

/// The pointwise nonlinearities of the networks.
public enum Activation: String, Codable, CaseIterable, Sendable {
  /// `max(0, x)`.
  case relu
  /// The exact (erf) GELU of [Hendrycks & Gimpel 2016](https://arxiv.org/abs/1606.08415),
  /// PyTorch's default: `x · Φ(x) = x · ½(1 + erf(x/√2))`.
  case gelu
  /// SiLU / swish ([Elfwing et al. 2018](https://arxiv.org/abs/1702.03118)): `x · sigmoid(x)`.
  case silu

  /// `f(x)`.
  @inlinable
  public func value(_ x: Float) -> Float {
    switch self {
    case .relu: return Swift.max(0, x)
    case .gelu: return 0.5 * x * (1 + erf(x * 0.707_106_781_186_547_5))
    case .silu: return x / (1 + exp(-x))
    }
  }

  /// `f′(x)`; ReLU's derivative at 0 is taken as 0.
  @inlinable
  public func derivative(_ x: Float) -> Float {
    switch self {
    case .relu: return x > 0 ? 1 : 0
    case .gelu:
      let cdf = 0.5 * (1 + erf(x * 0.707_106_781_186_547_5))
      let density = exp(-0.5 * x * x) * 0.398_942_280_401_432_7
      return cdf + x * density
    case .silu:
      let s = 1 / (1 + exp(-x))
      return s * (1 + x * (1 - s))
    }
  }
}
