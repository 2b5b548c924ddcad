import Tensors

/// What `GroupNorm`, `BatchNorm` and `ChannelLayerNorm` share: the affine parameters and the
/// loops over one row of values that has one mean and one deviation.
///
/// ```
/// forward:   x̂ = (x − μ) · s,   y = γ x̂ + β,                 s = 1/√(σ² + ε)
/// backward:  ∂γ = Σ ∂y ⊙ x̂,   ∂β = Σ ∂y,   g = γ ⊙ ∂y
///            ∂x = s · (g − mean(g) − x̂ · mean(g ⊙ x̂))        means over the normalised set
/// ```
/// The layers differ in which values share a statistic (a group of channels, a channel across
/// the batch, the channels of one pixel) and so in how they reduce; each keeps its own reduction
/// order, and these loops only touch values in the order they are given.
enum AffineNormalization {
  /// `γ` (`"scale"`, ones) and `β` (`"offset"`, zeros) for `channels` channels; neither decays.
  static func parameters(channels: Int) -> (scale: Parameter, offset: Parameter) {
    (Parameter(name: "scale", value: Tensor(repeating: 1, shape: [channels]), decays: false),
     Parameter(name: "offset", value: Tensor(zeros: [channels]), decays: false))
  }

  /// `x̂[p] = (x[p] − mean) · inverseDeviation`, written over `x`, and `y[p] = scale · x̂[p] + offset`,
  /// for `count` values.
  @inline(__always)
  static func normalize(_ x: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
                        mean: Float, inverseDeviation: Float, scale: Float, offset: Float) {
    for p in 0..<count {
      let value = (x[p] - mean) * inverseDeviation
      x[p] = value
      y[p] = scale * value + offset
    }
  }

  /// Replaces `∂y` by `g = scale · ∂y` over `count` values and returns the sums that make the
  /// parameter gradients, `Σ ∂y` (β) and `Σ ∂y · x̂` (γ), accumulated in `Float` in order.
  @inline(__always)
  static func scaleGradient(_ gradient: UnsafeMutablePointer<Float>, normalized: UnsafePointer<Float>, count: Int,
                            scale: Float) -> (sum: Float, sumTimesNormalized: Float) {
    var sum: Float = 0, sumTimesNormalized: Float = 0
    for p in 0..<count {
      let dy = gradient[p]
      sum += dy
      sumTimesNormalized += dy * normalized[p]
      gradient[p] = scale * dy
    }
    return (sum, sumTimesNormalized)
  }

  /// `g[p] ← factor · (g[p] − mean − x̂[p] · projection)` for `count` values: the input gradient,
  /// with `mean = mean(g)`, `projection = mean(g ⊙ x̂)` and `factor = s` (or `γ s` when `g` is
  /// still `∂y`).
  @inline(__always)
  static func removeMeanAndProjection(_ gradient: UnsafeMutablePointer<Float>, normalized: UnsafePointer<Float>,
                                      count: Int, factor: Float, mean: Float, projection: Float) {
    for p in 0..<count { gradient[p] = factor * (gradient[p] - mean - normalized[p] * projection) }
  }

  /// Adds `images × C` partial sums (image-major) to the gradients of `scale` and `offset`,
  /// image after image, so the total does not depend on which thread computed which image.
  static func addPartialGradients(_ partialScale: [Float], _ partialOffset: [Float], images: Int,
                                  scale: Parameter, offset: Parameter) {
    let channels = scale.value.count
    for n in 0..<images {
      for c in 0..<channels {
        scale.gradient.scalars[c] += partialScale[n * channels + c]
        offset.gradient.scalars[c] += partialOffset[n * channels + c]
      }
    }
  }
}
