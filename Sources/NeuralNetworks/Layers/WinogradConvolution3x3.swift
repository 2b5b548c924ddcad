import Tensors

/// A `3 × 3`, stride-1, "same" correlation by Winograd's F(2 × 2, 3 × 3)
/// ([Lavin & Gray 2015](https://arxiv.org/abs/1509.09308)): the fast path of `Convolution2D` for
/// `K = 3`, forward and backward.
///
/// ```
/// forward:   V = Bᵀ d B (every tile, channel),  M[ξ] = U[ξ] · V[ξ],  y = Aᵀ M A + bias
/// backward:  ∂M = A ∂y Aᵀ,  ∂U[ξ] += ∂M[ξ] · V[ξ]ᵀ,  ∂V[ξ] = U[ξ]ᵀ · ∂M[ξ],  ∂x = Σ B ∂V Bᵀ,
///            ∂weight += Gᵀ ∂U G
/// ```
/// with `U = G g Gᵀ` (`WinogradTransforms` has the matrices). Backward is the exact adjoint of
/// forward, so the gradients are those of the function forward computes; both equal the
/// convolution's up to rounding. A multiply-add of the direct method costs `16/36 = 0.44` of one
/// here, the transforms aside.
///
/// The batch is cut into blocks of images (`blockBudget` floats for `V` and `M`, from the shape
/// alone, so the result does not depend on the thread count): per block, the transforms run in
/// parallel over (image, channel) planes and the 16 products in parallel over `ξ`, each on one
/// thread. `∂U` is summed block after block in order. Scratch memory is kept from step to step.
final class WinogradConvolution3x3 {
  let inputChannels: Int
  let outputChannels: Int
  let padding: Padding
  /// The most floats `V` and `M` of one block may take together.
  var blockBudget = 1 << 21

  private let transformedWeights = ScratchBuffer()     // U, [16][O][C]
  private let transformedInputs = ScratchBuffer()      // V or ∂V, [16][C][T]
  private let products = ScratchBuffer()               // M or ∂M, [16][O][T]
  private let weightGradients = ScratchBuffer()        // ∂U, [16][O][C]

  init(inputChannels: Int, outputChannels: Int, padding: Padding) {
    self.inputChannels = inputChannels
    self.outputChannels = outputChannels
    self.padding = padding
  }

  /// `N` images in `blocks` blocks of `imagesPerBlock` (the last may be smaller).
  private func blocking(_ shape: ImageBatchShape, tiles: Int) -> (imagesPerBlock: Int, blocks: Int) {
    let most = Swift.max(1, blockBudget / (16 * (inputChannels + outputChannels) * tiles))
    let blocks = (shape.count + most - 1) / most
    return ((shape.count + blocks - 1) / blocks, blocks)
  }

  /// `output = x ⋆ weight + bias` (`x` `N × C × H × W`, output `N × O × H × W`, weight `O × C × 3 × 3`).
  func forward(_ x: SendablePointer<Float>, shape: ImageBatchShape, weight: SendablePointer<Float>, bias: [Float],
               into output: SendablePointer<Float>) {
    let tiling = WinogradTransforms.Tiling(height: shape.height, width: shape.width)
    let (imagesPerBlock, blocks) = blocking(shape, tiles: tiling.count)
    let (c, o) = (inputChannels, outputChannels)
    let tileStride = imagesPerBlock * tiling.count
    let u = transformedWeights.reserve(16 * o * c)
    let v = transformedInputs.reserve(16 * c * tileStride)
    let m = products.reserve(16 * o * tileStride)
    WinogradTransforms.transformWeights(weight.pointer, outputChannels: o, inputChannels: c, into: u.pointer)
    for block in 0..<blocks {
      let first = block * imagesPerBlock, images = Swift.min(imagesPerBlock, shape.count - first)
      transformInputs(x, shape: shape, tiling: tiling, first: first, images: images, stride: tileStride, into: v)
      let length = images * tiling.count
      Parallel.forEach(16) { xi in
        // M[ξ] (O × T) = U[ξ] (O × C) · V[ξ] (C × T)
        matrixMultiply(.none, .none, m: o, n: length, k: c, a: u + xi * o * c, lda: c,
                       b: v + xi * c * tileStride, ldb: tileStride, c: m + xi * o * tileStride, ldc: tileStride,
                       threads: 1)
      }
      Parallel.forEach(images * o) { piece in
        let image = piece / o, channel = piece % o
        WinogradTransforms.transformOutput(m + channel * tileStride + image * tiling.count, stride: o * tileStride,
                                           tiling, bias: bias[channel],
                                           into: output + ((first + image) * o + channel) * shape.planeSize)
      }
    }
  }

  /// Writes `∂x` into `gradInput` and adds `∂weight` to `weightGradient`, from `∂output`.
  func backward(_ x: SendablePointer<Float>, shape: ImageBatchShape, gradOutput: SendablePointer<Float>,
                weight: SendablePointer<Float>, weightGradient: SendablePointer<Float>,
                into gradInput: SendablePointer<Float>) {
    let tiling = WinogradTransforms.Tiling(height: shape.height, width: shape.width)
    let (imagesPerBlock, blocks) = blocking(shape, tiles: tiling.count)
    let (c, o) = (inputChannels, outputChannels)
    let tileStride = imagesPerBlock * tiling.count
    let u = transformedWeights.reserve(16 * o * c)
    let v = transformedInputs.reserve(16 * c * tileStride)
    let dm = products.reserve(16 * o * tileStride)
    let du = weightGradients.reserve(16 * o * c)
    WinogradTransforms.transformWeights(weight.pointer, outputChannels: o, inputChannels: c, into: u.pointer)
    let plane = shape.planeSize
    for block in 0..<blocks {
      let first = block * imagesPerBlock, images = Swift.min(imagesPerBlock, shape.count - first)
      let length = images * tiling.count
      transformInputs(x, shape: shape, tiling: tiling, first: first, images: images, stride: tileStride, into: v)
      Parallel.forEach(images * o) { piece in
        let image = piece / o, channel = piece % o
        WinogradTransforms.transformOutputGradient(gradOutput + ((first + image) * o + channel) * plane, tiling,
                                                   into: dm + channel * tileStride + image * tiling.count,
                                                   stride: o * tileStride)
      }
      Parallel.forEach(16) { xi in
        // ∂U[ξ] (O × C) (+)= ∂M[ξ] (O × T) · V[ξ]ᵀ (T × C)
        matrixMultiply(.none, .transposed, m: o, n: c, k: length, a: dm + xi * o * tileStride, lda: tileStride,
                       b: v + xi * c * tileStride, ldb: tileStride, beta: block == 0 ? 0 : 1,
                       c: du + xi * o * c, ldc: c, threads: 1)
        // ∂V[ξ] (C × T) = U[ξ]ᵀ (C × O) · ∂M[ξ] (O × T), over V[ξ] (no longer needed)
        matrixMultiply(.transposed, .none, m: c, n: length, k: o, a: u + xi * o * c, lda: c,
                       b: dm + xi * o * tileStride, ldb: tileStride, c: v + xi * c * tileStride, ldc: tileStride,
                       threads: 1)
      }
      let tiling = tiling, padding = padding
      Parallel.forEach(images * c) { piece in
        let image = piece / c, channel = piece % c
        withUnsafeTemporaryAllocation(of: Float.self, capacity: tiling.paddedHeight * tiling.paddedWidth) { padded in
          WinogradTransforms.addInputGradient(v + channel * tileStride + image * tiling.count, stride: c * tileStride,
                                              tiling, into: padded.baseAddress!)
          WinogradTransforms.fold(padded.baseAddress!, tiling, padding,
                                  into: gradInput + ((first + image) * c + channel) * plane)
        }
      }
    }
    WinogradTransforms.addWeightGradient(du.pointer, outputChannels: o, inputChannels: c, to: weightGradient.pointer)
  }

  /// `V` of the images `first ..< first + images`, in parallel over their planes.
  private func transformInputs(_ x: SendablePointer<Float>, shape: ImageBatchShape, tiling: WinogradTransforms.Tiling,
                               first: Int, images: Int, stride: Int, into v: SendablePointer<Float>) {
    let c = inputChannels, padding = padding, plane = shape.planeSize
    Parallel.forEach(images * c) { piece in
      let image = piece / c, channel = piece % c
      withUnsafeTemporaryAllocation(of: Float.self, capacity: tiling.paddedHeight * tiling.paddedWidth) { padded in
        WinogradTransforms.pad(x + ((first + image) * c + channel) * plane, tiling, padding, into: padded.baseAddress!)
        WinogradTransforms.transformInput(padded.baseAddress!, tiling, into: v + channel * stride + image * tiling.count,
                                          stride: c * stride)
      }
    }
  }
}
