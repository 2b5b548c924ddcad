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
/// Each pixel keeps one reference distance `d₀` (seeded from training image 0) and Float sums
/// of `e^{factor·(d₀ − d)}`; a candidate more than `slack` above the reference rescales the
/// pixel (rare), so no exponential overflows. The sums are folded into `Double` after each
/// block of 16 images.
///
/// Every exponential is computed and the pruning threshold `T` is not used: a vector is
/// skippable only if all 16 candidates are negligible, which on FashionMNIST at σ = 0.2 holds
/// for 16 % of vectors — the test and its mispredicted branch cost more than the
/// exponentials it saved (measured: 19 % slower). Weights below `e^(−40)` of the pixel's best
/// are flushed to zero (`flushThreshold`).
struct CircularBoxKernel: Sendable {
  let channels: Int
  let height: Int
  let width: Int
  let radius: Int
  /// `1 / (2 σ² s)`, so `logit = −factor · distance`.
  let factor: Float
  /// How far (in log-weight) a candidate may exceed a pixel's reference before the pixel is
  /// rescaled: weights stay below `e^slack`. Zero tracks the exact best candidate (for seeds).
  var slack: Float = 30

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
  /// Bytes of per-pixel sums one band of query rows may hold: 48 KiB (the L1 data cache) per
  /// channel. Each band pays `2r` halo rows of squared differences, which cost `C` times more
  /// with `C` channels, so colour images take taller bands (measured on CIFAR-10: 1.58 s per
  /// test image with 144 KiB against 1.90 s with 48 KiB; FashionMNIST is fastest at 48 KiB).
  static func bandStateBytes(channels: Int) -> Int { 48 * 1024 * channels }

  /// Accumulates the candidates of training images `images` for the query `query`.
  /// `seeds[pixel]` is a log-weight some candidate of the training set reaches (or nil): the
  /// pixel's reference starts there, so rescaling is rare from the first image on.
  ///
  /// - Parameters:
  ///   - query: `u`, `C × H × W`.
  ///   - means: `m_i = B A x_i` of all training images, `N × C × H × W`.
  ///   - values: `x_i`, `N × C × H × W`.
  func accumulate(query: UnsafePointer<Float>, means: UnsafePointer<Float>, values: UnsafePointer<Float>,
                  images: Range<Int>, seeds: [Float]?) -> SoftmaxAccumulator {
    precondition(images.count <= laneCount, "CircularBoxKernel takes at most \(laneCount) training images per call")
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
    let r = R.value
    let plane = H * W
    let L = laneCount
    let lanes = images.count
    let meansRows = 2 * H + 2 * r   // rows y ∈ [−r, 2H + r), wrapped
    let valuesRows = 2 * H          // rows y ∈ [0, 2H), wrapped
    let queryRows = H + 2 * r       // rows y ∈ [−r, H + r), wrapped
    let boxRow = W + 2 * r          // column sums of a row, continued circularly r columns each side
    let stateStride = (2 + C) * L   // per pixel: sum, square sum, weighted[c]
    // Bands of equal height (a short last band would pay the 2r halo rows for little work).
    let largestBand = Swift.max(1, Swift.min(H, Self.bandStateBytes(channels: C) / (W * stateStride * MemoryLayout<Float>.size)))
    let bandCount = (H + largestBand - 1) / largestBand
    let bandRows = (H + bandCount - 1) / bandCount
    let columnLength = bandRows + 2 * r

    let workspace = Workspace(sizes: [
      C * meansRows * W * L,        // 0 means of the block [c][row + r][x][lane]; padding lanes +∞
      C * valuesRows * W * L,       // 1 values of the block [c][row][x][lane]
      C * queryRows * W,            // 2 query [c][row + r][x]
      2 * bandRows * boxRow * L,    // 3 column sums of the band's rows, for two shifts
      bandRows * W * stateStride,   // 4 per-pixel sums of the band
      2 * columnLength * L,         // 5 one column of D per shift (buffered paths)
      2 * Swift.max(columnLength, boxRow) * L,  // 6 prefix and suffix sums (blocked paths)
      2 * W * L,                    // 7 one row of distances per shift (buffered paths)
      plane,                        // 8 per pixel: the reference distance
    ])
    defer { workspace.deallocate() }
    let blockMeans = workspace[0], blockValues = workspace[1], u = workspace[2]
    let columnSums = workspace[3], state = workspace[4]
    let column = workspace[5], scratch = workspace[6], distances = workspace[7], references = workspace[8]

    // Interleave the block (lane j holds image images.lowerBound + j), rows repeated.
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

    for p in 0..<plane { references[p] = seeds.map { -$0[p] / factor } ?? .infinity }
    let factorLanes = Lanes(repeating: factor)
    let cutoff = Lanes(repeating: -Self.flushThreshold)
    let trigger = slack / factor
    var result = SoftmaxAccumulator(pixels: plane, channels: C)

    for bandStart in stride(from: 0, to: H, by: bandRows) {
      let rows = Swift.min(bandRows, H - bandStart)
      state.update(repeating: 0, count: rows * W * stateStride)
      for shiftY in 0..<H {
        // Shifts in pairs (x, x + 1): the pair shares each query broadcast and each load and
        // store of a pixel's sums. With W odd the last pair's second shift is void.
        for shiftX in stride(from: 0, to: W, by: 2) {
          // 1, or 0 to void the second shift of the last pair when W is odd (it repeats shift 0).
          let secondShare = Lanes(repeating: shiftX + 1 < W ? 1 : 0)
          let secondSums = columnSums + bandRows * boxRow * L
          // Column pass: column sums of D for the band's rows, both shifts.
          for x in 0..<W {
            let firstColumn = x + shiftX < W ? x + shiftX : x + shiftX - W
            let secondColumn = firstColumn + 1 < W ? firstColumn + 1 : firstColumn + 1 - W
            // Query row bandStart − r + k is query row index bandStart + k; its training row
            // (+ shiftY) is means row index bandStart + shiftY + k.
            let queryColumn = u + bandStart * W + x
            let meansRow = blockMeans + (bandStart + shiftY) * W * L
            @inline(__always) func differences(_ k: Int) -> (Lanes, Lanes) {
              var first = Lanes(), second = Lanes()
              for c in 0..<C {
                let q = Lanes(repeating: queryColumn[(c * queryRows + k) * W])
                let row = meansRow + (c * meansRows + k) * W * L
                let e = q - load(row + firstColumn * L), f = q - load(row + secondColumn * L)
                first = c == 0 ? e * e : first.addingProduct(e, e)
                second = c == 0 ? f * f : second.addingProduct(f, f)
              }
              return (first, second)
            }
            if R.hasWindow {
              // The vertical windows in registers.
              var firstWindow = R.Window(), secondWindow = R.Window()
              for k in 0..<(2 * r) {
                let (first, second) = differences(k)
                _ = firstWindow.push(first)
                _ = secondWindow.push(second)
              }
              for row in 0..<rows {
                let (first, second) = differences(row + 2 * r)
                store(firstWindow.push(first), columnSums + (row * boxRow + x + r) * L)
                store(secondWindow.push(second), secondSums + (row * boxRow + x + r) * L)
              }
            } else {
              for k in 0..<(rows + 2 * r) {
                let (first, second) = differences(k)
                store(first, column + k * L)
                store(second, column + (columnLength + k) * L)
              }
              boxSums(R.self, column, count: rows, into: columnSums + (x + r) * L, stride: boxRow * L, scratch: scratch)
              boxSums(R.self, column + columnLength * L, count: rows, into: secondSums + (x + r) * L,
                      stride: boxRow * L, scratch: scratch)
            }
          }

          // Row pass: distances, then the softmax update.
          for row in 0..<rows {
            let firstRow = columnSums + row * boxRow * L, secondRow = secondSums + row * boxRow * L
            for k in 0..<r {
              store(load(firstRow + (W + k) * L), firstRow + k * L)
              store(load(firstRow + (r + k) * L), firstRow + (W + r + k) * L)
              store(load(secondRow + (W + k) * L), secondRow + k * L)
              store(load(secondRow + (r + k) * L), secondRow + (W + r + k) * L)
            }
            let y = bandStart + row
            let valueRow = blockValues + (y + shiftY) * W * L
            // The horizontal windows: in registers up to P = 11, else from buffered rows.
            var firstWindow = R.Window(), secondWindow = R.Window()
            if R.hasWindow {
              for k in 0..<(2 * r) {
                _ = firstWindow.push(load(firstRow + k * L))
                _ = secondWindow.push(load(secondRow + k * L))
              }
            } else {
              boxSums(R.self, firstRow, count: W, into: distances, stride: L, scratch: scratch)
              boxSums(R.self, secondRow, count: W, into: distances + W * L, stride: L, scratch: scratch)
            }
            for x in 0..<W {
              let first = R.hasWindow ? firstWindow.push(load(firstRow + (x + 2 * r) * L)) : load(distances + x * L)
              let second = R.hasWindow ? secondWindow.push(load(secondRow + (x + 2 * r) * L)) : load(distances + (W + x) * L)
              let p = y * W + x
              let pixel = state + (row * W + x) * stateStride
              var reference = references[p]
              let floor = Lanes(repeating: reference - trigger)
              if any((first .< floor) .| (second .< floor)) {
                // A candidate far better than the reference: move the reference to it.
                let best = Swift.min(first.min(), second.min())
                let scale = exponential(Lanes(repeating: (best - reference) * factor))
                store(load(pixel) * scale, pixel)
                store(load(pixel + L) * (scale * scale), pixel + L)
                for c in 0..<C { store(load(pixel + (2 + c) * L) * scale, pixel + (2 + c) * L) }
                reference = best
                references[p] = best
              }
              let referenceLanes = Lanes(repeating: reference)
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
                let values = valueRow + c * valuesRows * W * L
                let weighted = load(pixel + (2 + c) * L)
                  .addingProduct(firstWeight, load(values + firstColumn * L))
                  .addingProduct(secondWeight, load(values + secondColumn * L))
                store(weighted, pixel + (2 + c) * L)
              }
            }
          }
        }
      }
      // Fold the band's lanes into the pixels' double sums (a float sum of H·W terms per
      // lane is accurate enough; of N·H·W terms it would not be).
      for row in 0..<rows {
        for x in 0..<W {
          let p = (bandStart + row) * W + x
          let pixel = state + (row * W + x) * stateStride
          result.maximum[p] = -Double(factor) * Double(references[p])
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
    return result
  }
}

/// Sums of `2R + 1` consecutive vectors: `output[a · stride] = Σ_{k ≤ 2R} input[a + k]` for
/// `a ∈ 0 ..< count` (`input` holds `count + 2R` vectors). Direct sums for small windows; from
/// `R = 4` van Herk / Gil-Werman: prefix sums within blocks of `P`, suffix sums that are 0 at
/// block starts, and a window is suffix + prefix — O(1) per output, additions only.
@inline(__always)
private func boxSums<R: StaticRadius>(_: R.Type, _ input: UnsafeMutablePointer<Float>, count: Int,
                                      into output: UnsafeMutablePointer<Float>, stride outputStride: Int,
                                      scratch: UnsafeMutablePointer<Float>) {
  let taps = 2 * R.value + 1, L = laneCount
  if R.value < CircularBoxKernel.blockedRadius {
    for a in 0..<count {
      var total = load(input + a * L)
      for k in 1..<taps { total += load(input + (a + k) * L) }
      store(total, output + a * outputStride)
    }
    return
  }
  let length = count + taps - 1
  let prefix = scratch, suffix = scratch + length * L
  for blockStart in Swift.stride(from: 0, to: length, by: taps) {
    var total = Lanes()
    for e in blockStart ..< Swift.min(blockStart + taps, length) {
      total += load(input + e * L)
      store(total, prefix + e * L)
    }
  }
  for blockStart in Swift.stride(from: 0, to: count, by: taps) {
    var total = load(input + (blockStart + taps - 1) * L)
    store(total, suffix + (blockStart + taps - 1) * L)
    for e in Swift.stride(from: blockStart + taps - 2, to: blockStart, by: -1) {
      total += load(input + e * L)
      store(total, suffix + e * L)
    }
    store(Lanes(), suffix + blockStart * L)
  }
  for a in 0..<count {
    store(load(suffix + a * L) + load(prefix + (a + taps - 1) * L), output + a * outputStride)
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
protocol StaticRadius {
  static var value: Int { get }
  /// The register window of `P = 2·value + 1`, or `NoWindow`.
  associatedtype Window: SlidingWindow = NoWindow
  static var hasWindow: Bool { get }
}
extension StaticRadius {
  static var hasWindow: Bool { false }
}
enum Radius0: StaticRadius { static var value: Int { 0 }; static var hasWindow: Bool { true }; typealias Window = Window1 }
enum Radius1: StaticRadius { static var value: Int { 1 }; static var hasWindow: Bool { true }; typealias Window = Window3 }
enum Radius2: StaticRadius { static var value: Int { 2 }; static var hasWindow: Bool { true }; typealias Window = Window5 }
enum Radius3: StaticRadius { static var value: Int { 3 }; static var hasWindow: Bool { true }; typealias Window = Window7 }
enum Radius4: StaticRadius { static var value: Int { 4 }; static var hasWindow: Bool { true }; typealias Window = Window9 }
enum Radius5: StaticRadius { static var value: Int { 5 }; static var hasWindow: Bool { true }; typealias Window = Window11 }
enum Radius6: StaticRadius { static var value: Int { 6 } }
enum Radius7: StaticRadius { static var value: Int { 7 } }
enum Radius8: StaticRadius { static var value: Int { 8 } }
enum Radius9: StaticRadius { static var value: Int { 9 } }
enum Radius10: StaticRadius { static var value: Int { 10 } }
enum Radius11: StaticRadius { static var value: Int { 11 } }
enum Radius12: StaticRadius { static var value: Int { 12 } }
