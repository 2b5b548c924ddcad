import Tensors

/// 2 × 2 average pooling with stride 2: `y[n, c, i, j] = ¼ Σ_{a,b ∈ {0,1}} x[n, c, 2i + a, 2j + b]`.
///
/// - Shapes: `N × C × H × W` → `N × C × H/2 × W/2`; `H` and `W` must be even.
/// - Backward: `∂x[n, c, 2i + a, 2j + b] = ¼ ∂y[n, c, i, j]`.
public final class AveragePool2x2: Layer {
  /// The shape of the latest `forward`'s input.
  private var inputShape: ImageBatchShape?

  /// A pooling layer (it has no parameters).
  public init() {}

  /// Averages every 2 × 2 block; `N × C × H × W` → `N × C × H/2 × W/2`, `H` and `W` even.
  public func forward(_ x: Tensor) -> Tensor {
    let s = x.imageBatchShape
    precondition(s.height % 2 == 0 && s.width % 2 == 0, "AveragePool2x2 needs an even height and width, got \(s)")
    inputShape = s
    let h = s.height / 2, w = s.width / 2, width = s.width
    return x.mappingPlanes(toHeight: h, width: w) { input, out in
      for i in 0..<h {
        for j in 0..<w {
          let top = input + 2 * i * width + 2 * j
          out[i * w + j] = 0.25 * (top[0] + top[1] + top[width] + top[width + 1])
        }
      }
    }
  }

  /// Spreads a quarter of each output gradient over its 2 × 2 block; `N × C × H/2 × W/2` → `N × C × H × W`.
  public func backward(_ gradOutput: Tensor) -> Tensor {
    guard let s = inputShape else { preconditionFailure("AveragePool2x2.backward called before forward") }
    let h = s.height / 2, w = s.width / 2, width = s.width
    precondition(gradOutput.shape == [s.count, s.channels, h, w],
                 "AveragePool2x2.backward expects shape \([s.count, s.channels, h, w]), got \(gradOutput.shape)")
    return gradOutput.mappingPlanes(toHeight: s.height, width: width) { g, out in
      for i in 0..<h {
        for j in 0..<w {
          let value = 0.25 * g[i * w + j], top = out + 2 * i * width + 2 * j
          top[0] = value; top[1] = value; top[width] = value; top[width + 1] = value
        }
      }
    }
  }
}
