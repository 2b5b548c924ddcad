// TEMPORARY: a plain stand-in for `Tensors.matrixMultiply`, which is being finished on the
// `gemm` branch. Same name, signature and semantics, so deleting this file once `main` has
// `Sources/Tensors/MatrixProduct.swift` switches every caller to the fast kernel unchanged
// (a declaration in this module would otherwise shadow the imported one).
import Tensors

/// Whether a matrix operand enters a product as stored or transposed.
public enum Transpose: Sendable {
  /// `op(X) = X`.
  case none
  /// `op(X) = Xᵀ`.
  case transposed
}

/// `C ← α·op(A)·op(B) + β·C`, row-major; `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`.
///
/// A plain reference loop (rows of `C` spread over threads, each row accumulated over `k` in
/// order, so the result does not depend on `threads`). When `β = 0` the old `C` is not read.
public func matrixMultiply(
  _ transposeA: Transpose, _ transposeB: Transpose,
  m: Int, n: Int, k: Int,
  alpha: Float = 1,
  a: UnsafePointer<Float>, lda: Int,
  b: UnsafePointer<Float>, ldb: Int,
  beta: Float = 0,
  c: UnsafeMutablePointer<Float>, ldc: Int,
  threads: Int = Parallel.defaultThreadCount
) {
  precondition(m >= 0 && n >= 0 && k >= 0, "matrixMultiply: negative size m = \(m), n = \(n), k = \(k)")
  guard m > 0 && n > 0 else { return }
  let a = SendablePointer(UnsafeMutablePointer(mutating: a))
  let b = SendablePointer(UnsafeMutablePointer(mutating: b))
  let c = SendablePointer(c)
  let rowsPerPiece = Swift.max(1, 16_384 / Swift.max(1, n * Swift.max(k, 1) / 64))
  let pieces = (m + rowsPerPiece - 1) / rowsPerPiece
  Parallel.forEach(pieces, threads: m * n * k < 65_536 ? 1 : threads) { piece in
    var row = [Float](repeating: 0, count: n)
    for i in piece * rowsPerPiece ..< Swift.min(m, (piece + 1) * rowsPerPiece) {
      for j in 0..<n { row[j] = 0 }
      row.withUnsafeMutableBufferPointer { row in
        for p in 0..<k {
          let aip = transposeA == .none ? a.pointer[i * lda + p] : a.pointer[p * lda + i]
          if aip == 0 { continue }
          if transposeB == .none {
            let bRow = b.pointer + p * ldb
            for j in 0..<n { row[j] += aip * bRow[j] }
          } else {
            for j in 0..<n { row[j] += aip * b.pointer[j * ldb + p] }
          }
        }
      }
      let cRow = c.pointer + i * ldc
      if beta == 0 {
        for j in 0..<n { cRow[j] = alpha * row[j] }
      } else {
        for j in 0..<n { cRow[j] = alpha * row[j] + beta * cRow[j] }
      }
    }
  }
}
