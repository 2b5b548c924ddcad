import Foundation

/// LE-MMSE for an isotropic patch metric with circular padding — the common case (every
/// agnostic input, every denoising input) — at a cost per candidate pair that barely grows
/// with the patch size, for one or several patch sizes in one pass.
///
/// For one training image `i` and one shift `s`, the squared distances of **all** query
/// patches `Π_p u` to the training patches `Π_{p+s} m_i` are a `P × P` box sum of the
/// per-pixel squared-difference image (the integral-image trick of fast non-local means):
///
/// ```
/// D_s[t]        = Σ_c (u[c, t] − m_i[c, t + s])²
/// ‖Π_p u − Π_{p+s} m_i‖² = Σ_{|o|∞ ≤ r} D_s[p + o]
/// ```
/// Box sums are separable and add only non-negative terms, so they are accurate to a few ulp
/// whatever `σ`.
///
/// The 16 SIMD lanes hold 16 **training images** (interleaved, pixel-major, rows repeated so
/// every shift is a plain offset), so every load is a whole vector and no sum crosses lanes.
/// On these machines a 512-bit load or store costs about a cycle and an addition a quarter of
/// one, so the kernel keeps values in registers:
/// - column pass: for each column, `D` down the rows with the vertical window in registers
///   (`SlidingWindow`, up to `P = 11`; beyond, van Herk/Gil-Werman sums of a column buffer);
/// - row pass: horizontal windows over the column sums, then the softmax update;
/// - shifts in pairs, so a query broadcast and a pass over a pixel's sums serve two candidates.
/// Query rows are taken in bands (`bandStateBytes`) so the per-pixel sums stay in cache.
///
/// **Several patch sizes** (`radii`) share everything up to the column sums: the interleaved
/// block, `D` (computed once per shift and row) and one history of pairs and quads from which
/// `NestedWindows` gives every `P ≤ 11` at once. Each size keeps its own references and sums,
/// and its column and row sums are added in exactly the order of a single-size pass, so each
/// size's result is bit for bit that of computing it alone.
///
/// Each pixel keeps one reference distance `d₀` (seeded from training image 0) and Float sums
/// of `e^{factor·(d₀ − d)}`; a candidate more than `slack` above the reference rescales the
/// pixel (rare), so no exponential overflows. The sums are folded into `Double` after each
/// block of 16 images. Weights below `e^(−40)` of the reference are flushed to zero
/// (`flushThreshold`).
///
/// **Pruning** (`pruneThreshold = T`): a pixel's pair of candidate vectors (32 candidates) is
/// skipped — no exponentials, no update — when every candidate lies more than `T` below the
/// reference in log-weight. The reference is a candidate's own distance, so each skipped
/// candidate weighs below `e^(−T)` of the pixel's best. Testing each pixel with a branch costs
/// more than it saves when few vectors are skippable (measured earlier: 19 % slower at σ = 0.2),
/// so a row is first swept for distances and a branch-free list of the pixels with a candidate
/// within the bound, and the update runs over that list only. The sweep pays only when many
/// vectors are skippable, so each size keeps a running fraction of skippable vectors,
/// measured on every sweep (and at least every 16th pass), and rows are swept while that
/// fraction is above `sweepFraction`: at low σ and large P nearly always, at P = 5, σ = 0.2
/// on FashionMNIST rarely. Exact mode never sweeps.
struct CircularBoxKernel: Sendable {
  let channels: Int
  let height: Int
  let width: Int
  /// The patch radii `r` (`P = 2r + 1`) of one pass, in the order of the results: distinct,
  /// each at most `largestRadius` with `P ≤ H, W`.
  let radii: [Int]
  /// Per radius, `1 / (2 σ² s)`, so `logit = −factor · distance`.
  let factors: [Float]
  /// `T`, or nil to compute every exponential (exact mode).
  var pruneThreshold: Float?
  /// How far (in log-weight) a candidate may exceed a pixel's reference before the pixel is
  /// rescaled: weights stay below `e^slack`. Zero tracks the exact best candidate (for seeds).
  var slack: Float = 30

  init(channels: Int, height: Int, width: Int, radii: [Int], factors: [Float], pruneThreshold: Float?) {
    precondition(!radii.isEmpty && radii.count == factors.count && Set(radii).count == radii.count,
                 "CircularBoxKernel needs distinct radii, one factor each (got \(radii), \(factors))")
    precondition(radii.allSatisfy { 0...Self.largestRadius ~= $0 && 2 * $0 + 1 <= Swift.min(height, width) },
                 "CircularBoxKernel radii \(radii) do not fit \(height)×\(width) images (at most \(Self.largestRadius))")
    self.channels = channels
    self.height = height
    self.width = width
    self.radii = radii
    self.factors = factors
    self.pruneThreshold = pruneThreshold
  }

  /// Weights below `e^(−flushThreshold)` of a pixel's reference are set to zero: they are far
  /// below Float resolution of the sums (`e^(−17)`), and their squares and products would
  /// otherwise be denormal numbers, which cost a microcode assist each (measured: P = 11
  /// ran 12 % slower). The reference is a candidate's own distance, so each flushed weight is
  /// below `e^(−40)` of the pixel's best.
  static let flushThreshold: Float = 40

  /// The largest radius with an unrolled kernel (`P ≤ 25`); larger patches use `DenseClassKernel`.
  static let largestRadius = 12
  /// From this radius on, box sums use van Herk / Gil-Werman blocks instead of direct sums.
  static let blockedRadius = 4
  /// The largest radius with a register window (`P = 11`).
  static let windowRadius = 5
  /// Rows are swept for skippable vectors while more than this fraction of vectors was
  /// skippable in the size's recent sweeps. Measured on FashionMNIST (N = 4,000, one thread):
  /// sweeping every pass cost 14 % at 26 % skippable (P = 5, σ = 0.2), broke even at 42 %
  /// (P = 3, σ = 0.05) and saved 19 % at 78 % (P = 11, σ = 0.2).
  static let sweepFraction: Float = 0.4
  /// Bytes of per-pixel sums one band of query rows may hold: 48 KiB (the L1 data cache) per
  /// channel. Each band pays `2r` halo rows of squared differences, which cost `C` times more
  /// with `C` channels, so colour images take taller bands (measured on CIFAR-10: 1.58 s per
  /// test image with 144 KiB against 1.90 s with 48 KiB; FashionMNIST is fastest at 48 KiB).
  /// Several sizes share one band, so they take the budget of one size each.
  static func bandStateBytes(channels: Int, sizes: Int) -> Int { 48 * 1024 * channels * sizes }

  /// Accumulates the candidates of training images `images` for the query `query`, one
  /// accumulator per radius. `seeds[k][pixel]` is a log-weight some candidate of the training
  /// set reaches for radius `k` (or nil): the pixel's reference starts there, so rescaling is
  /// rare from the first image on, and pruning can skip from the first image on.
  ///
  /// - Parameters:
  ///   - query: `u`, `C × H × W`.
  ///   - means: `m_i = B A x_i` of all training images, `N × C × H × W`.
  ///   - values: `x_i`, `N × C × H × W`.
  ///   - images: at most 16 training images.
  func accumulate(query: UnsafePointer<Float>, means: UnsafePointer<Float>, values: UnsafePointer<Float>,
                  images: Range<Int>, seeds: [[Float]]?) -> [SoftmaxAccumulator] {
    precondition(images.count <= laneCount, "CircularBoxKernel takes at most \(laneCount) training images per call")
    precondition(seeds == nil || seeds!.count == radii.count, "one seed map per radius")
    let arguments = (query, means, values, images, seeds)
    switch channels {
    case 1: return run(OneChannel.self, arguments)
    case 3: return run(ThreeChannels.self, arguments)
    default: return run(AnyChannels.self, arguments)
    }
  }

  private func run<Channels: StaticChannels>(
    _: Channels.Type,
    _ arguments: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, Range<Int>, [[Float]]?)
  ) -> [SoftmaxAccumulator] {
    let (query, means, values, images, seeds) = arguments
    let frame = BoxFrame(kernel: self, channels: Channels.count(channels), lanes: images.count)
    defer { frame.deallocate() }
    frame.interleave(query: query, means: means, values: values, images: images)
    let (H, W, plane, sizes) = (height, width, height * width, radii.count)
    for k in 0..<sizes {
      for p in 0..<plane { frame.references[k * plane + p] = seeds.map { -$0[k][p] / factors[k] } ?? .infinity }
    }
    var results = (0..<sizes).map { _ in SoftmaxAccumulator(pixels: plane, channels: frame.C) }
    var trackers = [SkipTracker](repeating: SkipTracker(), count: sizes)
    for bandStart in stride(from: 0, to: H, by: frame.bandRows) {
      let rows = Swift.min(frame.bandRows, H - bandStart)
      frame.state.update(repeating: 0, count: sizes * frame.bandRows * W * frame.stateStride)
      // Per size: the candidates of each band pixel in swept passes.
      var sweptPairs = [Int](repeating: 0, count: sizes)
      for shiftY in 0..<H {
        // Shifts in pairs (x, x + 1): the pair shares each query broadcast and each load and
        // store of a pixel's sums. With W odd the last pair's second shift is void.
        for shiftX in stride(from: 0, to: W, by: 2) {
          let pass = BoxFrame.Pass(bandStart: bandStart, rows: rows, shiftY: shiftY, shiftX: shiftX)
          if sizes == 1 {
            ColumnPass<Channels>(frame: frame, pass: pass)(radius: radii[0])
          } else {
            frame.nestedColumnPass(Channels.self, pass)
          }
          for k in 0..<sizes {
            let sweep = pruneThreshold != nil && trackers[k].shouldSweep()
            let measured = RowPass<Channels>(frame: frame, pass: pass, size: k, sweep: sweep)(radius: radii[k])
            if sweep {
              trackers[k].record(measured)
              sweptPairs[k] += frame.lanes * (shiftX + 1 < W ? 2 : 1)
            }
          }
        }
      }
      for k in 0..<sizes {
        frame.fold(size: k, bandStart: bandStart, rows: rows, into: &results[k])
        for p in bandStart * W ..< (bandStart + rows) * W {
          results[k].skipped[p] = sweptPairs[k] - Int(frame.keptPairs[k * plane + p])
        }
      }
    }
    return results
  }
}

/// How often a size's sweeps found skippable vectors recently, and whether the next pass sweeps.
struct SkipTracker {
  /// An exponentially weighted fraction of skippable pixel vectors over the recent sweeps.
  private var fraction: Float = 1
  private var passes = 0

  mutating func shouldSweep() -> Bool {
    passes &+= 1
    return fraction > CircularBoxKernel.sweepFraction || passes % 16 == 0
  }

  mutating func record(_ measured: (tested: Int, skipped: Int)) {
    guard measured.tested > 0 else { return }
    fraction = 0.5 * fraction + 0.5 * Float(measured.skipped) / Float(measured.tested)
  }
}

/// The buffers and sizes of one `CircularBoxKernel.accumulate` call.
struct BoxFrame {
  /// Where one pair of shifts stands: the band's first query row and row count, the shifts.
  struct Pass {
    var bandStart: Int
    var rows: Int
    var shiftY: Int
    var shiftX: Int
  }

  // Plain values and pointers only, so copies of the frame (one per pass) cost no reference
  // counting.
  let C: Int, H: Int, W: Int, plane: Int
  /// Real lanes (training images) of the block; the rest are padding.
  let lanes: Int
  let sizes: Int
  /// Per size: the radius and `1 / (2 σ² s)`.
  let radii: UnsafeMutablePointer<Int>
  let factors: UnsafeMutablePointer<Float>
  let largestRadius: Int
  /// `T`, or nil.
  let pruneThreshold: Float?
  let slack: Float
  /// Rows of the repeated means `[−r, 2H + r)`, values `[0, 2H)`, query `[−r, H + r)`, with
  /// `r` the largest radius.
  let meansRows: Int, valuesRows: Int, queryRows: Int
  /// A row of column sums, continued circularly `r` columns each side.
  let boxRow: Int
  /// Per pixel: sum, square sum, weighted[c], 16 lanes each.
  let stateStride: Int
  let bandRows: Int
  let columnLength: Int
  private let workspace: Workspace
  let blockMeans: UnsafeMutablePointer<Float>   // [c][row + r][x][lane]; padding lanes +∞
  let blockValues: UnsafeMutablePointer<Float>  // [c][row][x][lane]
  let u: UnsafeMutablePointer<Float>            // [c][row + r][x]
  let columnSums: UnsafeMutablePointer<Float>   // [size][shift][row][boxRow][lane]
  let state: UnsafeMutablePointer<Float>        // [size][row][x][stateStride]
  let column: UnsafeMutablePointer<Float>       // one column of D per shift (buffered paths)
  let scratch: UnsafeMutablePointer<Float>      // prefix and suffix sums (blocked paths)
  let distances: UnsafeMutablePointer<Float>    // one row of distances per shift
  let references: UnsafeMutablePointer<Float>   // [size][pixel]: the reference distance
  /// Per size and pixel: candidates updated in swept passes (the others of those passes were
  /// skipped).
  let keptPairs: UnsafeMutablePointer<Int32>
  /// The pixels of a row whose update runs (pruning).
  let kept: UnsafeMutablePointer<Int32>

  init(kernel: CircularBoxKernel, channels C: Int, lanes: Int) {
    let (H, W, L) = (kernel.height, kernel.width, laneCount)
    let r = kernel.radii.max()!, sizes = kernel.radii.count
    (self.C, self.H, self.W, plane, self.lanes, self.sizes) = (C, H, W, H * W, lanes, sizes)
    (largestRadius, pruneThreshold, slack) = (r, kernel.pruneThreshold, kernel.slack)
    radii = .allocate(capacity: sizes)
    radii.initialize(from: kernel.radii, count: sizes)
    factors = .allocate(capacity: sizes)
    factors.initialize(from: kernel.factors, count: sizes)
    (meansRows, valuesRows, queryRows, boxRow) = (2 * H + 2 * r, 2 * H, H + 2 * r, W + 2 * r)
    stateStride = (2 + C) * L
    // Bands of equal height (a short last band would pay the 2r halo rows for little work).
    let bytesPerRow = sizes * W * stateStride * MemoryLayout<Float>.size
    let largestBand = Swift.max(1, Swift.min(H, CircularBoxKernel.bandStateBytes(channels: C, sizes: sizes) / bytesPerRow))
    let bandCount = (H + largestBand - 1) / largestBand
    bandRows = (H + bandCount - 1) / bandCount
    columnLength = bandRows + 2 * r
    workspace = Workspace(sizes: [
      C * meansRows * W * L, C * valuesRows * W * L, C * queryRows * W,
      sizes * 2 * bandRows * boxRow * L, sizes * bandRows * W * stateStride,
      2 * columnLength * L, 2 * Swift.max(columnLength, boxRow) * L, 2 * W * L, sizes * H * W,
    ])
    (blockMeans, blockValues, u) = (workspace[0], workspace[1], workspace[2])
    (columnSums, state, column, scratch) = (workspace[3], workspace[4], workspace[5], workspace[6])
    (distances, references) = (workspace[7], workspace[8])
    keptPairs = .allocate(capacity: sizes * H * W)
    keptPairs.initialize(repeating: 0, count: sizes * H * W)
    kept = .allocate(capacity: W)
    kept.initialize(repeating: 0, count: W)
  }

  func deallocate() {
    workspace.deallocate()
    radii.deallocate()
    factors.deallocate()
    keptPairs.deallocate()
    kept.deallocate()
  }

  /// Interleaves the block (lane j holds image images.lowerBound + j), rows repeated.
  func interleave(query: UnsafePointer<Float>, means: UnsafePointer<Float>, values: UnsafePointer<Float>, images: Range<Int>) {
    let (L, r) = (laneCount, largestRadius)
    for c in 0..<C {
      for row in 0..<meansRows {
        let sourceRow = (row - r + 2 * H) % H
        for x in 0..<W {
          let target = blockMeans + ((c * meansRows + row) * W + x) * L
          for j in 0..<L {
            target[j] = j < lanes ? means[((images.lowerBound + j) * C + c) * plane + sourceRow * W + x] : .infinity
          }
        }
      }
      for row in 0..<valuesRows {
        for x in 0..<W {
          let target = blockValues + ((c * valuesRows + row) * W + x) * L
          for j in 0..<L {
            target[j] = j < lanes ? values[((images.lowerBound + j) * C + c) * plane + (row % H) * W + x] : 0
          }
        }
      }
      for row in 0..<queryRows {
        (u + (c * queryRows + row) * W).update(from: query + c * plane + ((row - r + H) % H) * W, count: W)
      }
    }
  }

  /// The column sums of size `size` for `shift` (0 or 1 of the pair).
  @inline(__always)
  func sums(size: Int, shift: Int) -> UnsafeMutablePointer<Float> {
    columnSums + (size * 2 + shift) * bandRows * boxRow * laneCount
  }

  /// `D` at band row `k` (query row `bandStart − r + k`, `r` the largest radius) of one column
  /// against training column `trainingColumn`, both shifts of the pair at once.
  @inline(__always)
  func differences<Channels: StaticChannels>(_: Channels.Type, _ pass: Pass, x: Int, k: Int,
                                             _ firstColumn: Int, _ secondColumn: Int) -> (Lanes, Lanes) {
    let L = laneCount
    // Query row bandStart − r + k is query row index bandStart + k; its training row
    // (+ shiftY) is means row index bandStart + shiftY + k.
    let queryColumn = u + pass.bandStart * W + x
    let meansRow = blockMeans + (pass.bandStart + pass.shiftY) * W * L
    var first = Lanes(), second = Lanes()
    for c in 0..<Channels.count(C) {
      let q = Lanes(repeating: queryColumn[(c * queryRows + k) * W])
      let row = meansRow + (c * meansRows + k) * W * L
      let e = q - load(row + firstColumn * L), f = q - load(row + secondColumn * L)
      first = c == 0 ? e * e : first.addingProduct(e, e)
      second = c == 0 ? f * f : second.addingProduct(f, f)
    }
    return (first, second)
  }

  @inline(__always)
  func trainingColumns(_ pass: Pass, x: Int) -> (Int, Int) {
    let firstColumn = x + pass.shiftX < W ? x + pass.shiftX : x + pass.shiftX - W
    let secondColumn = firstColumn + 1 < W ? firstColumn + 1 : firstColumn + 1 - W
    return (firstColumn, secondColumn)
  }

  /// `D` at band row `k` of one column against training column `trainingColumn` (one shift):
  /// the operations of `differences`, so the values are the same bits.
  @inline(__always)
  func difference<Channels: StaticChannels>(_: Channels.Type, _ pass: Pass, x: Int, k: Int, _ trainingColumn: Int) -> Lanes {
    let L = laneCount
    let queryColumn = u + pass.bandStart * W + x
    let meansRow = blockMeans + (pass.bandStart + pass.shiftY) * W * L
    var total = Lanes()
    for c in 0..<Channels.count(C) {
      let e = Lanes(repeating: queryColumn[(c * queryRows + k) * W]) - load(meansRow + (c * meansRows + k) * W * L + trainingColumn * L)
      total = c == 0 ? e * e : total.addingProduct(e, e)
    }
    return total
  }

  /// Several sizes: `D` once per row and shift, every windowed size from one `NestedWindows`
  /// history, the larger sizes by buffered box sums of the same `D`. Each shift of the pair
  /// on its own, so one history stays in registers.
  func nestedColumnPass<Channels: StaticChannels>(_: Channels.Type, _ pass: Pass) {
    let (L, R, rows) = (laneCount, largestRadius, pass.rows)
    let blocked = R > CircularBoxKernel.windowRadius
    for x in 0..<W {
      let (firstColumn, secondColumn) = trainingColumns(pass, x: x)
      for shift in 0..<2 {
        let trainingColumn = shift == 0 ? firstColumn : secondColumn
        var windows = NestedWindows()
        for k in 0..<(rows + 2 * R) {
          let d = difference(Channels.self, pass, x: x, k: k, trainingColumn)
          if blocked { store(d, column + (shift * columnLength + k) * L) }
          let all = windows.push(d)
          for size in 0..<sizes where radii[size] <= CircularBoxKernel.windowRadius {
            // The window of radius r pushed at band row k ends there: output row k − R − r.
            let r = radii[size], a = k - R - r
            guard a >= 0 && a < rows else { continue }
            let sum = r == 0 ? all.0 : r == 1 ? all.1 : r == 2 ? all.2 : r == 3 ? all.3 : r == 4 ? all.4 : all.5
            store(sum, sums(size: size, shift: shift) + (a * boxRow + x + r) * L)
          }
        }
        for size in 0..<sizes where radii[size] > CircularBoxKernel.windowRadius {
          BlockedColumn(frame: self, input: column + (shift * columnLength + R - radii[size]) * L, rows: rows,
                        output: sums(size: size, shift: shift) + (x + radii[size]) * L)(radius: radii[size])
        }
      }
    }
  }

  /// Folds the band's lanes of size `size` into the pixels' double sums (a float sum of H·W
  /// terms per lane is accurate enough; of N·H·W terms it would not be).
  func fold(size: Int, bandStart: Int, rows: Int, into result: inout SoftmaxAccumulator) {
    let L = laneCount
    let bandState = state + size * bandRows * W * stateStride
    for row in 0..<rows {
      for x in 0..<W {
        let p = (bandStart + row) * W + x
        let pixel = bandState + (row * W + x) * stateStride
        result.maximum[p] = -Double(factors[size]) * Double(references[size * plane + p])
        var sum = 0.0, squareSum = 0.0
        for j in 0..<lanes {
          sum += Double(pixel[j])
          squareSum += Double(pixel[L + j])
        }
        result.sum[p] = sum
        result.squareSum[p] = squareSum
        for c in 0..<C {
          var weighted = 0.0
          for j in 0..<lanes { weighted += Double(pixel[(2 + c) * L + j]) }
          result.weighted[p * C + c] = weighted
        }
      }
    }
  }
}

/// The column sums of a larger size from a buffered column of `D` (several sizes).
private struct BlockedColumn: RadiusVisitor {
  let frame: BoxFrame
  let input: UnsafeMutablePointer<Float>
  let rows: Int
  let output: UnsafeMutablePointer<Float>

  func visit<R: StaticRadius>(_: R.Type) {
    boxSums(R.self, input, count: rows, into: output, stride: frame.boxRow * laneCount, scratch: frame.scratch)
  }
}

/// One size: the column sums of a pair of shifts, with the vertical windows in registers.
struct ColumnPass<Channels: StaticChannels>: RadiusVisitor {
  let frame: BoxFrame
  let pass: BoxFrame.Pass

  func visit<R: StaticRadius>(_: R.Type) {
    let f = frame, r = R.value, L = laneCount, rows = pass.rows, boxRow = f.boxRow
    let firstSums = f.sums(size: 0, shift: 0), secondSums = f.sums(size: 0, shift: 1)
    for x in 0..<f.W {
      let (firstColumn, secondColumn) = f.trainingColumns(pass, x: x)
      if R.hasWindow {
        var firstWindow = R.Window(), secondWindow = R.Window()
        for k in 0..<(2 * r) {
          let (first, second) = f.differences(Channels.self, pass, x: x, k: k, firstColumn, secondColumn)
          _ = firstWindow.push(first)
          _ = secondWindow.push(second)
        }
        for row in 0..<rows {
          let (first, second) = f.differences(Channels.self, pass, x: x, k: row + 2 * r, firstColumn, secondColumn)
          store(firstWindow.push(first), firstSums + (row * boxRow + x + r) * L)
          store(secondWindow.push(second), secondSums + (row * boxRow + x + r) * L)
        }
      } else {
        for k in 0..<(rows + 2 * r) {
          let (first, second) = f.differences(Channels.self, pass, x: x, k: k, firstColumn, secondColumn)
          store(first, f.column + k * L)
          store(second, f.column + (f.columnLength + k) * L)
        }
        boxSums(R.self, f.column, count: rows, into: firstSums + (x + r) * L, stride: boxRow * L, scratch: f.scratch)
        boxSums(R.self, f.column + f.columnLength * L, count: rows, into: secondSums + (x + r) * L,
                stride: boxRow * L, scratch: f.scratch)
      }
    }
  }
}

/// One size: the horizontal windows over the column sums of a pair of shifts, then the
/// softmax update of every pixel of the band — directly, or (`sweep`) over the list of
/// pixels with a candidate within the pruning bound. Returns the pixel vectors tested and
/// skipped (zero when not sweeping).
struct RowPass<Channels: StaticChannels>: RadiusVisitor {
  let frame: BoxFrame
  let pass: BoxFrame.Pass
  let size: Int
  let sweep: Bool

  func visit<R: StaticRadius>(_: R.Type) -> (tested: Int, skipped: Int) {
    let f = frame, r = R.value, L = laneCount, W = f.W
    let firstSums = f.sums(size: size, shift: 0), secondSums = f.sums(size: size, shift: 1)
    let distances = f.distances, kept = f.kept
    let secondValid = pass.shiftX + 1 < W
    let skipDistance = (f.pruneThreshold ?? .infinity) / f.factors[size]
    let references = f.references + size * f.plane, keptPairs = f.keptPairs + size * f.plane
    let pairLanes = Int32(f.lanes * (secondValid ? 2 : 1))
    var tested = 0, skipped = 0
    for row in 0..<pass.rows {
      let firstRow = firstSums + row * f.boxRow * L, secondRow = secondSums + row * f.boxRow * L
      for k in 0..<r {
        store(load(firstRow + (W + k) * L), firstRow + k * L)
        store(load(firstRow + (r + k) * L), firstRow + (W + r + k) * L)
        store(load(secondRow + (W + k) * L), secondRow + k * L)
        store(load(secondRow + (r + k) * L), secondRow + (W + r + k) * L)
      }
      let update = PixelUpdate<Channels>(frame: f, pass: pass, size: size, row: row)
      // The horizontal windows: in registers up to P = 11, else from buffered rows.
      var firstWindow = R.Window(), secondWindow = R.Window()
      if R.hasWindow {
        for k in 0..<(2 * r) {
          _ = firstWindow.push(load(firstRow + k * L))
          _ = secondWindow.push(load(secondRow + k * L))
        }
      } else {
        boxSums(R.self, firstRow, count: W, into: distances, stride: L, scratch: f.scratch)
        boxSums(R.self, secondRow, count: W, into: distances + W * L, stride: L, scratch: f.scratch)
      }
      if !sweep {
        for x in 0..<W {
          let first = R.hasWindow ? firstWindow.push(load(firstRow + (x + 2 * r) * L)) : load(distances + x * L)
          let second = R.hasWindow ? secondWindow.push(load(secondRow + (x + 2 * r) * L)) : load(distances + (W + x) * L)
          update(x, first, second)
        }
        continue
      }
      // Sweep: the distances and, without branches, the list of pixels with a candidate
      // within the bound; then the updates of those pixels only.
      let y = pass.bandStart + row
      var count = 0
      for x in 0..<W {
        let first = R.hasWindow ? firstWindow.push(load(firstRow + (x + 2 * r) * L)) : load(distances + x * L)
        let second = R.hasWindow ? secondWindow.push(load(secondRow + (x + 2 * r) * L)) : load(distances + (W + x) * L)
        if R.hasWindow {
          store(first, distances + x * L)
          store(second, distances + (W + x) * L)
        }
        let bound = references[y * W + x] + skipDistance
        let within = (first .<= Lanes(repeating: bound)) .| (second .<= Lanes(repeating: secondValid ? bound : -.infinity))
        kept[count] = Int32(truncatingIfNeeded: x)
        count &+= anyLane(within) ? 1 : 0
      }
      for index in 0..<count {
        let x = Int(kept[index])
        update(x, load(distances + x * L), load(distances + (W + x) * L))
        keptPairs[y * W + x] &+= pairLanes
      }
      tested &+= W
      skipped &+= W &- count
    }
    return (tested, skipped)
  }
}

/// The softmax update of one pixel of a row with the distances of its two candidate vectors
/// (both shifts of the pair).
struct PixelUpdate<Channels: StaticChannels> {
  let factor: Float
  let trigger: Float
  let secondShare: Lanes
  let references: UnsafeMutablePointer<Float>
  let rowState: UnsafeMutablePointer<Float>
  let valueRow: UnsafeMutablePointer<Float>
  let stateStride: Int, valuesPlane: Int, C: Int, W: Int, shiftX: Int

  @inline(__always)
  init(frame f: BoxFrame, pass: BoxFrame.Pass, size: Int, row: Int) {
    let y = pass.bandStart + row
    factor = f.factors[size]
    trigger = f.slack / factor
    // 1, or 0 to void the second shift of the last pair when W is odd (it repeats shift 0).
    secondShare = Lanes(repeating: pass.shiftX + 1 < f.W ? 1 : 0)
    references = f.references + size * f.plane + y * f.W
    rowState = f.state + (size * f.bandRows + row) * f.W * f.stateStride
    valueRow = f.blockValues + (y + pass.shiftY) * f.W * laneCount
    (stateStride, valuesPlane, C, W, shiftX) = (f.stateStride, f.valuesRows * f.W * laneCount, Channels.count(f.C), f.W, pass.shiftX)
  }

  // Transparent: `@inline(__always)` left one of the two call sites of this large function
  // an out-of-line call (measured: the sweep 1.5× slower).
  @_transparent
  func callAsFunction(_ x: Int, _ first: Lanes, _ second: Lanes) {
    let L = laneCount
    let pixel = rowState + x * stateStride
    var reference = references[x]
    let floor = Lanes(repeating: reference - trigger)
    if anyLane((first .< floor) .| (second .< floor)) {
      // A candidate far better than the reference: move the reference to it.
      let best = Swift.min(first.min(), second.min())
      let scale = exponential(Lanes(repeating: (best - reference) * factor))
      store(load(pixel) * scale, pixel)
      store(load(pixel + L) * (scale * scale), pixel + L)
      for c in 0..<C { store(load(pixel + (2 + c) * L) * scale, pixel + (2 + c) * L) }
      reference = best
      references[x] = best
    }
    let referenceLanes = Lanes(repeating: reference), factorLanes = Lanes(repeating: factor)
    let cutoff = Lanes(repeating: -CircularBoxKernel.flushThreshold)
    let firstArgument = (referenceLanes - first) * factorLanes
    let secondArgument = (referenceLanes - second) * factorLanes
    // Arguments are at most `slack`, and lanes below the cutoff are zeroed: no clamps.
    let firstWeight = keeping(unclampedExponential(firstArgument), where: firstArgument .>= cutoff)
    let secondWeight = keeping(unclampedExponential(secondArgument), where: secondArgument .>= cutoff) * secondShare
    store(load(pixel) + (firstWeight + secondWeight), pixel)
    store(load(pixel + L).addingProduct(firstWeight, firstWeight).addingProduct(secondWeight, secondWeight), pixel + L)
    let firstColumn = x + shiftX < W ? x + shiftX : x + shiftX - W
    let secondColumn = firstColumn + 1 < W ? firstColumn + 1 : firstColumn + 1 - W
    for c in 0..<C {
      let values = valueRow + c * valuesPlane
      let weighted = load(pixel + (2 + c) * L)
        .addingProduct(firstWeight, load(values + firstColumn * L))
        .addingProduct(secondWeight, load(values + secondColumn * L))
      store(weighted, pixel + (2 + c) * L)
    }
  }
}
