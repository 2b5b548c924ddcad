import Foundation

/// One call of `matrixMultiply`, with everything the threads share.
///
/// Pointers are not `Sendable`; the threads write disjoint tiles of `C` and only read the rest.
struct MatrixProductProblem: @unchecked Sendable {
  let transposeA: Transpose, transposeB: Transpose
  let m: Int, n: Int, k: Int
  let alpha: Float
  let a: UnsafePointer<Float>, lda: Int
  let b: UnsafePointer<Float>, ldb: Int
  let beta: Float
  let c: UnsafeMutablePointer<Float>, ldc: Int

  typealias Tiling = MatrixProductTiling

  /// Runs the product on up to `threads` threads.
  ///
  /// The split of `k` into blocks depends on `k` only, and each element of `C` is summed by one
  /// thread block after block, so the thread count cannot change the result.
  func run(threads requestedThreads: Int) {
    let threads = m * n * k < Tiling.serialMultiplyAdds ? 1 : requestedThreads
    let kBlocks = (k + Tiling.kc - 1) / Tiling.kc
    let kcMax = (k + kBlocks - 1) / kBlocks
    let panels = (n + Tiling.nr - 1) / Tiling.nr
    let paddedN = panels * Tiling.nr

    // All of op(B), packed once: block `kb` (depth kc, starting at row k0) occupies
    // `kc · paddedN` floats from `k0 · paddedN`, panel after panel of `kc × nr`.
    let packedB = UnsafeMutablePointer<Float>.allocateAligned(count: k * paddedN)
    defer { packedB.deallocate() }
    let shared = PackedPointer(packedB)
    let panelsPerPiece = 8
    Parallel.forEach((panels + panelsPerPiece - 1) / panelsPerPiece, threads: threads) { piece in
      for panel in piece * panelsPerPiece ..< Swift.min(panels, (piece + 1) * panelsPerPiece) {
        var k0 = 0
        while k0 < k {
          let kc = Swift.min(kcMax, k - k0)
          packPanelOfB(panel: panel, k0: k0, kc: kc, into: shared.pointer + k0 * paddedN + panel * kc * Tiling.nr)
          k0 += kc
        }
      }
    }

    // Pieces of C: blocks of about mc rows (equal sizes, multiples of mr) by nc columns.
    let rowBlocks = (m + Tiling.mc - 1) / Tiling.mc
    let mcEven = ((m + rowBlocks - 1) / rowBlocks + Tiling.mr - 1) / Tiling.mr * Tiling.mr
    let rowBlockCount = (m + mcEven - 1) / mcEven
    // Few row blocks (m ≲ 1000): split the columns too, into groups of at least four panels, so
    // there are pieces enough to balance; a group repacks its block of op(A), a small cost.
    var groups = (panels + Tiling.panelsPerGroup - 1) / Tiling.panelsPerGroup
    if rowBlockCount * groups < Tiling.minimumPieces {
      let wanted = (Tiling.minimumPieces + rowBlockCount - 1) / rowBlockCount
      groups = Swift.max(groups, Swift.min(wanted, panels / 4))
    }
    let panelsPerGroup = (panels + groups - 1) / groups
    let columnGroups = (panels + panelsPerGroup - 1) / panelsPerGroup
    let pool = BufferPool(count: mcEven * kcMax)
    defer { pool.deallocateAll() }
    Parallel.forEach(rowBlockCount * columnGroups, threads: threads) { piece in
      let rowBlock = piece / columnGroups, group = piece % columnGroups
      let i0 = rowBlock * mcEven
      let mc = Swift.min(mcEven, m - i0)
      let panelRange = group * panelsPerGroup ..< Swift.min(panels, (group + 1) * panelsPerGroup)
      let packedA = pool.take()
      defer { pool.give(packedA) }
      var k0 = 0
      while k0 < k {
        let kc = Swift.min(kcMax, k - k0)
        // The first block of k brings in β·C; later blocks add to what is there.
        let scale: Float = k0 == 0 ? beta : 1
        let readC = k0 != 0 || beta != 0
        packBlockOfA(i0: i0, mc: mc, k0: k0, kc: kc, into: packedA)
        let blockB = shared.pointer + k0 * paddedN
        for panel in panelRange {
          let j0 = panel * Tiling.nr
          let columns = Swift.min(Tiling.nr, n - j0)
          let panelB = UnsafePointer(blockB + panel * kc * Tiling.nr)
          var i = 0
          while i < mc {
            let panelA = UnsafePointer(packedA + i * kc)
            let tileC = c + (i0 + i) * ldc + j0
            let rows = Swift.min(Tiling.mr, mc - i)
            if rows == Tiling.mr && columns == Tiling.nr {
              microKernel12x32(kc: kc, a: panelA, b: panelB, c: tileC, ldc: ldc,
                               alpha: alpha, beta: scale, readC: readC)
            } else {
              edgeTile(kc: kc, a: panelA, b: panelB, c: tileC, ldc: ldc, rows: rows, columns: columns,
                       alpha: alpha, beta: scale, readC: readC)
            }
            i += Tiling.mr
          }
        }
        k0 += kc
      }
    }
  }

  /// Packs rows `k0 ..< k0 + kc` of columns `panel · nr ..< panel · nr + nr` of `op(B)` as `kc`
  /// rows of `nr` contiguous floats, zero beyond column `n`.
  func packPanelOfB(panel: Int, k0: Int, kc: Int, into target: UnsafeMutablePointer<Float>) {
    let j0 = panel * Tiling.nr
    let columns = Swift.min(Tiling.nr, n - j0)
    switch transposeB {
    case .none:
      // op(B)[p, j] = b[p · ldb + j]: rows of the panel are contiguous in B.
      for p in 0..<kc {
        let source = b + (k0 + p) * ldb + j0
        let row = target + p * Tiling.nr
        if columns == Tiling.nr {
          let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(row)
          to.storeBytes(of: from.loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
          to.storeBytes(of: from.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self),
                        toByteOffset: 64, as: SIMD16<Float>.self)
        } else {
          row.update(from: source, count: columns)
          (row + columns).update(repeating: 0, count: Tiling.nr - columns)
        }
      }
    case .transposed:
      // op(B)[p, j] = b[j · ldb + p]: columns of the panel are contiguous in B.
      transposeCopy(rows: columns, columns: kc, from: b + j0 * ldb + k0, stride: ldb,
                    to: target, stride: Tiling.nr)
      if columns < Tiling.nr {
        for p in 0..<kc { (target + p * Tiling.nr + columns).update(repeating: 0, count: Tiling.nr - columns) }
      }
    }
  }

  /// Packs rows `i0 ..< i0 + mc`, columns `k0 ..< k0 + kc` of `op(A)` as panels of `mr` rows,
  /// each `kc` columns of `mr` contiguous floats, zero beyond row `i0 + mc`.
  func packBlockOfA(i0: Int, mc: Int, k0: Int, kc: Int, into target: UnsafeMutablePointer<Float>) {
    var i = 0
    while i < mc {
      let rows = Swift.min(Tiling.mr, mc - i)
      let panel = target + i * kc
      switch transposeA {
      case .none:
        // op(A)[r, p] = a[r · lda + p]: each row of the panel is contiguous in A.
        transposeCopy(rows: rows, columns: kc, from: a + (i0 + i) * lda + k0, stride: lda,
                      to: panel, stride: Tiling.mr)
      case .transposed:
        // op(A)[r, p] = a[p · lda + r]: each column of the panel is contiguous in A.
        // Twelve floats per depth step: too short for a call to memmove to pay.
        let source = a + k0 * lda + i0 + i
        if rows == Tiling.mr {
          for p in 0..<kc {
            let from = UnsafeRawPointer(source + p * lda), to = UnsafeMutableRawPointer(panel + p * Tiling.mr)
            to.storeBytes(of: from.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: 32, as: SIMD4<Float>.self),
                          toByteOffset: 32, as: SIMD4<Float>.self)
          }
        } else {
          for p in 0..<kc {
            for r in 0..<rows { panel[p * Tiling.mr + r] = source[p * lda + r] }
          }
        }
      }
      if rows < Tiling.mr {
        for p in 0..<kc { (panel + p * Tiling.mr + rows).update(repeating: 0, count: Tiling.mr - rows) }
      }
      i += Tiling.mr
    }
  }
}

/// Copies a `rows × columns` matrix to its transpose: `target[j · targetStride + i] = source[i · sourceStride + j]`.
///
/// Works in `4 × 4` blocks held in registers. Written out because the compiler otherwise turns
/// the strided stores into AVX-512 scatters, which are slower than scalar stores on AMD cores.
@inline(__always)
private func transposeCopy(rows: Int, columns: Int, from source: UnsafePointer<Float>, stride sourceStride: Int,
                   to target: UnsafeMutablePointer<Float>, stride targetStride: Int) {
  typealias V = SIMD4<Float>
  var i = 0
  while i + 4 <= rows {
    let s0 = UnsafeRawPointer(source + i * sourceStride), s1 = UnsafeRawPointer(source + (i + 1) * sourceStride)
    let s2 = UnsafeRawPointer(source + (i + 2) * sourceStride), s3 = UnsafeRawPointer(source + (i + 3) * sourceStride)
    var j = 0
    while j + 4 <= columns {
      let offset = j * 4
      let r0 = s0.loadUnaligned(fromByteOffset: offset, as: V.self)
      let r1 = s1.loadUnaligned(fromByteOffset: offset, as: V.self)
      let r2 = s2.loadUnaligned(fromByteOffset: offset, as: V.self)
      let r3 = s3.loadUnaligned(fromByteOffset: offset, as: V.self)
      let t = UnsafeMutableRawPointer(target + j * targetStride + i)
      let step = targetStride * 4
      t.storeBytes(of: V(r0[0], r1[0], r2[0], r3[0]), as: V.self)
      t.storeBytes(of: V(r0[1], r1[1], r2[1], r3[1]), toByteOffset: step, as: V.self)
      t.storeBytes(of: V(r0[2], r1[2], r2[2], r3[2]), toByteOffset: 2 * step, as: V.self)
      t.storeBytes(of: V(r0[3], r1[3], r2[3], r3[3]), toByteOffset: 3 * step, as: V.self)
      j += 4
    }
    while j < columns {
      for r in i ..< i + 4 { target[j * targetStride + r] = source[r * sourceStride + j] }
      j += 1
    }
    i += 4
  }
  while i < rows {
    for j in 0..<columns { target[j * targetStride + i] = source[i * sourceStride + j] }
    i += 1
  }
}

/// A tile that overhangs `C`: computed whole into a scratch tile, then the valid part merged.
private func edgeTile(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                      c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int,
                      alpha: Float, beta: Float, readC: Bool) {
  withUnsafeTemporaryAllocation(of: Float.self, capacity: MatrixProductTiling.mr * MatrixProductTiling.nr) { scratch in
    let tile = scratch.baseAddress!
    microKernel12x32(kc: kc, a: a, b: b, c: tile, ldc: MatrixProductTiling.nr, alpha: alpha, beta: 0, readC: false)
    for r in 0..<rows {
      let source = tile + r * MatrixProductTiling.nr
      let target = c + r * ldc
      if readC {
        for j in 0..<columns { target[j] = beta * target[j] + source[j] }
      } else {
        for j in 0..<columns { target[j] = source[j] }
      }
    }
  }
}

/// Merges one accumulator vector into 16 floats of `C`:
/// `c ← α · sum` if `!readC`, else `c ← β · c + α · sum`.
@inline(__always)
private func update(_ c: UnsafeMutablePointer<Float>, _ sum: SIMD16<Float>, alpha: SIMD16<Float>,
                    beta: Float, readC: Bool) {
  let raw = UnsafeMutableRawPointer(c)
  if readC {
    let old = raw.loadUnaligned(as: SIMD16<Float>.self)
    raw.storeBytes(of: (old * beta).addingProduct(alpha, sum), as: SIMD16<Float>.self)
  } else {
    raw.storeBytes(of: alpha * sum, as: SIMD16<Float>.self)
  }
}

/// The register-blocked micro-kernel: a `12 × 32` tile of `C` from packed panels.
///
/// ```
/// C[r, j] ← β · C[r, j] + α · Σ_{p < kc} a[p · 12 + r] · b[p · 32 + j]
/// ```
///
/// The 24 accumulators are separate locals so they live in registers; each step of `p` is two
/// vector loads of `b`, twelve broadcasts of `a` and 24 fused multiply-adds.
@inline(__always)
private func microKernel12x32(
  kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
  alpha: Float, beta: Float, readC: Bool
) {
  typealias V = SIMD16<Float>
  var c0a = V(), c0b = V(), c1a = V(), c1b = V(), c2a = V(), c2b = V()
  var c3a = V(), c3b = V(), c4a = V(), c4b = V(), c5a = V(), c5b = V()
  var c6a = V(), c6b = V(), c7a = V(), c7b = V(), c8a = V(), c8b = V()
  var c9a = V(), c9b = V(), c10a = V(), c10b = V(), c11a = V(), c11b = V()
  var ap = a
  var bp = UnsafeRawPointer(b)
  for _ in 0..<kc {
    let b0 = bp.load(as: V.self)
    let b1 = bp.load(fromByteOffset: 64, as: V.self)
    var s = V(repeating: ap[0]); c0a = c0a.addingProduct(s, b0); c0b = c0b.addingProduct(s, b1)
    s = V(repeating: ap[1]); c1a = c1a.addingProduct(s, b0); c1b = c1b.addingProduct(s, b1)
    s = V(repeating: ap[2]); c2a = c2a.addingProduct(s, b0); c2b = c2b.addingProduct(s, b1)
    s = V(repeating: ap[3]); c3a = c3a.addingProduct(s, b0); c3b = c3b.addingProduct(s, b1)
    s = V(repeating: ap[4]); c4a = c4a.addingProduct(s, b0); c4b = c4b.addingProduct(s, b1)
    s = V(repeating: ap[5]); c5a = c5a.addingProduct(s, b0); c5b = c5b.addingProduct(s, b1)
    s = V(repeating: ap[6]); c6a = c6a.addingProduct(s, b0); c6b = c6b.addingProduct(s, b1)
    s = V(repeating: ap[7]); c7a = c7a.addingProduct(s, b0); c7b = c7b.addingProduct(s, b1)
    s = V(repeating: ap[8]); c8a = c8a.addingProduct(s, b0); c8b = c8b.addingProduct(s, b1)
    s = V(repeating: ap[9]); c9a = c9a.addingProduct(s, b0); c9b = c9b.addingProduct(s, b1)
    s = V(repeating: ap[10]); c10a = c10a.addingProduct(s, b0); c10b = c10b.addingProduct(s, b1)
    s = V(repeating: ap[11]); c11a = c11a.addingProduct(s, b0); c11b = c11b.addingProduct(s, b1)
    ap += 12
    bp += 128
  }
  let av = V(repeating: alpha)
  @inline(__always) func row(_ r: Int, _ x: V, _ y: V) {
    update(c + r * ldc, x, alpha: av, beta: beta, readC: readC)
    update(c + r * ldc + 16, y, alpha: av, beta: beta, readC: readC)
  }
  row(0, c0a, c0b); row(1, c1a, c1b); row(2, c2a, c2b); row(3, c3a, c3b)
  row(4, c4a, c4b); row(5, c5a, c5b); row(6, c6a, c6b); row(7, c7a, c7b)
  row(8, c8a, c8b); row(9, c9a, c9b); row(10, c10a, c10b); row(11, c11a, c11b)
}

/// A pointer the threads share; they write disjoint parts of what it points to.
private struct PackedPointer: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<Float>
  init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}

/// Packing buffers for blocks of `op(A)`, reused across the pieces of one call.
///
/// `Parallel.forEach` does not say which thread runs a piece, so a piece borrows a buffer and
/// gives it back; at most one buffer per running thread is ever allocated.
private final class BufferPool: @unchecked Sendable {
  private let lock = NSLock()
  private let count: Int
  private var free: [UnsafeMutablePointer<Float>] = []
  private var all: [UnsafeMutablePointer<Float>] = []

  init(count: Int) { self.count = count }

  func take() -> UnsafeMutablePointer<Float> {
    lock.lock()
    defer { lock.unlock() }
    if let buffer = free.popLast() { return buffer }
    let buffer = UnsafeMutablePointer<Float>.allocateAligned(count: count)
    all.append(buffer)
    return buffer
  }

  func give(_ buffer: UnsafeMutablePointer<Float>) {
    lock.lock()
    defer { lock.unlock() }
    free.append(buffer)
  }

  func deallocateAll() {
    for buffer in all { buffer.deallocate() }
    all = []
    free = []
  }
}

extension UnsafeMutablePointer where Pointee == Float {
  /// Uninitialised storage for `count` floats on a 64-byte (cache line, AVX-512) boundary.
  fileprivate static func allocateAligned(count: Int) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, count) * 4, alignment: 64)
      .bindMemory(to: Float.self, capacity: Swift.max(1, count))
  }
}
