import Tensors

/// Nearest-neighbour 2× up-sampling: `y[n, c, i, j] = x[n, c, ⌊i/2⌋, ⌊j/2⌋]`.
///
/// - Shapes: `N × C × H × W` → `N × C × 2H × 2W`.
/// - Backward: `∂x[n, c, i, j] = Σ_{a,b ∈ {0,1}} ∂y[n, c, 2i + a, 2j + b]`, the adjoint of the
///   copy (not the transpose of `AveragePool2x2`, which would carry a factor ¼).
public final class NearestUpsample2x: Layer {
  /// The shape of the latest `forward`'s input.
  private var inputShape: ImageBatchShape?

  /// An up-sampling layer (it has no parameters).
  public init() {}

  /// Repeats every pixel in a 2 × 2 block; `N × C × H × W` → `N × C × 2H × 2W`.
  public func forward(_ x: Tensor) -> Tensor {
    let s = x.imageBatchShape
    inputShape = s
    let h = 2 * s.height, w = 2 * s.width, width = s.width
    return x.mappingPlanes(toHeight: h, width: w) { input, out in
      for i in 0..<h { for j in 0..<w { out[i * w + j] = input[(i / 2) * width + j / 2] } }
    }
  }

  /// Sums the gradient over every 2 × 2 block; `N × C × 2H × 2W` → `N × C × H × W`.
  public func backward(_ gradOutput: Tensor) -> Tensor {
    guard let s = inputShape else { preconditionFailure("NearestUpsample2x.backward called before forward") }
    let h = 2 * s.height, w = 2 * s.width, height = s.height, width = s.width
    precondition(gradOutput.shape == [s.count, s.channels, h, w],
                 "NearestUpsample2x.backward expects shape \([s.count, s.channels, h, w]), got \(gradOutput.shape)")
    return gradOutput.mappingPlanes(toHeight: height, width: width) { g, out in
      for i in 0..<height {
        for j in 0..<width {
          let top = g + 2 * i * w + 2 * j
          out[i * width + j] = top[0] + top[1] + top[w] + top[w + 1]
        }
      }
    }
  }
}
