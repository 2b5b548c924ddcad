import Tensors

/// A 2-D convolution (a cross-correlation, as in PyTorch's `Conv2d`) with an odd square kernel,
/// stride 1, "same" output size, and `circular` or `zeros` padding.
///
/// ```
/// out[n, o, i, j] = bias[o] + Σ_{c, a, b} weight[o, c, a, b] · x[n, c, i + a − r, j + b − r],   r = K / 2
/// ```
/// Out-of-image indices wrap around (`circular`, exactly translation-equivariant) or read 0 (`zeros`).
/// A `1 × 1` kernel is a per-pixel linear map.
///
/// Implemented as im2col and a matrix product per image: with `col` the `(C·K·K) × (H·W)`
/// matrix of shifted inputs, `out_n = W · col_n` (`W` is `O × C·K·K`); backward is
/// `∂W += ∂out_n · col_nᵀ` and `∂col_n = Wᵀ · ∂out_n`, scattered back by col2im.
///
/// - Shapes: input `N × C × H × W`, output `N × O × H × W`, weight `O × C × K × K`, bias `O`.
/// - Initialisation: Kaiming/He uniform ([He et al. 2015](https://arxiv.org/abs/1502.01852)),
///   `U(−b, b)` with `b = √(6 / fanIn)`, `fanIn = C·K·K`, for ReLU-like activations; the bias
///   starts at 0.
public final class Convolution2D: Layer {
  public let inputChannels: Int
  public let outputChannels: Int
  public let kernelSize: Int
  public let padding: Padding
  /// `O × C × K × K`.
  public let weight: Parameter
  /// `O`, or `nil` for a convolution without bias.
  public let bias: Parameter?

  private var input: Tensor?
  private var columns: [Float] = []
  private var columnGradient: [Float] = []

  /// - Parameters:
  ///   - kernelSize: Odd, `K ≥ 1`.
  ///   - generator: Draws the Kaiming-uniform weights.
  public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, padding: Padding = .circular,
              bias: Bool = true, generator: inout SeededGenerator) {
    precondition(inputChannels > 0 && outputChannels > 0,
                 "Convolution2D needs positive channel counts, got \(inputChannels) → \(outputChannels)")
    precondition(kernelSize > 0 && kernelSize % 2 == 1, "Convolution2D kernel size must be odd and positive, got \(kernelSize)")
    self.inputChannels = inputChannels
    self.outputChannels = outputChannels
    self.kernelSize = kernelSize
    self.padding = padding
    let fanIn = inputChannels * kernelSize * kernelSize
    let bound = Float((6.0 / Double(fanIn)).squareRoot())
    let shape = [outputChannels, inputChannels, kernelSize, kernelSize]
    weight = Parameter(name: "weight", value: Tensor(shape: shape, generator: { _ in (2 * generator.nextUniform() - 1) * bound }),
                       decays: true)
    self.bias = bias ? Parameter(name: "bias", value: Tensor(zeros: [outputChannels]), decays: false) : nil
  }

  public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

  private var rowCount: Int { inputChannels * kernelSize * kernelSize }

  public func forward(_ x: Tensor) -> Tensor {
    let shape = x.imageBatchShape
    precondition(shape.channels == inputChannels,
                 "Convolution2D expects \(inputChannels) input channels, got input \(shape)")
    precondition(kernelSize / 2 < shape.height && kernelSize / 2 < shape.width,
                 "Convolution2D kernel \(kernelSize)×\(kernelSize) is wider than the image \(shape.height)×\(shape.width) allows")
    input = x
    let plane = shape.planeSize, rows = rowCount
    var output = Tensor(zeros: [shape.count, outputChannels, shape.height, shape.width])
    if kernelSize > 1 && columns.count != rows * plane { columns = [Float](repeating: 0, count: rows * plane) }
    x.withSendablePointer { source in
      output.withMutableSendablePointer { target in
        weight.value.withSendablePointer { w in
          for n in 0..<shape.count {
            let image = source + n * shape.imageSize
            let result = target + n * outputChannels * plane
            if kernelSize == 1 {
              matrixMultiply(.none, .none, m: outputChannels, n: plane, k: rows, a: w.pointer, lda: rows,
                             b: image, ldb: plane, c: result, ldc: plane)
            } else {
              columns.withUnsafeMutableBufferPointer { col in
                im2col(image, shape: shape, into: SendablePointer(col.baseAddress!))
                matrixMultiply(.none, .none, m: outputChannels, n: plane, k: rows, a: w.pointer, lda: rows,
                               b: col.baseAddress!, ldb: plane, c: result, ldc: plane)
              }
            }
          }
          if let bias {
            bias.value.withSendablePointer { b in
              let outputChannels = outputChannels
              Parallel.forEach(shape.count) { n in
                for o in 0..<outputChannels {
                  let row = target + (n * outputChannels + o) * plane
                  let value = b[o]
                  for p in 0..<plane { row[p] += value }
                }
              }
            }
          }
        }
      }
    }
    return output
  }

  public func backward(_ gradOutput: Tensor) -> Tensor {
    guard let x = input else { preconditionFailure("Convolution2D.backward called before forward") }
    let shape = x.imageBatchShape
    precondition(gradOutput.shape == [shape.count, outputChannels, shape.height, shape.width],
                 "Convolution2D.backward expects gradient shape \([shape.count, outputChannels, shape.height, shape.width]), got \(gradOutput.shape)")
    let plane = shape.planeSize, rows = rowCount
    var gradInput = Tensor(zeros: x.shape)
    if kernelSize > 1 {
      if columns.count != rows * plane { columns = [Float](repeating: 0, count: rows * plane) }
      if columnGradient.count != rows * plane { columnGradient = [Float](repeating: 0, count: rows * plane) }
    }
    x.withSendablePointer { source in
      gradOutput.withSendablePointer { gradOut in
        gradInput.withMutableSendablePointer { gradIn in
          weight.value.withSendablePointer { w in
            weight.gradient.withMutableSendablePointer { gw in
              for n in 0..<shape.count {
                let image = source + n * shape.imageSize
                let g = gradOut + n * outputChannels * plane
                let gi = gradIn + n * shape.imageSize
                if kernelSize == 1 {
                  matrixMultiply(.none, .transposed, m: outputChannels, n: rows, k: plane, a: g, lda: plane,
                                 b: image, ldb: plane, beta: 1, c: gw.pointer, ldc: rows)
                  matrixMultiply(.transposed, .none, m: rows, n: plane, k: outputChannels, a: w.pointer, lda: rows,
                                 b: g, ldb: plane, c: gi, ldc: plane)
                } else {
                  columns.withUnsafeMutableBufferPointer { col in
                    columnGradient.withUnsafeMutableBufferPointer { colGrad in
                      im2col(image, shape: shape, into: SendablePointer(col.baseAddress!))
                      matrixMultiply(.none, .transposed, m: outputChannels, n: rows, k: plane, a: g, lda: plane,
                                     b: col.baseAddress!, ldb: plane, beta: 1, c: gw.pointer, ldc: rows)
                      matrixMultiply(.transposed, .none, m: rows, n: plane, k: outputChannels, a: w.pointer, lda: rows,
                                     b: g, ldb: plane, c: colGrad.baseAddress!, ldc: plane)
                      col2im(SendablePointer(colGrad.baseAddress!), shape: shape, into: SendablePointer(gi))
                    }
                  }
                }
              }
            }
          }
        }
        if let bias {
          let count = shape.count, outputChannels = outputChannels
          bias.gradient.withMutableSendablePointer { gb in
            Parallel.forEach(outputChannels) { o in
              var total: Float = 0
              for n in 0..<count {
                let row = gradOut + (n * outputChannels + o) * plane
                var partial: Float = 0
                for p in 0..<plane { partial += row[p] }
                total += partial
              }
              gb[o] += total
            }
          }
        }
      }
    }
    return gradInput
  }

  /// `col[(c·K + a)·K + b, i·W + j] = x[c, i + a − r, j + b − r]` (wrapped or 0) for one image.
  private func im2col(_ image: UnsafeMutablePointer<Float>, shape: ImageBatchShape, into col: SendablePointer<Float>) {
    let image = SendablePointer(image)
    let k = kernelSize, r = kernelSize / 2, height = shape.height, width = shape.width, circular = padding == .circular
    Parallel.forEach(inputChannels) { c in
      let channel = image + c * height * width
      for a in 0..<k {
        for b in 0..<k {
          let row = col + ((c * k + a) * k + b) * height * width
          let dj = b - r
          for i in 0..<height {
            var si = i + a - r
            let target = row + i * width
            if si < 0 || si >= height {
              if !circular {
                target.update(repeating: 0, count: width)
                continue
              }
              si = (si + height) % height
            }
            let source = channel + si * width
            // Columns j with 0 ≤ j + dj < width are contiguous; the rest wrap or are 0.
            let lower = Swift.max(0, -dj), upper = Swift.min(width, width - dj)
            for j in 0..<lower { target[j] = circular ? source[j + dj + width] : 0 }
            if upper > lower { (target + lower).update(from: source + lower + dj, count: upper - lower) }
            for j in Swift.max(upper, lower)..<width { target[j] = circular ? source[j + dj - width] : 0 }
          }
        }
      }
    }
  }

  /// The adjoint of `im2col`: `gradImage[c, i + a − r, j + b − r] += col[(c·K + a)·K + b, i·W + j]`.
  private func col2im(_ col: SendablePointer<Float>, shape: ImageBatchShape, into gradImage: SendablePointer<Float>) {
    let k = kernelSize, r = kernelSize / 2, height = shape.height, width = shape.width, circular = padding == .circular
    Parallel.forEach(inputChannels) { c in
      let channel = gradImage + c * height * width
      for a in 0..<k {
        for b in 0..<k {
          let row = col + ((c * k + a) * k + b) * height * width
          let dj = b - r
          for i in 0..<height {
            var si = i + a - r
            if si < 0 || si >= height {
              if !circular { continue }
              si = (si + height) % height
            }
            let source = row + i * width
            let target = channel + si * width
            let lower = Swift.max(0, -dj), upper = Swift.min(width, width - dj)
            if circular { for j in 0..<lower { target[j + dj + width] += source[j] } }
            if upper > lower { for j in lower..<upper { target[j + dj] += source[j] } }
            if circular { for j in Swift.max(upper, lower)..<width { target[j + dj - width] += source[j] } }
          }
        }
      }
    }
  }
}
