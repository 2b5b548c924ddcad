import Foundation

/// The eigendecomposition `S = V Λ Vᵀ` of a symmetric matrix, by cyclic Jacobi rotations in
/// `Double` — small (`d ≤ a few hundred`), exact to rounding, and dependable for the
/// rank-deficient covariances of patches.
struct SymmetricEigen {
  /// Eigenvalues, in no particular order.
  var values: [Double]
  /// Eigenvectors as columns: `vectors[row * n + k]` is entry `row` of vector `k`.
  var vectors: [Double]
  let size: Int

  init(_ matrix: [Double], size n: Int) {
    precondition(matrix.count == n * n, "eigendecomposition of \(n)×\(n) got \(matrix.count) values")
    var a = matrix
    var v = [Double](repeating: 0, count: n * n)
    for index in 0..<n { v[index * n + index] = 1 }
    let scale = a.reduce(0) { Swift.max($0, abs($1)) }
    for _ in 0..<100 {
      var offDiagonal = 0.0
      for p in 0..<n { for q in p + 1 ..< n { offDiagonal += a[p * n + q] * a[p * n + q] } }
      if offDiagonal <= 1e-30 * scale * scale { break }
      for p in 0..<n {
        for q in p + 1 ..< n where a[p * n + q] != 0 {
          let apq = a[p * n + q]
          let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
          let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot(), s = t * c
          for k in 0..<n {
            let akp = a[k * n + p], akq = a[k * n + q]
            a[k * n + p] = c * akp - s * akq
            a[k * n + q] = s * akp + c * akq
          }
          for k in 0..<n {
            let apk = a[p * n + k], aqk = a[q * n + k]
            a[p * n + k] = c * apk - s * aqk
            a[q * n + k] = s * apk + c * aqk
          }
          for k in 0..<n {
            let vkp = v[k * n + p], vkq = v[k * n + q]
            v[k * n + p] = c * vkp - s * vkq
            v[k * n + q] = s * vkp + c * vkq
          }
        }
      }
    }
    values = (0..<n).map { a[$0 * n + $0] }
    vectors = v
    size = n
  }

  /// The whitening `W = Λ₊^(−1/2) V₊ᵀ` (rows = kept directions), so that
  /// `‖W v‖² = vᵀ S⁺ v` with `S⁺` the Moore–Penrose pseudo-inverse; eigenvalues below
  /// `relativeCutoff ×` the largest are dropped.
  func whitening(relativeCutoff: Double = 1e-10) -> (rows: Int, matrix: [Double]) {
    let largest = values.max() ?? 0
    guard largest > 0 else { return (0, []) }
    let kept = values.indices.filter { values[$0] > relativeCutoff * largest }
    var matrix = [Double](repeating: 0, count: kept.count * size)
    for (row, k) in kept.enumerated() {
      let factor = 1 / values[k].squareRoot()
      for column in 0..<size { matrix[row * size + column] = factor * vectors[column * size + k] }
    }
    return (kept.count, matrix)
  }

  /// `log pdet(S)`, the sum of the logarithms of the kept eigenvalues.
  func logPseudoDeterminant(relativeCutoff: Double = 1e-10) -> Double {
    let largest = values.max() ?? 0
    return values.filter { $0 > relativeCutoff * largest }.reduce(0) { $0 + log($1) }
  }
}
