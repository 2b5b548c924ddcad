import Tensors

extension Tensor {
  /// `self + other`, element by element (same shape), in pieces spread over the threads: the
  /// residual connections' sums, which `Tensor.+` would run on one core.
  func summed(with other: Tensor) -> Tensor {
    precondition(shape == other.shape, "summed(with:): shapes \(shape) and \(other.shape) differ")
    var result = Tensor(uninitializedShape: shape)
    let count = self.count, pieceSize = 16_384
    withSendablePointer { a in
      other.withSendablePointer { b in
        result.withMutableSendablePointer { target in
          Parallel.forEach((count + pieceSize - 1) / pieceSize) { piece in
            for index in piece * pieceSize ..< Swift.min(count, (piece + 1) * pieceSize) { target[index] = a[index] + b[index] }
          }
        }
      }
    }
    return result
  }
}
