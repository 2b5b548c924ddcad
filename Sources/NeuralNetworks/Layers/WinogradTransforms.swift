import Tensors

/// The transforms of Winograd's minimal filtering F(2 × 2, 3 × 3)
/// ([Lavin & Gray 2015](https://arxiv.org/abs/1509.09308)) and their adjoints, one plane at a time:
/// the plain kernels of `WinogradConvolution3x3`.
///
/// A `3 × 3` correlation of a `4 × 4` input tile `d` gives a `2 × 2` output tile
///
/// ```
/// Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A
///
///      ⎡1  0 −1  0⎤        ⎡1    0    0 ⎤        ⎡1  1  1  0⎤
/// Bᵀ = ⎢0  1  1  0⎥    G = ⎢½    ½    ½ ⎥   Aᵀ = ⎣0  1 −1 −1⎦
///      ⎢0 −1  1  0⎥        ⎢½   −½    ½ ⎥
///      ⎣0  1  0 −1⎦        ⎣0    0    1 ⎦
/// ```
/// with 16 multiplications instead of 36; summed over input channels, the 16 element-wise
/// products become 16 matrix products `M[ξ] = U[ξ] · V[ξ]` (`ξ = 4α + β`, the position in the
/// `4 × 4` transformed tile). The entries are 0, ±1 and ±½, so the transforms are exact up to
/// the rounding of a few additions.
///
/// Layouts (`T` the tiles of a block of images, image after image, row-major within an image):
/// `U` is `[16][O][C]`, `V` and `∂V` are `[16][C][T]`, `M` and `∂M` are `[16][O][T]`. A plane of
/// `H × W` has `⌈H/2⌉ × ⌈W/2⌉` tiles; the tiles of an odd size overhang by one row or column,
/// whose outputs are dropped (and whose output gradients are 0).
enum WinogradTransforms {
  /// The tiles of one plane: `rows × columns`, `⌈H/2⌉ × ⌈W/2⌉`.
  struct Tiling {
    let height: Int, width: Int
    var rows: Int { (height + 1) / 2 }
    var columns: Int { (width + 1) / 2 }
    var count: Int { rows * columns }
    /// The padded plane the tiles read: one pixel each side of `2·rows × 2·columns`.
    var paddedHeight: Int { 2 * rows + 2 }
    var paddedWidth: Int { 2 * columns + 2 }
    /// The length of a row of even or odd columns of the padded plane (`WinogradTransforms.split`),
    /// with room for a vector read one past the row's last tile.
    var splitWidth: Int { (columns + 15) / 16 * 16 + 16 }
    /// The floats of a split padded plane.
    var splitCount: Int { 2 * paddedHeight * splitWidth }
  }

  /// `U[ξ][o][c] = (G g Gᵀ)[ξ]` for every `g = weight[o, c]` (`O × C × 3 × 3`).
  static func transformWeights(_ weight: UnsafePointer<Float>, outputChannels: Int, inputChannels: Int,
                               into u: UnsafeMutablePointer<Float>) {
    let stride = outputChannels * inputChannels
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 12) { scratch in
      let h = scratch.baseAddress!  // G g: 4 × 3
      for pair in 0..<stride {
        let g = weight + pair * 9
        for b in 0..<3 {
          let g0 = g[b], g1 = g[3 + b], g2 = g[6 + b]
          h[b] = g0
          h[3 + b] = 0.5 * (g0 + g1 + g2)
          h[6 + b] = 0.5 * (g0 - g1 + g2)
          h[9 + b] = g2
        }
        for alpha in 0..<4 {
          let h0 = h[3 * alpha], h1 = h[3 * alpha + 1], h2 = h[3 * alpha + 2]
          u[(4 * alpha) * stride + pair] = h0
          u[(4 * alpha + 1) * stride + pair] = 0.5 * (h0 + h1 + h2)
          u[(4 * alpha + 2) * stride + pair] = 0.5 * (h0 - h1 + h2)
          u[(4 * alpha + 3) * stride + pair] = h2
        }
      }
    }
  }

  /// The adjoint of `transformWeights`: `∂weight[o, c] += Gᵀ ∂U[·][o][c] G`.
  static func addWeightGradient(_ du: UnsafePointer<Float>, outputChannels: Int, inputChannels: Int,
                                to gradient: UnsafeMutablePointer<Float>) {
    let stride = outputChannels * inputChannels
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 12) { scratch in
      let h = scratch.baseAddress!  // ∂(G g): 4 × 3
      for pair in 0..<stride {
        for alpha in 0..<4 {
          let d0 = du[(4 * alpha) * stride + pair], d1 = du[(4 * alpha + 1) * stride + pair]
          let d2 = du[(4 * alpha + 2) * stride + pair], d3 = du[(4 * alpha + 3) * stride + pair]
          h[3 * alpha] = d0 + 0.5 * (d1 + d2)
          h[3 * alpha + 1] = 0.5 * (d1 - d2)
          h[3 * alpha + 2] = 0.5 * (d1 + d2) + d3
        }
        let g = gradient + pair * 9
        for b in 0..<3 {
          let h0 = h[b], h1 = h[3 + b], h2 = h[6 + b], h3 = h[9 + b]
          g[b] += h0 + 0.5 * (h1 + h2)
          g[3 + b] += 0.5 * (h1 - h2)
          g[6 + b] += 0.5 * (h1 + h2) + h3
        }
      }
    }
  }

  typealias Vector = SIMD16<Float>

  @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Vector {
    UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
  }
  @inline(__always) static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, count: Int = 16) {
    if count >= 16 {
      UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    } else {
      for lane in 0..<count { p[lane] = v[lane] }
    }
  }
  /// `0, 1, …, 15`: masks the lanes past the last tile of a row.
  static let lanes: Vector = {
    var v = Vector()
    for lane in 0..<16 { v[lane] = Float(lane) }
    return v
  }()

  /// `row[j]` for `−W ≤ j < 2W`, wrapped.
  @inline(__always)
  private static func pixel(_ row: UnsafePointer<Float>, _ j: Int, width: Int) -> Float {
    row[j < 0 ? j + width : j >= width ? j - width : j]
  }

  /// The padded plane split by column parity: row `q` of the padded plane `P`
  /// (`P[q][s] = plane[q − 1][s − 1]`, wrapped or 0) is stored as `E_q[k] = P[q][2k]` at
  /// `split + 2q · L` and `O_q[k] = P[q][2k + 1]` at `split + (2q + 1) · L`, `L = splitWidth`, so
  /// that the tiles of a row (stride 2) read contiguous vectors.
  static func split(_ plane: UnsafePointer<Float>, _ tiling: Tiling, _ padding: Padding,
                    into split: UnsafeMutablePointer<Float>) {
    let height = tiling.height, width = tiling.width, columns = tiling.columns, length = tiling.splitWidth
    let interior = (width - 1) / 2  // k ≤ interior: both 2k − 1 and 2k inside the row
    for q in 0..<tiling.paddedHeight {
      let even = split + 2 * q * length, odd = even + length
      let i = q - 1
      let row: UnsafePointer<Float>? = padding == .zeros && (i < 0 || i >= height)
        ? nil : plane + ((i % height + height) % height) * width
      if let row, interior >= 1 {
        // 32 pixels from column 2k₀ − 1 hold E[k₀ …] (even lanes) and O[k₀ …] (odd lanes); a
        // vector may read into the next rows, never past the plane.
        let available = plane + height * width - row
        var k0 = 1
        while k0 <= interior {
          if 2 * k0 + 31 <= available {
            let pixels = UnsafeRawPointer(row + 2 * k0 - 1).loadUnaligned(as: SIMD32<Float>.self)
            store(pixels.evenHalf, even + k0)
            store(pixels.oddHalf, odd + k0)
          } else {
            for k in k0...Swift.min(interior, k0 + 15) {
              even[k] = row[2 * k - 1]
              odd[k] = row[2 * k]
            }
          }
          k0 += 16
        }
      }
      guard let row else {
        even.update(repeating: 0, count: columns + 1)
        odd.update(repeating: 0, count: columns + 1)
        continue
      }
      // The columns that wrap or read 0: k = 0 and those past the interior.
      @inline(__always) func edge(_ k: Int) {
        even[k] = padding == .zeros && (2 * k - 1 < 0 || 2 * k - 1 >= width) ? 0 : pixel(row, 2 * k - 1, width: width)
        odd[k] = padding == .zeros && 2 * k >= width ? 0 : pixel(row, 2 * k, width: width)
      }
      edge(0)
      if interior < columns {
        for k in (interior + 1)...columns { edge(k) }
      }
    }
  }

  /// `V[ξ][t] = (Bᵀ d_t B)[ξ]` for the tiles `d_t` of one plane (`H × W`, padded here); `V[ξ]`
  /// at `v + ξ · stride`, `tiling.count` tiles.
  ///
  /// Sixteen tiles of a row at a time; a vector that runs past the row's last tile writes into
  /// the next rows' places (rewritten when their turn comes), never past the plane's tiles.
  static func transformInput(_ plane: UnsafePointer<Float>, _ tiling: Tiling, _ padding: Padding,
                             into v: UnsafeMutablePointer<Float>, stride: Int) {
    let columns = tiling.columns, length = tiling.splitWidth, tiles = tiling.count
    withUnsafeTemporaryAllocation(of: Float.self, capacity: tiling.splitCount) { buffer in
      let s = buffer.baseAddress!
      split(plane, tiling, padding, into: s)
      for ti in 0..<tiling.rows {
        let base = ti * columns
        var tj0 = 0
        while tj0 < columns {
          let count = Swift.min(16, tiles - base - tj0)
          // Rows 2ti … 2ti + 3 of the padded plane at the tiles' four columns (e, o, e′, o′).
          @inline(__always) func rowTransform(_ offset: Int, odd: Bool) -> (Vector, Vector, Vector, Vector) {
            let r0 = s + (2 * (2 * ti) + (odd ? 1 : 0)) * length + tj0 + offset
            let d0 = load(r0), d1 = load(r0 + 2 * length), d2 = load(r0 + 4 * length), d3 = load(r0 + 6 * length)
            return (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
          }
          let e = rowTransform(0, odd: false), o = rowTransform(0, odd: true)
          let e2 = rowTransform(1, odd: false), o2 = rowTransform(1, odd: true)
          let target = v + base + tj0
          @inline(__always) func columnTransform(_ alpha: Int, _ e: Vector, _ o: Vector, _ e2: Vector, _ o2: Vector) {
            let row = target + 4 * alpha * stride
            store(e - e2, row, count: count)
            store(o + e2, row + stride, count: count)
            store(e2 - o, row + 2 * stride, count: count)
            store(o - o2, row + 3 * stride, count: count)
          }
          columnTransform(0, e.0, o.0, e2.0, o2.0)
          columnTransform(1, e.1, o.1, e2.1, o2.1)
          columnTransform(2, e.2, o.2, e2.2, o2.2)
          columnTransform(3, e.3, o.3, e2.3, o2.3)
          tj0 += 16
        }
      }
    }
  }

  /// The adjoint of `transformInput`: `plane = Σ_t B ∂V_t Bᵀ`, each tile's `4 × 4` placed where it
  /// was read and folded back by the padding (overwrites `plane`). Reads up to 15 floats past
  /// the plane's tiles in each `∂V[ξ]` (their lanes are masked).
  static func addInputGradient(_ dv: UnsafePointer<Float>, stride: Int, _ tiling: Tiling, _ padding: Padding,
                               into plane: UnsafeMutablePointer<Float>) {
    let columns = tiling.columns, length = tiling.splitWidth
    withUnsafeTemporaryAllocation(of: Float.self, capacity: tiling.splitCount) { buffer in
      let s = buffer.baseAddress!
      s.update(repeating: 0, count: tiling.splitCount)
      for ti in 0..<tiling.rows {
        let base = ti * columns
        var tj0 = 0
        while tj0 < columns {
          let outside = lanes .>= Vector(repeating: Float(columns - tj0))
          let source = dv + base + tj0
          // Along each row α: (∂e, ∂o, ∂e′, ∂o′), the adjoint of the column transform.
          @inline(__always) func columnAdjoint(_ alpha: Int) -> (Vector, Vector, Vector, Vector) {
            let row = source + 4 * alpha * stride
            let w0 = load(row).replacing(with: 0, where: outside)
            let w1 = load(row + stride).replacing(with: 0, where: outside)
            let w2 = load(row + 2 * stride).replacing(with: 0, where: outside)
            let w3 = load(row + 3 * stride).replacing(with: 0, where: outside)
            return (w0, w1 - w2 + w3, w1 + w2 - w0, -w3)
          }
          let a0 = columnAdjoint(0), a1 = columnAdjoint(1), a2 = columnAdjoint(2), a3 = columnAdjoint(3)
          // Down the rows: the adjoint of the row transform, added into rows 2ti … 2ti + 3.
          @inline(__always) func add(_ x0: Vector, _ x1: Vector, _ x2: Vector, _ x3: Vector, offset: Int, odd: Bool) {
            let r0 = s + (2 * (2 * ti) + (odd ? 1 : 0)) * length + tj0 + offset
            let r1 = r0 + 2 * length, r2 = r1 + 2 * length, r3 = r2 + 2 * length
            store(load(r0) + x0, r0)
            store(load(r1) + (x1 - x2 + x3), r1)
            store(load(r2) + (x1 + x2 - x0), r2)
            store(load(r3) - x3, r3)
          }
          add(a0.0, a1.0, a2.0, a3.0, offset: 0, odd: false)
          add(a0.1, a1.1, a2.1, a3.1, offset: 0, odd: true)
          add(a0.2, a1.2, a2.2, a3.2, offset: 1, odd: false)
          add(a0.3, a1.3, a2.3, a3.3, offset: 1, odd: true)
          tj0 += 16
        }
      }
      fold(s, tiling, padding, into: plane)
    }
  }

  /// The adjoint of `split`: `plane[i][j] = Σ P[q][s]` over the `(q, s)` that read `(i, j)`.
  private static func fold(_ split: UnsafePointer<Float>, _ tiling: Tiling, _ padding: Padding,
                           into plane: UnsafeMutablePointer<Float>) {
    let height = tiling.height, width = tiling.width, paddedWidth = tiling.paddedWidth, length = tiling.splitWidth
    @inline(__always) func padded(_ q: Int, _ s: Int) -> Float { split[(2 * q + s % 2) * length + s / 2] }
    for i in 0..<height {
      let even = split + 2 * (i + 1) * length, odd = even + length, row = plane + i * width
      for k in 0..<(width / 2) {
        row[2 * k] = odd[k]
        row[2 * k + 1] = even[k + 1]
      }
      if width % 2 == 1 { row[width - 1] = odd[width / 2] }
    }
    guard padding == .circular else { return }
    for q in 0..<tiling.paddedHeight {
      let row = plane + ((q - 1 + height) % height) * width
      row[width - 1] += padded(q, 0)
      if q >= 1 && q <= height {
        for s in (width + 1)..<paddedWidth { row[(s - 1) % width] += padded(q, s) }
      } else {
        for s in 1..<paddedWidth { row[(s - 1) % width] += padded(q, s) }
      }
    }
  }

  /// `out[2ti + a][2tj + b] = bias + (Aᵀ M_t A)[a][b]` for the tiles of one plane (`M[ξ]` at
  /// `m + ξ · stride`); the overhanging row or column of an odd size is dropped.
  static func transformOutput(_ m: UnsafePointer<Float>, stride: Int, _ tiling: Tiling, bias: Float,
                              into plane: UnsafeMutablePointer<Float>) {
    let height = tiling.height, width = tiling.width, columns = tiling.columns
    let evenWidth = width / 2
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 8 * columns) { sums in
      let s = sums.baseAddress!
      for ti in 0..<tiling.rows {
        let base = ti * columns
        // Down the rows: s_aβ = (Aᵀ M)[a][β], for every tile of the row.
        for beta in 0..<4 {
          let m0 = m + beta * stride + base, m1 = m0 + 4 * stride, m2 = m1 + 4 * stride, m3 = m2 + 4 * stride
          let s0 = s + beta * columns, s1 = s + (4 + beta) * columns
          for tj in 0..<columns {
            s0[tj] = m0[tj] + m1[tj] + m2[tj]
            s1[tj] = m1[tj] - m2[tj] - m3[tj]
          }
        }
        for a in 0..<2 where 2 * ti + a < height {
          let row = plane + (2 * ti + a) * width
          let t0 = s + 4 * a * columns, t1 = t0 + columns, t2 = t1 + columns, t3 = t2 + columns
          for tj in 0..<evenWidth {
            row[2 * tj] = bias + t0[tj] + t1[tj] + t2[tj]
            row[2 * tj + 1] = bias + t1[tj] - t2[tj] - t3[tj]
          }
          if width % 2 == 1 {
            row[width - 1] = bias + t0[evenWidth] + t1[evenWidth] + t2[evenWidth]
          }
        }
      }
    }
  }

  /// The adjoint of `transformOutput` (without the bias): `∂M_t = A ∂Y_t Aᵀ`, with `∂Y = 0` on
  /// the overhanging row or column.
  static func transformOutputGradient(_ plane: UnsafePointer<Float>, _ tiling: Tiling, into dm: UnsafeMutablePointer<Float>,
                                      stride: Int) {
    let height = tiling.height, width = tiling.width, columns = tiling.columns
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * 2 * columns + 2 * (2 * columns)) { scratch in
      // The two image rows of a tile row, padded to an even width with 0.
      let y0 = scratch.baseAddress!, y1 = y0 + 2 * columns
      let z = y1 + 2 * columns  // z[α][b][tj]: (A ∂Y)[α][b], 8 rows of `columns`
      for ti in 0..<tiling.rows {
        y0.update(from: plane + 2 * ti * width, count: width)
        if width % 2 == 1 { y0[width] = 0 }
        if 2 * ti + 1 < height {
          y1.update(from: plane + (2 * ti + 1) * width, count: width)
          if width % 2 == 1 { y1[width] = 0 }
        } else {
          y1.update(repeating: 0, count: 2 * columns)
        }
        for b in 0..<2 {
          let z0 = z + b * columns, z1 = z + (2 + b) * columns, z2 = z + (4 + b) * columns, z3 = z + (6 + b) * columns
          for tj in 0..<columns {
            let top = y0[2 * tj + b], bottom = y1[2 * tj + b]
            z0[tj] = top
            z1[tj] = top + bottom
            z2[tj] = top - bottom
            z3[tj] = -bottom
          }
        }
        let base = ti * columns
        for alpha in 0..<4 {
          let left = z + (2 * alpha) * columns, right = left + columns
          let m0 = dm + (4 * alpha) * stride + base, m1 = m0 + stride, m2 = m1 + stride, m3 = m2 + stride
          for tj in 0..<columns {
            let l = left[tj], r = right[tj]
            m0[tj] = l
            m1[tj] = l + r
            m2[tj] = l - r
            m3[tj] = -r
          }
        }
      }
    }
  }
}
