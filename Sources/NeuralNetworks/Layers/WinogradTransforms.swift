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

  /// Copies `plane` (`H × W`) into `padded` (`paddedHeight × paddedWidth`):
  /// `padded[q][s] = plane[q − 1][s − 1]`, wrapped (circular) or 0 outside (zeros).
  static func pad(_ plane: UnsafePointer<Float>, _ tiling: Tiling, _ padding: Padding,
                  into padded: UnsafeMutablePointer<Float>) {
    let height = tiling.height, width = tiling.width, paddedWidth = tiling.paddedWidth
    for q in 0..<tiling.paddedHeight {
      let target = padded + q * paddedWidth
      var i = q - 1
      if padding == .zeros && (i < 0 || i >= height) {
        target.update(repeating: 0, count: paddedWidth)
        continue
      }
      i = (i % height + height) % height
      let source = plane + i * width
      (target + 1).update(from: source, count: width)
      for s in (width + 1)..<paddedWidth {
        target[s] = padding == .zeros ? 0 : source[(s - 1) % width]
      }
      target[0] = padding == .zeros ? 0 : source[width - 1]
    }
  }

  /// The adjoint of `pad`: `plane[i][j] = Σ padded[q][s]` over the `(q, s)` that read `(i, j)`.
  /// Overwrites `plane`.
  static func fold(_ padded: UnsafePointer<Float>, _ tiling: Tiling, _ padding: Padding,
                   into plane: UnsafeMutablePointer<Float>) {
    let height = tiling.height, width = tiling.width, paddedWidth = tiling.paddedWidth
    for i in 0..<height {
      (plane + i * width).update(from: padded + (i + 1) * paddedWidth + 1, count: width)
    }
    guard padding == .circular else { return }
    for q in 0..<tiling.paddedHeight {
      let source = padded + q * paddedWidth
      let i = ((q - 1) % height + height) % height
      let row = plane + i * width
      if q >= 1 && q <= height {
        row[width - 1] += source[0]
        for s in (width + 1)..<paddedWidth { row[(s - 1) % width] += source[s] }
      } else {
        row[width - 1] += source[0]
        for s in 1..<paddedWidth { row[(s - 1) % width] += source[s] }
      }
    }
  }

  /// `V[ξ][t] = (Bᵀ d_t B)[ξ]` for the tiles `d_t` of one padded plane; `V[ξ]` at `v + ξ · stride`.
  static func transformInput(_ padded: UnsafePointer<Float>, _ tiling: Tiling, into v: UnsafeMutablePointer<Float>,
                             stride: Int) {
    let paddedWidth = tiling.paddedWidth, columns = tiling.columns
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * paddedWidth) { rows in
      let r = rows.baseAddress!
      for ti in 0..<tiling.rows {
        let d0 = padded + 2 * ti * paddedWidth, d1 = d0 + paddedWidth, d2 = d1 + paddedWidth, d3 = d2 + paddedWidth
        let r0 = r, r1 = r + paddedWidth, r2 = r1 + paddedWidth, r3 = r2 + paddedWidth
        for s in 0..<paddedWidth {
          r0[s] = d0[s] - d2[s]
          r1[s] = d1[s] + d2[s]
          r2[s] = d2[s] - d1[s]
          r3[s] = d1[s] - d3[s]
        }
        let base = ti * columns
        for alpha in 0..<4 {
          let row = r + alpha * paddedWidth
          let v0 = v + (4 * alpha) * stride + base, v1 = v0 + stride, v2 = v1 + stride, v3 = v2 + stride
          for tj in 0..<columns {
            let e = row[2 * tj], o = row[2 * tj + 1], e2 = row[2 * tj + 2], o2 = row[2 * tj + 3]
            v0[tj] = e - e2
            v1[tj] = o + e2
            v2[tj] = e2 - o
            v3[tj] = o - o2
          }
        }
      }
    }
  }

  /// The adjoint of `transformInput`: `padded = Σ_t B ∂V_t Bᵀ` placed at each tile (overwrites `padded`).
  static func addInputGradient(_ dv: UnsafePointer<Float>, stride: Int, _ tiling: Tiling,
                               into padded: UnsafeMutablePointer<Float>) {
    let paddedWidth = tiling.paddedWidth, columns = tiling.columns
    // Rows 0 and 1 are only added to; every later row is first written by the tile row above it.
    padded.update(repeating: 0, count: 2 * paddedWidth)
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * paddedWidth) { rows in
      let w = rows.baseAddress!
      for ti in 0..<tiling.rows {
        let base = ti * columns
        // Along each row α: w_α = the adjoint of the column transform, tiles overlapping by 2.
        for alpha in 0..<4 {
          let row = w + alpha * paddedWidth
          let v0 = dv + (4 * alpha) * stride + base, v1 = v0 + stride, v2 = v1 + stride, v3 = v2 + stride
          row[0] = 0
          row[1] = 0
          for tj in 0..<columns {
            let a = v0[tj], b = v1[tj], c = v2[tj], d = v3[tj]
            row[2 * tj] += a
            row[2 * tj + 1] += b - c + d
            row[2 * tj + 2] = c + b - a
            row[2 * tj + 3] = -d
          }
        }
        let p0 = padded + 2 * ti * paddedWidth, p1 = p0 + paddedWidth, p2 = p1 + paddedWidth, p3 = p2 + paddedWidth
        let w0 = w, w1 = w + paddedWidth, w2 = w1 + paddedWidth, w3 = w2 + paddedWidth
        for s in 0..<paddedWidth {
          p0[s] += w0[s]
          p1[s] += w1[s] - w2[s] + w3[s]
          p2[s] = w2[s] + w1[s] - w0[s]
          p3[s] = -w3[s]
        }
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
