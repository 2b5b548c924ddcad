import Tensors

/// A `1 × 1` convolution, `out[n] = W · x[n] + bias` per image (`W` is `O × C`, `x[n]` is
/// `C × H·W`): the fast path of `Convolution2D` for `K = 1`, with no im2col, col2im or
/// transposed copies — each image's planes already are the matrix the product needs.
///
/// ```
/// forward:   out[n] = W · x[n] + bias
/// backward:  ∂x[n] = Wᵀ · ∂out[n],   ∂W += Σ_n ∂out[n] · x[n]ᵀ
/// ```
/// The batch is cut into `pieceCount` pieces of whole images (from the batch size alone); each
/// piece runs on one thread, and backward sums the pieces' `∂W` in piece order, so the result
/// does not depend on the thread count.
final class PointwiseConvolution {
  let inputChannels: Int
  let outputChannels: Int
  /// The most pieces a batch is cut into.
  var pieceCount = 16

  /// `∂W` of every piece, `[pieces][O][C]`; summed into the first.
  private let weightGradients = ScratchBuffer()

  init(inputChannels: Int, outputChannels: Int) {
    self.inputChannels = inputChannels
    self.outputChannels = outputChannels
  }

  private func pieces(_ count: Int) -> (imagesPerPiece: Int, pieces: Int) {
    let perPiece = (count + pieceCount - 1) / pieceCount
    return (perPiece, (count + perPiece - 1) / perPiece)
  }

  /// `output = W · x + bias` (`x` `N × C × H × W`, output `N × O × H × W`, weight `O × C × 1 × 1`).
  func forward(_ x: SendablePointer<Float>, shape: ImageBatchShape, weight: SendablePointer<Float>, bias: [Float],
               into output: SendablePointer<Float>) {
    let (c, o, plane) = (inputChannels, outputChannels, shape.planeSize)
    let (perPiece, pieces) = pieces(shape.count)
    Parallel.forEach(pieces) { piece in
      for image in piece * perPiece ..< Swift.min(shape.count, (piece + 1) * perPiece) {
        let target = output + image * o * plane
        matrixMultiply(.none, .none, m: o, n: plane, k: c, a: weight.pointer, lda: c, b: x + image * c * plane, ldb: plane,
                       c: target, ldc: plane, threads: 1)
        for channel in 0..<o {
          let row = target + channel * plane, value = bias[channel]
          for p in 0..<plane { row[p] += value }
        }
      }
    }
  }

  /// Writes `∂x` into `gradInput` and adds `∂W` to `weightGradient`, from `∂output`.
  func backward(_ x: SendablePointer<Float>, shape: ImageBatchShape, gradOutput: SendablePointer<Float>,
                weight: SendablePointer<Float>, weightGradient: SendablePointer<Float>,
                into gradInput: SendablePointer<Float>) {
    let (c, o, plane) = (inputChannels, outputChannels, shape.planeSize)
    let (perPiece, pieces) = pieces(shape.count)
    let partials = weightGradients.reserve(pieces * o * c)
    Parallel.forEach(pieces) { piece in
      let first = piece * perPiece
      for image in first ..< Swift.min(shape.count, (piece + 1) * perPiece) {
        let gradient = gradOutput + image * o * plane
        // ∂x[n] (C × HW) = Wᵀ (C × O) · ∂out[n] (O × HW)
        matrixMultiply(.transposed, .none, m: c, n: plane, k: o, a: weight.pointer, lda: c, b: gradient, ldb: plane,
                       c: gradInput + image * c * plane, ldc: plane, threads: 1)
        // ∂W of the piece (O × C) (+)= ∂out[n] (O × HW) · x[n]ᵀ (HW × C)
        matrixMultiply(.none, .transposed, m: o, n: c, k: plane, a: gradient, lda: plane, b: x + image * c * plane,
                       ldb: plane, beta: image == first ? 0 : 1, c: partials + piece * o * c, ldc: c, threads: 1)
      }
    }
    // Σ over the pieces in piece order, in parallel over chunks of ∂W.
    let total = o * c, chunk = 4096
    Parallel.forEach((total + chunk - 1) / chunk) { part in
      for index in part * chunk ..< Swift.min(total, (part + 1) * chunk) {
        var sum = partials[index]
        for piece in 1..<Swift.max(1, pieces) { sum += partials[piece * total + index] }
        weightGradient[index] += sum
      }
    }
  }
}
