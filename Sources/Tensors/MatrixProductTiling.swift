/// Block sizes of ``matrixMultiply(_:_:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:threads:)``.
///
/// The micro-kernel holds an `mr × nr` tile of `C` in `mr · nr / 16 = 24` of the 32 AVX-512
/// registers; a `kc × nr` panel of packed `op(B)` stays in L1, an `mc × kc` block of packed
/// `op(A)` in L2.
enum MatrixProductTiling {
  /// Rows of the micro-tile.
  static let mr = 12
  /// Columns of the micro-tile: two `SIMD16<Float>`.
  static let nr = 32
  /// The largest depth of a packed block; `k` is cut into equal blocks no deeper than this.
  static let kc = 256
  /// The largest row count of a packed block of `op(A)`, a multiple of `mr`.
  static let mc = 144
  /// The largest column count of `C` one piece of parallel work covers, a multiple of `nr`.
  static let nc = 2048
  /// `nc` in panels of `nr` columns.
  static let panelsPerGroup = nc / nr
  /// The fewest pieces of `C` the threads share out, when the shape allows.
  static let minimumPieces = 8
  /// Products with fewer multiply-adds than this run on the calling thread: waking threads
  /// would cost more than the work.
  static let serialMultiplyAdds = 1 << 18
}
