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
/// Implemented as im2col and one matrix product per block of images (as many as keep the
/// im2col within `defaultColumnBudget` floats, usually several): with `col` the `(C·K·K) × (B·H·W)`
/// matrix of shifted inputs of the block, `out = W · col` (`W` is `O × C·K·K`); backward is
/// `∂W += ∂out · colᵀ` and `∂col = Wᵀ · ∂out`, scattered back by col2im. Batching the images
/// makes the products large enough to run near the matrix product's peak; the scratch matrices
/// are kept from step to step.
///
/// `3 × 3` kernels from 8 input channels take Winograd's F(2 × 2, 3 × 3) instead
/// (`WinogradConvolution3x3`, 0.44 of the multiply-adds), and `1 × 1` kernels one product per
/// image (`PointwiseConvolution`, no copies), forward and backward, with either padding.
///
/// - Shapes: input `N × C × H × W`, output `N × O × H × W`, weight `O × C × K × K`, bias `O`.
/// - Initialisation: Kaiming/He uniform ([He et al. 2015](https://arxiv.org/abs/1502.01852)),
///   `U(−b, b)` with `b = √(6 / fanIn)`, `fanIn = C·K·K`, for ReLU-like activations; the bias
///   starts at 0.
public final class Convolution2D: Layer {
  /// `C`, the channels of the input.
  public let inputChannels: Int
  /// `O`, the channels of the output.
  public let outputChannels: Int
  /// `K`, odd; the kernel is `K × K` and reaches `r = K/2` pixels each way.
  public let kernelSize: Int
  /// How pixels outside the image are read: wrapped (`circular`) or 0 (`zeros`).
  public let padding: Padding
  /// `O × C × K × K`.
  public let weight: Parameter
  /// `O`, or `nil` for a convolution without bias.
  public let bias: Parameter?

  private var input: Tensor?
  /// `C·K·K × (B·H·W)` im2col of a block of `B` images; in backward, reused for `∂col`.
  private let columns = ScratchBuffer()
  /// A block's product `[B·H·W][O]` or `[O][B·H·W]` in forward, `∂out` as `[O][B·H·W]` in backward.
  private let products = ScratchBuffer()
  /// `∂Wᵀ` (`C·K·K × O`), summed over the blocks, when the product is oriented that way.
  private let weightGradientTransposed = ScratchBuffer()

  /// The most floats the im2col of one block of images may take: large enough that every
  /// product is big (fast), small enough to stay in cache. Depends on nothing but the shape, so
  /// the order of summation — and the result — is the same for every thread count.
  static let defaultColumnBudget = 1 << 21
  /// ``defaultColumnBudget``; tests lower it to exercise several blocks on small inputs.
  var columnBudget = Convolution2D.defaultColumnBudget

  /// The fewest input channels for which a `3 × 3` kernel takes the Winograd path: with 1 or 3
  /// (a network's first layer) its products are too thin and im2col was 2–3× faster
  /// (`lemmse-bench conv`).
  static let winogradMinimumInputChannels = 8

  /// The Winograd path of a `3 × 3` kernel; `nil` (im2col) for other sizes, or when a test asks
  /// for the im2col path.
  var winograd: WinogradConvolution3x3?
  /// The per-image path of a `1 × 1` kernel; `nil` (im2col) when a test or benchmark asks for it.
  var pointwise: PointwiseConvolution?

  /// Whether the products put the output channels along the micro-kernel's 32 vector columns
  /// (`[B·H·W][O]`, padded to a multiple of 32) rather than its 12 broadcast rows
  /// (`[O][B·H·W]`, padded to a multiple of 12): whichever wastes less.
  private var outputChannelsAsColumns: Bool {
    (outputChannels + 31) / 32 * 32 <= (outputChannels + 11) / 12 * 12
  }

  /// `N` images in `blocks` blocks of `imagesPerBlock` (the last may be smaller).
  private func blocking(_ shape: ImageBatchShape) -> (imagesPerBlock: Int, blocks: Int) {
    let most = Swift.max(1, columnBudget / (rowCount * shape.planeSize))
    let blocks = (shape.count + most - 1) / most
    return ((shape.count + blocks - 1) / blocks, blocks)
  }

  /// A convolution with Kaiming-uniform weights and a zero bias.
  ///
  /// - Parameters:
  ///   - kernelSize: Odd, `K ≥ 1`.
  ///   - bias: Whether the output gets a learned bias `b[o]`.
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
    if kernelSize == 1 {
      pointwise = PointwiseConvolution(inputChannels: inputChannels, outputChannels: outputChannels)
    }
    if kernelSize == 3 && inputChannels >= Convolution2D.winogradMinimumInputChannels {
      winograd = WinogradConvolution3x3(inputChannels: inputChannels, outputChannels: outputChannels, padding: padding)
    }
  }

  /// `[weight, bias]`, or `[weight]` without bias.
  public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

  private var rowCount: Int { inputChannels * kernelSize * kernelSize }

  /// The convolution of `x` (`N × C × H × W`) → `N × O × H × W`; keeps `x` for `backward`.
  /// `r = K/2` must be less than `H` and `W`, so that a wrapped index wraps only once.
  public func forward(_ x: Tensor) -> Tensor {
    let shape = x.imageBatchShape
    precondition(shape.channels == inputChannels,
                 "Convolution2D expects \(inputChannels) input channels, got input \(shape)")
    precondition(kernelSize / 2 < shape.height && kernelSize / 2 < shape.width,
                 "Convolution2D kernel \(kernelSize)×\(kernelSize) is wider than the image \(shape.height)×\(shape.width) allows")
    input = x
    if let output = fastForward(x, shape: shape) { return output }
    let plane = shape.planeSize, rows = rowCount, outputChannels = outputChannels
    let (imagesPerBlock, blocks) = blocking(shape)
    let col = columns.reserve(rows * imagesPerBlock * plane)
    let product = products.reserve(outputChannels * imagesPerBlock * plane)
    let asColumns = outputChannelsAsColumns
    let biasValues = bias?.value.scalars ?? [Float](repeating: 0, count: outputChannels)
    var output = Tensor(uninitializedShape: [shape.count, outputChannels, shape.height, shape.width])
    x.withSendablePointer { source in
      output.withMutableSendablePointer { target in
        weight.value.withSendablePointer { w in
          for block in 0..<blocks {
            let first = block * imagesPerBlock, images = Swift.min(imagesPerBlock, shape.count - first)
            let length = images * plane
            im2col(source, shape: shape, first: first, images: images, into: col)
            if asColumns {
              // outᵀ = colᵀ · Wᵀ, [B·H·W][O]
              matrixMultiply(.transposed, .transposed, m: length, n: outputChannels, k: rows, a: col.pointer, lda: length,
                             b: w.pointer, ldb: rows, c: product.pointer, ldc: outputChannels)
            } else {
              // out = W · col, [O][B·H·W]
              matrixMultiply(.none, .none, m: outputChannels, n: length, k: rows, a: w.pointer, lda: rows,
                             b: col.pointer, ldb: length, c: product.pointer, ldc: length)
            }
            Parallel.forEach(images) { image in
              let result = target + (first + image) * outputChannels * plane
              if asColumns {
                let from = product + image * plane * outputChannels
                transposeAddingBias(from: from, rows: plane, columns: outputChannels, bias: biasValues, to: result)
              } else {
                for o in 0..<outputChannels {
                  let from = product + o * length + image * plane, to = result + o * plane, value = biasValues[o]
                  for p in 0..<plane { to[p] = from[p] + value }
                }
              }
            }
          }
        }
      }
    }
    return output
  }

  /// `∂x` (`N × C × H × W`) from `∂out` (`N × O × H × W`); adds `∂W` and `∂b` to the parameters.
  public func backward(_ gradOutput: Tensor) -> Tensor {
    guard let x = input else { preconditionFailure("Convolution2D.backward called before forward") }
    let shape = x.imageBatchShape
    precondition(gradOutput.shape == [shape.count, outputChannels, shape.height, shape.width],
                 "Convolution2D.backward expects gradient shape \([shape.count, outputChannels, shape.height, shape.width]), got \(gradOutput.shape)")
    if let gradInput = fastBackward(x, shape: shape, gradOutput: gradOutput) { return gradInput }
    let plane = shape.planeSize, rows = rowCount, outputChannels = outputChannels
    let (imagesPerBlock, blocks) = blocking(shape)
    let col = columns.reserve(rows * imagesPerBlock * plane)
    let gradient = products.reserve(outputChannels * imagesPerBlock * plane)
    let asColumns = outputChannelsAsColumns
    let gradWT = weightGradientTransposed.reserve(asColumns ? rows * outputChannels : 0)
    var gradInput = Tensor(zeros: x.shape)
    x.withSendablePointer { source in
      gradOutput.withSendablePointer { gradOut in
        gradInput.withMutableSendablePointer { gradIn in
          weight.value.withSendablePointer { w in
            weight.gradient.withMutableSendablePointer { gw in
              for block in 0..<blocks {
                let first = block * imagesPerBlock, images = Swift.min(imagesPerBlock, shape.count - first)
                let length = images * plane
                // ∂out of the block as [O][B·H·W].
                Parallel.forEach(images) { image in
                  let from = gradOut + (first + image) * outputChannels * plane
                  for o in 0..<outputChannels {
                    (gradient + o * length + image * plane).update(from: from + o * plane, count: plane)
                  }
                }
                im2col(source, shape: shape, first: first, images: images, into: col)
                if asColumns {
                  // ∂Wᵀ (+)= col · ∂outᵀ
                  matrixMultiply(.none, .transposed, m: rows, n: outputChannels, k: length, a: col.pointer, lda: length,
                                 b: gradient.pointer, ldb: length, beta: block == 0 ? 0 : 1, c: gradWT.pointer, ldc: outputChannels)
                } else {
                  // ∂W += ∂out · colᵀ
                  matrixMultiply(.none, .transposed, m: outputChannels, n: rows, k: length, a: gradient.pointer, lda: length,
                                 b: col.pointer, ldb: length, beta: 1, c: gw.pointer, ldc: rows)
                }
                // ∂col = Wᵀ · ∂out, over the columns (no longer needed).
                matrixMultiply(.transposed, .none, m: rows, n: length, k: outputChannels, a: w.pointer, lda: rows,
                               b: gradient.pointer, ldb: length, c: col.pointer, ldc: length)
                col2im(col, shape: shape, first: first, images: images, into: gradIn)
              }
              if asColumns {
                for o in 0..<outputChannels {
                  for r in 0..<rows { gw[o * rows + r] += gradWT[r * outputChannels + o] }
                }
              }
            }
          }
        }
      }
    }
    if let bias { addBiasGradient(gradOutput, to: bias) }
    return gradInput
  }

  /// `∂b[o] += Σ_n Σ_p ∂out[n, o, p]`: each image's plane summed in `Float` (16 lanes, then the
  /// lanes), then the images in order.
  func addBiasGradient(_ gradOutput: Tensor, to bias: Parameter) {
    let shape = gradOutput.imageBatchShape, plane = shape.planeSize, count = shape.count, outputChannels = outputChannels
    gradOutput.withSendablePointer { gradOut in
      bias.gradient.withMutableSendablePointer { gb in
        Parallel.forEach(outputChannels) { o in
          var total: Float = 0
          for n in 0..<count {
            let row = gradOut + (n * outputChannels + o) * plane
            var lanes = SIMD16<Float>()
            var p = 0
            while p + 16 <= plane {
              lanes += UnsafeRawPointer(row + p).loadUnaligned(as: SIMD16<Float>.self)
              p += 16
            }
            var partial = lanes.sum()
            while p < plane {
              partial += row[p]
              p += 1
            }
            total += partial
          }
          gb[o] += total
        }
      }
    }
  }
}
