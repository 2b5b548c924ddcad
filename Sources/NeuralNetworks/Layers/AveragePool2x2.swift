import Tensors

/// 2 × 2 average pooling with stride 2: `y[n, c, i, j] = ¼ Σ_{a,b ∈ {0,1}} x[n, c, 2i + a, 2j + b]`.
///
/// - Shapes: `N × C × H × W` → `N × C × H/2 × W/2`; `H` and `W` must be even.
/// - Backward: `∂x[n, c, 2i + a, 2j + b] = ¼ ∂y[n, c, i, j]`.
public final class AveragePool2x2: Layer {
  private var inputShape: [Int]?
  public init() {}

  public func forward(_ x: Tensor) -> Tensor {
    let s = x.imageBatchShape
    precondition(s.height % 2 == 0 && s.width % 2 == 0, "AveragePool2x2 needs an even height and width, got \(s)")
    inputShape = x.shape
    let h = s.height / 2, w = s.width / 2
    var output = Tensor(zeros: [s.count, s.channels, h, w])
    x.withSendablePointer { source in
      output.withMutableSendablePointer { target in
        Parallel.forEach(s.count * s.channels) { plane in
          let input = source + plane * s.planeSize, out = target + plane * h * w
          for i in 0..<h {
            for j in 0..<w {
              let top = input + 2 * i * s.width + 2 * j
              out[i * w + j] = 0.25 * (top[0] + top[1] + top[s.width] + top[s.width + 1])
            }
          }
        }
      }
    }
    return output
  }

  public func backward(_ gradOutput: Tensor) -> Tensor {
    guard let shape = inputShape else { preconditionFailure("AveragePool2x2.backward called before forward") }
    let s = ImageBatchShape(count: shape[0], channels: shape[1], height: shape[2], width: shape[3])
    let h = s.height / 2, w = s.width / 2
    precondition(gradOutput.shape == [s.count, s.channels, h, w],
                 "AveragePool2x2.backward expects shape \([s.count, s.channels, h, w]), got \(gradOutput.shape)")
    var gradInput = Tensor(zeros: shape)
    gradOutput.withSendablePointer { source in
      gradInput.withMutableSendablePointer { target in
        Parallel.forEach(s.count * s.channels) { plane in
          let g = source + plane * h * w, out = target + plane * s.planeSize
          for i in 0..<h {
            for j in 0..<w {
              let value = 0.25 * g[i * w + j], top = out + 2 * i * s.width + 2 * j
              top[0] = value; top[1] = value; top[s.width] = value; top[s.width + 1] = value
            }
          }
        }
      }
    }
    return gradInput
  }
}
