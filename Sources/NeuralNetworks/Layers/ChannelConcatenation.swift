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
