import Tensors

/// Concatenation along the channel axis and its adjoint, the split.
///
/// ```
/// concatenate([a, b]) = [a; b]   (N × (Ca + Cb) × H × W);   backward: ∂a, ∂b = split(∂y)
/// ```
public enum ChannelConcatenation {
  /// `[a; b; …]` along channels; every part is `N × C_k × H × W` with equal `N`, `H`, `W`.
  public static func forward(_ parts: [Tensor]) -> Tensor {
    precondition(!parts.isEmpty, "ChannelConcatenation needs at least one tensor")
    let first = parts[0].imageBatchShape
    for part in parts {
      let s = part.imageBatchShape
      precondition(s.count == first.count && s.height == first.height && s.width == first.width,
                   "ChannelConcatenation: shapes \(parts.map(\.shape)) differ outside the channel axis")
    }
    let channels = parts.reduce(0) { $0 + $1.shape[1] }
    var scalars = [Float]()
    scalars.reserveCapacity(first.count * channels * first.planeSize)
    for n in 0..<first.count {
      for part in parts {
        let size = part.shape[1] * first.planeSize
        scalars += part.scalars[n * size ..< (n + 1) * size]
      }
    }
    return Tensor(shape: [first.count, channels, first.height, first.width], scalars: scalars)
  }

  /// The adjoint of `forward`: splits `gradOutput` into parts of `channels[k]` channels.
  public static func backward(_ gradOutput: Tensor, channels: [Int]) -> [Tensor] {
    let s = gradOutput.imageBatchShape
    precondition(channels.reduce(0, +) == s.channels, "ChannelConcatenation.backward: \(channels) do not add up to \(s)")
    var offset = 0
    return channels.map { count in
      var scalars = [Float]()
      scalars.reserveCapacity(s.count * count * s.planeSize)
      for n in 0..<s.count {
        let start = (n * s.channels + offset) * s.planeSize
        scalars += gradOutput.scalars[start ..< start + count * s.planeSize]
      }
      offset += count
      return Tensor(shape: [s.count, count, s.height, s.width], scalars: scalars)
    }
  }
}

/// A residual connection around `body`: `y = x + body(x)`; backward `∂x = ∂y + body.backward(∂y)`.
///
/// - Shapes: `body` must map `N × C × H × W` to the same shape.
public final class Residual: Layer {
  public let body: any Layer
  public init(_ body: any Layer) { self.body = body }
  public var children: [(name: String, layer: any Layer)] { [("body", body)] }

  public func forward(_ x: Tensor) -> Tensor {
    let y = body.forward(x)
    precondition(y.shape == x.shape, "Residual: the body maps \(x.shape) to \(y.shape)")
    return x + y
  }

  public func backward(_ gradOutput: Tensor) -> Tensor { gradOutput + body.backward(gradOutput) }
}

/// Noise-level conditioning: σ appended as an extra constant input channel.
///
/// ```
/// y[n, 0..<C, :, :] = x[n],   y[n, C, i, j] = σ_n
/// ```
/// - Shapes: `N × C × H × W` and `N` noise levels → `N × (C + 1) × H × W`; the backward pass
///   returns the first `C` channels of the gradient (σ is not differentiated).
public enum NoiseConditioning {
  public static func forward(_ x: Tensor, sigma: [Float]) -> Tensor {
    let s = x.imageBatchShape
    precondition(sigma.count == s.count, "NoiseConditioning: \(sigma.count) noise levels for \(s.count) images")
    let sigmaPlanes = Tensor(shape: [s.count, 1, s.height, s.width], generator: { sigma[$0 / s.planeSize] })
    return ChannelConcatenation.forward([x, sigmaPlanes])
  }

  public static func backward(_ gradOutput: Tensor) -> Tensor {
    let s = gradOutput.imageBatchShape
    return ChannelConcatenation.backward(gradOutput, channels: [s.channels - 1, 1])[0]
  }
}
