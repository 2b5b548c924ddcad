import Tensors

/// Nearest-neighbour 2× up-sampling: `y[n, c, i, j] = x[n, c, ⌊i/2⌋, ⌊j/2⌋]`.
///
/// - Shapes: `N × C × H × W` → `N × C × 2H × 2W`.
/// - Backward: `∂x[n, c, i, j] = Σ_{a,b ∈ {0,1}} ∂y[n, c, 2i + a, 2j + b]`.
public final class NearestUpsample2x: Layer {
  private var inputShape: [Int]?
  public init() {}

  public func forward(_ x: Tensor) -> Tensor {
    let s = x.imageBatchShape
    inputShape = x.shape
    let h = 2 * s.height, w = 2 * s.width
    var output = Tensor(zeros: [s.count, s.channels, h, w])
    x.withSendablePointer { source in
      output.withMutableSendablePointer { target in
        Parallel.forEach(s.count * s.channels) { plane in
          let input = source + plane * s.planeSize, out = target + plane * h * w
          for i in 0..<h { for j in 0..<w { out[i * w + j] = input[(i / 2) * s.width + j / 2] } }
        }
      }
    }
    return output
  }

  public func backward(_ gradOutput: Tensor) -> Tensor {
    guard let shape = inputShape else { preconditionFailure("NearestUpsample2x.backward called before forward") }
    let s = ImageBatchShape(count: shape[0], channels: shape[1], height: shape[2], width: shape[3])
    let h = 2 * s.height, w = 2 * s.width
    precondition(gradOutput.shape == [s.count, s.channels, h, w],
                 "NearestUpsample2x.backward expects shape \([s.count, s.channels, h, w]), got \(gradOutput.shape)")
    var gradInput = Tensor(zeros: shape)
    gradOutput.withSendablePointer { source in
      gradInput.withMutableSendablePointer { target in
        Parallel.forEach(s.count * s.channels) { plane in
          let g = source + plane * h * w, out = target + plane * s.planeSize
          for i in 0..<s.height {
            for j in 0..<s.width {
              let top = g + 2 * i * w + 2 * j
              out[i * s.width + j] = top[0] + top[1] + top[w] + top[w + 1]
            }
          }
        }
      }
    }
    return gradInput
  }
}
