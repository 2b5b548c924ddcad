extension Tensor {
  /// The matrix product of two rank-2 tensors.
  ///
  /// ```
  /// result = op(self) · op(other)
  /// ```
  ///
  /// A convenience over ``matrixMultiply(_:_:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:threads:)``
  /// that allocates the result and uses all cores.
  ///
  /// - Parameters:
  ///   - other: The right factor, `k × n` (or `n × k` when `transposeOther`).
  ///   - transposeSelf: Whether `self` is stored as `k × m` and enters transposed.
  ///   - transposeOther: Whether `other` is stored as `n × k` and enters transposed.
  /// - Returns: The `m × n` product; `self` is `m × k` (or `k × m` when `transposeSelf`).
  /// - Complexity: `O(m · n · k)`.
  public func matrixProduct(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
    precondition(rank == 2 && other.rank == 2,
                 "matrixProduct needs two matrices, got shapes \(shape) and \(other.shape)")
    let m = transposeSelf ? shape[1] : shape[0]
    let k = transposeSelf ? shape[0] : shape[1]
    let otherK = transposeOther ? other.shape[1] : other.shape[0]
    let n = transposeOther ? other.shape[0] : other.shape[1]
    precondition(k == otherK,
                 "matrixProduct: inner dimensions differ, \(shape)\(transposeSelf ? "ᵀ" : "") · \(other.shape)\(transposeOther ? "ᵀ" : "") (\(k) ≠ \(otherK))")
    var result = Tensor(zeros: [m, n])
    scalars.withUnsafeBufferPointer { a in
      other.scalars.withUnsafeBufferPointer { b in
        result.scalars.withUnsafeMutableBufferPointer { c in
          guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
          matrixMultiply(transposeSelf ? .transposed : .none, transposeOther ? .transposed : .none,
                         m: m, n: n, k: k,
                         a: a, lda: Swift.max(1, shape[1]),
                         b: b, ldb: Swift.max(1, other.shape[1]),
                         c: c, ldc: Swift.max(1, n))
        }
      }
    }
    return result
  }
}
