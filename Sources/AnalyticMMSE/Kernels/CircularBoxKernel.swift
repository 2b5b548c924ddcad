import Foundation

/// LE-MMSE for an isotropic patch metric with circular padding — the common case (every
/// agnostic input, every denoising input) — at a cost per candidate pair that barely grows
/// with the patch size.
///
/// For one training image `i` and one shift `s`, the squared distances of **all** query
/// patches `Π_p u` to the training patches `Π_{p+s} m_i` are a `P × P` box sum of the
/// per-pixel squared-difference image (the integral-image trick of fast non-local means):
///
/// ```
/// D_s[t]        = Σ_c (u[c, t] − m_i[c, t + s])²
/// ‖Π_p u − Π_{p+s} m_i‖² = Σ_{|o|∞ ≤ r} D_s[p + o]
/// ```
/// Box sums are separable (columns, then rows) and add only non-negative terms, so they are
/// accurate to a few ulp whatever `σ`.
///
/// The 16 SIMD lanes hold 16 **training images** (stored interleaved, pixel-major), so every
/// load is an aligned whole vector and the box sums never shift lanes. Rows of `D_s` live in a
/// ring of `P` rows (in L1); each lane keeps its own online log-sum-exp per query pixel, folded
/// into `Double` after every block of 16 images. A query pixel whose 16 logits all lie more
/// than `T` below the lanes' running maxima is skipped after one comparison.
struct CircularBoxKernel: Sendable {
  let channels: Int
  let height: Int
  let width: Int
  let radius: Int
  /// `1 / (2 σ² s)`, so `logit = −factor · distance`.
  let factor: Float
  /// `T`, or `+∞` for exact.
  let threshold: Float

  /// The largest radius with an unrolled kernel (`P ≤ 25`); larger patches use `DenseClassKernel`.
  static let largestRadius = 12
  /// From this radius on, box sums use van Herk / Gil-Werman blocks instead of direct sums.
  static let blockedRadius = 4

  /// Accumulates the candidates of training images `images` for the query `query`.
  /// `seeds[pixel]` is a log-weight some candidate of the training set is known to reach
  /// (or nil): skipping below `seed − T` is then safe from the first image on.
  ///
  /// - Parameters:
  ///   - query: `u`, `C × H × W`.
  ///   - means: `m_i = B A x_i` of all training images, `N × C × H × W`.
  ///   - values: `x_i`, `N × C × H × W`.
  func accumulate(query: UnsafePointer<Float>, means: UnsafePointer<Float>, values: UnsafePointer<Float>,
                  images: Range<Int>, seeds: [Float]?) -> SoftmaxAccumulator {
    let arguments = (query, means, values, images, seeds)
    switch radius {
    case 0: return channels == 1 ? run(Radius0.self, OneChannel.self, arguments) : run(Radius0.self, AnyChannels.self, arguments)
    case 1: return channels == 1 ? run(Radius1.self, OneChannel.self, arguments) : run(Radius1.self, AnyChannels.self, arguments)
    case 2: return channels == 1 ? run(Radius2.self, OneChannel.self, arguments) : run(Radius2.self, AnyChannels.self, arguments)
    case 3: return channels == 1 ? run(Radius3.self, OneChannel.self, arguments) : run(Radius3.self, AnyChannels.self, arguments)
    case 4: return channels == 1 ? run(Radius4.self, OneChannel.self, arguments) : run(Radius4.self, AnyChannels.self, arguments)
    case 5: return channels == 1 ? run(Radius5.self, OneChannel.self, arguments) : run(Radius5.self, AnyChannels.self, arguments)
    case 6: return channels == 1 ? run(Radius6.self, OneChannel.self, arguments) : run(Radius6.self, AnyChannels.self, arguments)
    case 7: return channels == 1 ? run(Radius7.self, OneChannel.self, arguments) : run(Radius7.self, AnyChannels.self, arguments)
    case 8: return channels == 1 ? run(Radius8.self, OneChannel.self, arguments) : run(Radius8.self, AnyChannels.self, arguments)
    case 9: return channels == 1 ? run(Radius9.self, OneChannel.self, arguments) : run(Radius9.self, AnyChannels.self, arguments)
    case 10: return channels == 1 ? run(Radius10.self, OneChannel.self, arguments) : run(Radius10.self, AnyChannels.self, arguments)
    case 11: return channels == 1 ? run(Radius11.self, OneChannel.self, arguments) : run(Radius11.self, AnyChannels.self, arguments)
    case 12: return channels == 1 ? run(Radius12.self, OneChannel.self, arguments) : run(Radius12.self, AnyChannels.self, arguments)
    default: preconditionFailure("CircularBoxKernel supports radius ≤ \(Self.largestRadius), got \(radius)")
    }
  }

  // Specialised per radius so the box sums unroll (the optimiser would not, for code size).
  @_specialize(where R == Radius0, Channels == OneChannel)
  @_specialize(where R == Radius0, Channels == AnyChannels)
  @_specialize(where R == Radius1, Channels == OneChannel)
  @_specialize(where R == Radius1, Channels == AnyChannels)
  @_specialize(where R == Radius2, Channels == OneChannel)
  @_specialize(where R == Radius2, Channels == AnyChannels)
  @_specialize(where R == Radius3, Channels == OneChannel)
  @_specialize(where R == Radius3, Channels == AnyChannels)
  @_specialize(where R == Radius4, Channels == OneChannel)
  @_specialize(where R == Radius4, Channels == AnyChannels)
  @_specialize(where R == Radius5, Channels == OneChannel)
  @_specialize(where R == Radius5, Channels == AnyChannels)
  @_specialize(where R == Radius6, Channels == OneChannel)
  @_specialize(where R == Radius6, Channels == AnyChannels)
  @_specialize(where R == Radius7, Channels == OneChannel)
  @_specialize(where R == Radius7, Channels == AnyChannels)
  @_specialize(where R == Radius8, Channels == OneChannel)
  @_specialize(where R == Radius8, Channels == AnyChannels)
  @_specialize(where R == Radius9, Channels == OneChannel)
  @_specialize(where R == Radius9, Channels == AnyChannels)
  @_specialize(where R == Radius10, Channels == OneChannel)
  @_specialize(where R == Radius10, Channels == AnyChannels)
  @_specialize(where R == Radius11, Channels == OneChannel)
  @_specialize(where R == Radius11, Channels == AnyChannels)
  @_specialize(where R == Radius12, Channels == OneChannel)
  @_specialize(where R == Radius12, Channels == AnyChannels)
  private func run<R: StaticRadius, Channels: StaticChannels>(
    _: R.Type, _: Channels.Type,
    _ arguments: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, Range<Int>, [Float]?)
  ) -> SoftmaxAccumulator {
    let (query, means, values, images, seeds) = arguments
    // A single channel is known at compile time, so the channel loops vanish.
    let (C, H, W) = (Channels.count(channels), height, width)
    let r = R.value, taps = 2 * R.value + 1
    let plane = H * W
    let L = laneCount
    let boxRow = W + 2 * r  // one row of column sums, continued circularly r columns each side
    let maximumOffset = L, sumOffset = 2 * L, squareSumOffset = 3 * L, keptOffset = 4 * L, weightedOffset = 5 * L
    let stateStride = (5 + C) * L

    let workspace = Workspace(sizes: [
      C * plane * L,            // 0 means of the block, [c][pixel][lane]; padding lanes +∞
      C * plane * L,            // 1 values of the block, [c][pixel][lane]
      taps * W * L,             // 2 ring of D rows
      boxRow * L,               // 3 column sums of one row
      plane * stateStride,      // 4 per pixel: floor (maximum − T), maximum, sum, square sum, kept, weighted[c]
      0, 0, 0, 0, 0,            // 5–9 unused
      C * plane,                // 10 query, broadcast per pixel on use
      2 * taps * W * L,         // 11 two blocks of P rows of D (suffix sums in place)
      taps * W * L,             // 12 prefix sums of the next block
      (boxRow + taps) * L,      // 13 prefix sums of a row of column sums
      (W + taps) * L,           // 14 suffix sums of a row of column sums
    ])
    defer { workspace.deallocate() }
    let blockMeans = workspace[0], blockValues = workspace[1], ring = workspace[2], box = workspace[3]
    // One pixel's state is contiguous (one pointer in the hot loop, not six).
    let state = workspace[4], u = workspace[10]
    let blockRows = workspace[11], prefix = workspace[12], rowPrefix = workspace[13], rowSuffix = workspace[14]
    // Blocked (O(1) per pixel) box sums from P = 9 on; below, direct sums are as fast.
    let blocked = R.value >= Self.blockedRadius
    u.update(from: query, count: C * plane)

    var result = SoftmaxAccumulator(pixels: plane, channels: C)
    if let seeds { for p in 0..<plane { result.maximum[p] = Double(seeds[p]) } }
    var kept = [Int](repeating: 0, count: plane)
    let negativeFactor = Lanes(repeating: -factor)
    // Column offsets of a row shifted by `shiftX`, as two contiguous runs.
    for blockStart in stride(from: images.lowerBound, to: images.upperBound, by: L) {
      let lanes = Swift.min(L, images.upperBound - blockStart)
      // Interleave the block: lane j holds image blockStart + j.
      for c in 0..<C {
        for p in 0..<plane {
          for j in 0..<L {
            let image = blockStart + j
            blockMeans[(c * plane + p) * L + j] = j < lanes ? means[(image * C + c) * plane + p] : .infinity
            blockValues[(c * plane + p) * L + j] = j < lanes ? values[(image * C + c) * plane + p] : 0
          }
        }
      }
      // Every lane starts from the pixel's best log-weight so far.
      for p in 0..<plane {
        let start = Lanes(repeating: Float(result.maximum[p]))
        store(start, state + p * stateStride + maximumOffset)
        store(start - threshold, state + p * stateStride)
      }

      for shiftY in 0..<H {
        for shiftX in 0..<W {
          /// D_s of image row `row` (mod H) into `target` (one row, `W` vectors).
          func differenceRow(_ row: Int, into target: UnsafeMutablePointer<Float>) {
            let y = (row % H + H) % H
            let sourceRow = (y + shiftY) % H
            // Channel by channel over the row, in two runs either side of the circular wrap,
            // so the inner loops are plain strides (the sum order over c is unchanged).
            for c in 0..<C {
              let query = u + c * plane + y * W
              let source = blockMeans + (c * plane + sourceRow * W) * L
              for half in 0..<2 {
                let start = half == 0 ? 0 : W - shiftX, end = half == 0 ? W - shiftX : W
                let offset = half == 0 ? shiftX : shiftX - W
                for x in start..<end {
                  let difference = Lanes(repeating: query[x]) - load(source + (x + offset) * L)
                  if c == 0 {
                    store(difference * difference, target + x * L)
                  } else {
                    store(load(target + x * L).addingProduct(difference, difference), target + x * L)
                  }
                }
              }
            }
          }
          /// Row `y`: `box[r ..< r + W]` holds its column sums; row sums, then the update.
          func finishRow(_ y: Int) {
            for k in 0..<r {
              store(load(box + (W + k) * L), box + k * L)
              store(load(box + (r + k) * L), box + (W + r + k) * L)
            }
            if blocked {
              // van Herk / Gil-Werman: prefix sums within blocks of P columns, and suffix
              // sums that are 0 at block starts; a window is suffix + prefix (adds only).
              for blockStart in stride(from: 0, to: boxRow, by: taps) {
                var total = Lanes()
                for e in blockStart ..< Swift.min(blockStart + taps, boxRow) {
                  total += load(box + e * L)
                  store(total, rowPrefix + e * L)
                }
              }
              for blockStart in stride(from: 0, to: W, by: taps) {
                var total = load(box + (blockStart + taps - 1) * L)
                store(total, rowSuffix + (blockStart + taps - 1) * L)
                for e in stride(from: blockStart + taps - 2, to: blockStart, by: -1) {
                  total += load(box + e * L)
                  store(total, rowSuffix + e * L)
                }
                store(Lanes(), rowSuffix + blockStart * L)
              }
            }
            let valueRow = (y + shiftY) % H
            for x in 0..<W {
              var distance: Lanes
              if blocked {
                distance = load(rowSuffix + x * L) + load(rowPrefix + (x + taps - 1) * L)
              } else {
                distance = load(box + x * L)
                for k in 1..<taps { distance += load(box + (x + k) * L) }
              }
              let logit = distance * negativeFactor
              let p = y * W + x
              let pixel = state + p * stateStride
              let keep = logit .> load(pixel)
              if !any(keep) { continue }
              var currentMaximum = load(pixel + maximumOffset)
              let larger = logit .> currentMaximum
              if any(larger) {
                let newMaximum = currentMaximum.replacing(with: logit, where: larger)
                let scale = exponential(currentMaximum - newMaximum)
                store(load(pixel + sumOffset) * scale, pixel + sumOffset)
                store(load(pixel + squareSumOffset) * scale * scale, pixel + squareSumOffset)
                for c in 0..<C { store(load(pixel + weightedOffset + c * L) * scale, pixel + weightedOffset + c * L) }
                currentMaximum = newMaximum
                store(newMaximum, pixel + maximumOffset)
                store(newMaximum - threshold, pixel)
              }
              let weight = exponential(logit - currentMaximum).replacing(with: 0, where: .!keep)
              store(load(pixel + sumOffset) + weight, pixel + sumOffset)
              store(load(pixel + squareSumOffset).addingProduct(weight, weight), pixel + squareSumOffset)
              let sourceColumn = x + shiftX < W ? x + shiftX : x + shiftX - W
              for c in 0..<C {
                let candidate = load(blockValues + (c * plane + valueRow * W + sourceColumn) * L)
                store(load(pixel + weightedOffset + c * L).addingProduct(weight, candidate), pixel + weightedOffset + c * L)
              }
              store(load(pixel + keptOffset) + Lanes(repeating: 0).replacing(with: 1, where: keep), pixel + keptOffset)
            }
          }

          if !blocked {
            // Column sums over a ring of P rows.
            for k in 0..<2 * r { differenceRow(k - r, into: ring + k * W * L) }
            for y in 0..<H {
              differenceRow(y + r, into: ring + ((y + 2 * r) % taps) * W * L)
              for x in 0..<W {
                var total = load(ring + x * L)
                for k in 1..<taps { total += load(ring + (k * W + x) * L) }
                store(total, box + (x + r) * L)
              }
              finishRow(y)
            }
          } else {
            // Column sums by van Herk / Gil-Werman over blocks of P rows starting at row −r:
            // the window of rows a ..< a + P is (suffix of a's block from a) + (prefix of the
            // next block up to a + P − 1), or the whole block when a starts it.
            let lastRow = H - 1 + r
            let rowSize = W * L
            for j in 0..<taps where -r + j <= lastRow { differenceRow(-r + j, into: blockRows + j * rowSize) }
            for k in 0..<(H + taps - 1) / taps {
              let start = -r + k * taps, next = start + taps
              let current = blockRows + (k & 1) * taps * rowSize
              let following = blockRows + ((k + 1) & 1) * taps * rowSize
              for j in 0..<Swift.max(0, Swift.min(taps, lastRow - next + 1)) {
                differenceRow(next + j, into: following + j * rowSize)
                for x in 0..<W {
                  let value = load(following + j * rowSize + x * L)
                  store(j == 0 ? value : load(prefix + (j - 1) * rowSize + x * L) + value, prefix + j * rowSize + x * L)
                }
              }
              for j in stride(from: taps - 2, through: 0, by: -1) {
                for x in 0..<W {
                  store(load(current + j * rowSize + x * L) + load(current + (j + 1) * rowSize + x * L), current + j * rowSize + x * L)
                }
              }
              for j in 0..<taps {
                let a = start + j
                if a > H - 1 - r { break }
                if j == 0 {
                  for x in 0..<W { store(load(current + x * L), box + (x + r) * L) }
                } else {
                  for x in 0..<W {
                    store(load(current + j * rowSize + x * L) + load(prefix + (j - 1) * rowSize + x * L), box + (x + r) * L)
                  }
                }
                finishRow(a + r)
              }
            }
          }
        }
      }
      // Fold the lanes into the pixel's double sums (a float sum of H·W terms per lane is
      // accurate enough; of N·H·W terms it would not be).
      for p in 0..<plane {
        for j in 0..<lanes {
          let pixel = state + p * stateStride
          let laneMaximum = Double(pixel[maximumOffset + j])
          let laneSum = Double(pixel[sumOffset + j])
          kept[p] += Int(pixel[keptOffset + j])
          guard laneSum > 0 else { continue }
          if laneMaximum > result.maximum[p] { result.rescale(pixel: p, to: laneMaximum) }
          let scale = Foundation.exp(laneMaximum - result.maximum[p])
          result.sum[p] += scale * laneSum
          result.squareSum[p] += scale * scale * Double(pixel[squareSumOffset + j])
          for c in 0..<C { result.weighted[p * C + c] += scale * Double(pixel[weightedOffset + c * L + j]) }
        }
      }
      for p in 0..<plane { (state + p * stateStride + sumOffset).update(repeating: 0, count: stateStride - sumOffset) }
    }
    for p in 0..<plane { result.skipped[p] = images.count * plane - kept[p] }
    return result
  }
}

/// Zero-filled scratch buffers of a kernel call, allocated once and freed together.
struct Workspace {
  private let buffers: [UnsafeMutablePointer<Float>]

  init(sizes: [Int]) {
    buffers = sizes.map { size in
      let buffer = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(size, 1))
      buffer.initialize(repeating: 0, count: Swift.max(size, 1))
      return buffer
    }
  }

  subscript(index: Int) -> UnsafeMutablePointer<Float> { buffers[index] }

  func deallocate() { for buffer in buffers { buffer.deallocate() } }
}

/// A channel count known at compile time (one) or not.
protocol StaticChannels { static func count(_ runtime: Int) -> Int }
enum OneChannel: StaticChannels { @inline(__always) static func count(_: Int) -> Int { 1 } }
enum AnyChannels: StaticChannels { @inline(__always) static func count(_ runtime: Int) -> Int { runtime } }

/// A patch radius known at compile time, so box sums unroll.
protocol StaticRadius { static var value: Int { get } }
enum Radius0: StaticRadius { static var value: Int { 0 } }
enum Radius1: StaticRadius { static var value: Int { 1 } }
enum Radius2: StaticRadius { static var value: Int { 2 } }
enum Radius3: StaticRadius { static var value: Int { 3 } }
enum Radius4: StaticRadius { static var value: Int { 4 } }
enum Radius5: StaticRadius { static var value: Int { 5 } }
enum Radius6: StaticRadius { static var value: Int { 6 } }
enum Radius7: StaticRadius { static var value: Int { 7 } }
enum Radius8: StaticRadius { static var value: Int { 8 } }
enum Radius9: StaticRadius { static var value: Int { 9 } }
enum Radius10: StaticRadius { static var value: Int { 10 } }
enum Radius11: StaticRadius { static var value: Int { 11 } }
enum Radius12: StaticRadius { static var value: Int { 12 } }
