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
/// The batch is cut into pieces of whole images (at least `tilesPerPiece` tiles, from the shape
/// alone), and each piece runs start to end on one thread — transforms, the 16 products, the
/// inverse transform — so that its `V` and `M` stay in that core's cache. Backward writes each
/// piece's `∂U` apart and sums them in piece order, so the result does not depend on the thread
/// count. Scratch memory is kept from step to step.
final class WinogradConvolution3x3 {
  let inputChannels: Int
  let outputChannels: Int
  let padding: Padding
  /// The fewest tiles a piece of work has (whole images; fewer if the batch has fewer).
  var tilesPerPiece = 128

  /// `U`, `[16][O][C]`, of the latest forward: backward uses the same weights.
  private let transformedWeights = ScratchBuffer()
  /// `∂U` of every piece, `[pieces][16][O][C]`; summed into the first.
  private let weightGradients = ScratchBuffer()
  /// Per piece: `V` (or `∂V`) and `M` (or `∂M`) of its tiles.
  private let pieceScratch = ScratchPool()

  init(inputChannels: Int, outputChannels: Int, padding: Padding) {
    self.inputChannels = inputChannels
    self.outputChannels = outputChannels
    self.padding = padding
  }

  /// Whole images per piece, and the pieces of a batch of `count`.
  private func pieces(_ tiling: WinogradTransforms.Tiling, count: Int) -> (imagesPerPiece: Int, pieces: Int) {
    let perPiece = Swift.max(1, (tilesPerPiece + tiling.count - 1) / tiling.count)
    return (perPiece, (count + perPiece - 1) / perPiece)
  }

  /// The floats of one piece's scratch: `V` then `M`, plus 16 for the masked reads past `V`.
  private func scratchCount(tileStride: Int) -> Int { 16 * (inputChannels + outputChannels) * tileStride + 16 }

  /// `output = x ⋆ weight + bias` (`x` `N × C × H × W`, output `N × O × H × W`, weight `O × C × 3 × 3`).
  func forward(_ x: SendablePointer<Float>, shape: ImageBatchShape, weight: SendablePointer<Float>, bias: [Float],
               into output: SendablePointer<Float>) {
    let tiling = WinogradTransforms.Tiling(height: shape.height, width: shape.width)
    let (c, o) = (inputChannels, outputChannels)
    let (perPiece, pieces) = pieces(tiling, count: shape.count)
    let tileStride = perPiece * tiling.count
    let u = transformedWeights.reserve(16 * o * c)
    WinogradTransforms.transformWeights(weight.pointer, outputChannels: o, inputChannels: c, into: u.pointer)
    let pool = pieceScratch, padding = padding, plane = shape.planeSize, count = scratchCount(tileStride: tileStride)
    Parallel.forEach(pieces) { piece in
      let first = piece * perPiece, images = Swift.min(perPiece, shape.count - first)
      pool.withBuffer(count) { scratch in
        let v = scratch.pointer, m = scratch.pointer + 16 * c * tileStride
        for image in 0..<images {
          for channel in 0..<c {
            WinogradTransforms.transformInput(x + ((first + image) * c + channel) * plane, tiling, padding,
                                              into: v + channel * tileStride + image * tiling.count, stride: c * tileStride)
          }
        }
        for xi in 0..<16 {
          // M[ξ] (O × T) = U[ξ] (O × C) · V[ξ] (C × T)
          matrixMultiply(.none, .none, m: o, n: images * tiling.count, k: c, a: u + xi * o * c, lda: c,
                         b: v + xi * c * tileStride, ldb: tileStride, c: m + xi * o * tileStride, ldc: tileStride,
                         threads: 1)
        }
        for image in 0..<images {
          for channel in 0..<o {
            WinogradTransforms.transformOutput(m + channel * tileStride + image * tiling.count, stride: o * tileStride,
                                               tiling, bias: bias[channel],
                                               into: output + ((first + image) * o + channel) * plane)
          }
        }
      }
    }
  }

  /// Writes `∂x` into `gradInput` and adds `∂weight` to `weightGradient`, from `∂output`, for the
  /// `x` and weights of the latest `forward`.
  func backward(_ x: SendablePointer<Float>, shape: ImageBatchShape, gradOutput: SendablePointer<Float>,
                weightGradient: SendablePointer<Float>, into gradInput: SendablePointer<Float>) {
    let tiling = WinogradTransforms.Tiling(height: shape.height, width: shape.width)
    let (c, o) = (inputChannels, outputChannels)
    let (perPiece, pieces) = pieces(tiling, count: shape.count)
    let tileStride = perPiece * tiling.count
    let u = transformedWeights.reserve(16 * o * c)
    let partials = weightGradients.reserve(pieces * 16 * o * c)
    let pool = pieceScratch, padding = padding, plane = shape.planeSize, count = scratchCount(tileStride: tileStride)
    Parallel.forEach(pieces) { piece in
      let first = piece * perPiece, images = Swift.min(perPiece, shape.count - first)
      pool.withBuffer(count) { scratch in
        let v = scratch.pointer, dm = scratch.pointer + 16 * c * tileStride
        for image in 0..<images {
          for channel in 0..<c {
            WinogradTransforms.transformInput(x + ((first + image) * c + channel) * plane, tiling, padding,
                                              into: v + channel * tileStride + image * tiling.count, stride: c * tileStride)
          }
          for channel in 0..<o {
            WinogradTransforms.transformOutputGradient(gradOutput + ((first + image) * o + channel) * plane, tiling,
                                                       into: dm + channel * tileStride + image * tiling.count,
                                                       stride: o * tileStride)
          }
        }
        let length = images * tiling.count
        for xi in 0..<16 {
          // ∂U[ξ] (O × C) of the piece = ∂M[ξ] (O × T) · V[ξ]ᵀ (T × C)
          matrixMultiply(.none, .transposed, m: o, n: c, k: length, a: dm + xi * o * tileStride, lda: tileStride,
                         b: v + xi * c * tileStride, ldb: tileStride, c: partials + (piece * 16 + xi) * o * c, ldc: c,
                         threads: 1)
          // ∂V[ξ] (C × T) = U[ξ]ᵀ (C × O) · ∂M[ξ] (O × T), over V[ξ] (no longer needed)
          matrixMultiply(.transposed, .none, m: c, n: length, k: o, a: u + xi * o * c, lda: c,
                         b: dm + xi * o * tileStride, ldb: tileStride, c: v + xi * c * tileStride, ldc: tileStride,
                         threads: 1)
        }
        for image in 0..<images {
          for channel in 0..<c {
            WinogradTransforms.addInputGradient(v + channel * tileStride + image * tiling.count, stride: c * tileStride,
                                                tiling, padding, into: gradInput + ((first + image) * c + channel) * plane)
          }
        }
      }
    }
    // ∂U = Σ over the pieces, in piece order, into the first piece's place.
    let rowLength = 16 * o * c, chunk = 4096
    Parallel.forEach((rowLength + chunk - 1) / chunk) { part in
      let start = part * chunk, end = Swift.min(rowLength, start + chunk)
      for piece in 1..<Swift.max(1, pieces) {
        let source = partials + piece * rowLength
        for index in start..<end { partials[index] += source[index] }
      }
    }
    WinogradTransforms.addWeightGradient(partials.pointer, outputChannels: o, inputChannels: c, to: weightGradient.pointer)
  }
}
