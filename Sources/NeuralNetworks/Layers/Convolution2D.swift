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
/// `3 × 3` kernels take Winograd's F(2 × 2, 3 × 3) instead (`WinogradConvolution3x3`, 0.44 of
/// the multiply-adds), forward and backward, with either padding.
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

  /// Whether a `3 × 3` kernel runs as Winograd F(2 × 2, 3 × 3) (the default) or as im2col and
  /// one matrix product; for the benchmarks' side-by-side measurement.
  @_spi(Benchmarks) public var usesWinograd: Bool {
    get { winograd != nil }
    set {
      winograd = newValue && kernelSize == 3
        ? WinogradConvolution3x3(inputChannels: inputChannels, outputChannels: outputChannels, padding: padding) : nil
    }
  }

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
    if let winograd {
      let biasValues = bias?.value.scalars ?? [Float](repeating: 0, count: outputChannels)
      var output = Tensor(uninitializedShape: [shape.count, outputChannels, shape.height, shape.width])
      x.withSendablePointer { source in
        output.withMutableSendablePointer { target in
          weight.value.withSendablePointer { w in
            winograd.forward(source, shape: shape, weight: w, bias: biasValues, into: target)
          }
        }
      }
      return output
    }
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
    if let winograd {
      var gradInput = Tensor(uninitializedShape: x.shape)
      x.withSendablePointer { source in
        gradOutput.withSendablePointer { gradOut in
          gradInput.withMutableSendablePointer { gradIn in
            weight.gradient.withMutableSendablePointer { gw in
              winograd.backward(source, shape: shape, gradOutput: gradOut, weightGradient: gw, into: gradIn)
            }
          }
        }
      }
      if let bias { addBiasGradient(gradOutput, to: bias) }
      return gradInput
    }
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
  private func addBiasGradient(_ gradOutput: Tensor, to bias: Parameter) {
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

  /// `col[(c·K + a)·K + b, m·H·W + i·W + j] = x[first + m, c, i + a − r, j + b − r]` (wrapped or 0)
  /// for the `images` images from `first`; `col` has `B·H·W` columns, `B = images`.
  ///
  /// Each row of `col` is, for one image, the plane shifted by `(a − r, b − r)`: in flat indices
  /// one contiguous copy covers every pixel whose source is inside the image (the pixels where
  /// `j + b − r` leaves the row are overwritten after), so a row costs one `memmove` and a fix-up
  /// of `|b − r|` pixels per image row instead of a call per image row.
  private func im2col(_ source: SendablePointer<Float>, shape: ImageBatchShape, first: Int, images: Int,
                      into col: SendablePointer<Float>) {
    let k = kernelSize, r = kernelSize / 2, height = shape.height, width = shape.width, circular = padding == .circular
    let channels = inputChannels, plane = shape.planeSize, length = images * plane
    Parallel.forEach(images * channels) { piece in
      let image = piece / channels, c = piece % channels
      let channel = source + ((first + image) * channels + c) * plane
      for a in 0..<k {
        for b in 0..<k {
          let target = col + ((c * k + a) * k + b) * length + image * plane
          let di = a - r, dj = b - r
          // Rows whose source row is inside the image, and columns whose source column is.
          let iLower = Swift.max(0, -di), iUpper = Swift.min(height, height - di)
          let lower = Swift.max(0, -dj), upper = Swift.min(width, width - dj)
          if iUpper > iLower {
            let start = iLower * width + lower, end = (iUpper - 1) * width + upper
            (target + start).update(from: channel + start + di * width + dj, count: end - start)
            if dj != 0 {
              for i in iLower..<iUpper {
                let row = target + i * width, sourceRow = channel + (i + di) * width
                for j in 0..<lower { row[j] = circular ? sourceRow[j + dj + width] : 0 }
                for j in upper..<width { row[j] = circular ? sourceRow[j + dj - width] : 0 }
              }
            }
          }
          // Rows whose source row is outside: wrapped or 0.
          for i in 0..<height where i < iLower || i >= iUpper {
            let row = target + i * width
            if !circular {
              row.update(repeating: 0, count: width)
              continue
            }
            let sourceRow = channel + ((i + di + height) % height) * width
            for j in 0..<lower { row[j] = sourceRow[j + dj + width] }
            if upper > lower { (row + lower).update(from: sourceRow + lower + dj, count: upper - lower) }
            for j in Swift.max(upper, lower)..<width { row[j] = sourceRow[j + dj - width] }
          }
        }
      }
    }
  }

  /// The adjoint of `im2col`: `gradImage[first + m, c, i + a − r, j + b − r] += col[(c·K + a)·K + b, m·H·W + i·W + j]`.
  ///
  /// Overwrites `col` (scratch by then). Like `im2col`, each row of `col` is added to the shifted
  /// plane with one flat loop: the entries whose target wraps around a row (or is outside, for
  /// zero padding) are added where they belong first and then set to 0, so the flat loop adds
  /// exactly 0 there; every pixel still receives its terms in the order `(a, b)`.
  private func col2im(_ col: SendablePointer<Float>, shape: ImageBatchShape, first: Int, images: Int,
                      into gradImage: SendablePointer<Float>) {
    let k = kernelSize, r = kernelSize / 2, height = shape.height, width = shape.width, circular = padding == .circular
    let channels = inputChannels, plane = shape.planeSize, length = images * plane
    Parallel.forEach(images * channels) { piece in
      let image = piece / channels, c = piece % channels
      let channel = gradImage + ((first + image) * channels + c) * plane
      for a in 0..<k {
        for b in 0..<k {
          let source = col + ((c * k + a) * k + b) * length + image * plane
          let di = a - r, dj = b - r
          let iLower = Swift.max(0, -di), iUpper = Swift.min(height, height - di)
          let lower = Swift.max(0, -dj), upper = Swift.min(width, width - dj)
          for i in 0..<height where i < iLower || i >= iUpper {
            if !circular { continue }
            let row = source + i * width
            let target = channel + ((i + di + height) % height) * width
            for j in 0..<lower { target[j + dj + width] += row[j] }
            for j in lower..<Swift.max(lower, upper) { target[j + dj] += row[j] }
            for j in Swift.max(upper, lower)..<width { target[j + dj - width] += row[j] }
          }
          if iUpper > iLower {
            if dj != 0 {
              for i in iLower..<iUpper {
                let row = source + i * width, target = channel + (i + di) * width
                for j in 0..<lower {
                  if circular { target[j + dj + width] += row[j] }
                  row[j] = 0
                }
                for j in upper..<width {
                  if circular { target[j + dj - width] += row[j] }
                  row[j] = 0
                }
              }
            }
            let start = iLower * width + lower, end = (iUpper - 1) * width + upper
            let target = channel + di * width + dj
            for q in start..<end { target[q] += source[q] }
          }
        }
      }
    }
  }
}

/// `to[j · rows + i] = from[i · columns + j] + bias[j]`: a `rows × columns` block, transposed, in
/// tiles that stay in L1.
private func transposeAddingBias(from: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: [Float],
                                 to: UnsafeMutablePointer<Float>) {
  let tile = 16
  bias.withUnsafeBufferPointer { bias in
    var j0 = 0
    while j0 < columns {
      let j1 = Swift.min(columns, j0 + tile)
      var i0 = 0
      while i0 < rows {
        let i1 = Swift.min(rows, i0 + tile)
        for j in j0..<j1 {
          let value = bias[j], target = to + j * rows
          for i in i0..<i1 { target[i] = from[i * columns + j] + value }
        }
        i0 = i1
      }
      j0 = j1
    }
  }
}
