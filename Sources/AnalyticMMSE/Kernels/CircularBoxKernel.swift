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
/// accurate to a few ulp whatever `σ`. The work vectorises over 16 query pixels of a row;
/// `D_s` is computed on rows continued circularly by `r` columns, so no scalar wrap-around
/// code runs in the loops, and the radius is a compile-time constant so the box sums unroll.
/// Each query pixel keeps an online log-sum-exp; a 16-pixel vector whose logits all lie more
/// than `T` below the running maxima is skipped after one comparison.
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
    case 0: return run(Radius0.self, arguments)
    case 1: return run(Radius1.self, arguments)
    case 2: return run(Radius2.self, arguments)
    case 3: return run(Radius3.self, arguments)
    case 4: return run(Radius4.self, arguments)
    case 5: return run(Radius5.self, arguments)
    case 6: return run(Radius6.self, arguments)
    case 7: return run(Radius7.self, arguments)
    case 8: return run(Radius8.self, arguments)
    case 9: return run(Radius9.self, arguments)
    case 10: return run(Radius10.self, arguments)
    case 11: return run(Radius11.self, arguments)
    case 12: return run(Radius12.self, arguments)
    default: preconditionFailure("CircularBoxKernel supports radius ≤ \(Self.largestRadius), got \(radius)")
    }
  }

  // Specialised per radius so the box sums unroll (the optimiser would not, for code size).
  @_specialize(where R == Radius0)
  @_specialize(where R == Radius1)
  @_specialize(where R == Radius2)
  @_specialize(where R == Radius3)
  @_specialize(where R == Radius4)
  @_specialize(where R == Radius5)
  @_specialize(where R == Radius6)
  @_specialize(where R == Radius7)
  @_specialize(where R == Radius8)
  @_specialize(where R == Radius9)
  @_specialize(where R == Radius10)
  @_specialize(where R == Radius11)
  @_specialize(where R == Radius12)
  private func run<R: StaticRadius>(
    _: R.Type,
    _ arguments: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, Range<Int>, [Float]?)
  ) -> SoftmaxAccumulator {
    let (query, means, values, images, seeds) = arguments
    let (C, H, W) = (channels, height, width)
    let r = R.value, taps = 2 * R.value + 1
    let plane = H * W
    // Output lanes: W query pixels per row, padded to whole vectors.
    let outputVectors = (W + laneCount - 1) / laneCount, outputWidth = outputVectors * laneCount
    // D_s rows cover columns −r ..< W + r, padded to whole vectors.
    let differenceVectors = (W + 2 * r + laneCount - 1) / laneCount, differenceWidth = differenceVectors * laneCount
    let boxWidth = Swift.max(differenceWidth, outputWidth + 2 * r)
    // Training rows continued circularly: 2H rows, and columns enough for every shift.
    let extendedHeight = 2 * H, extendedWidth = 2 * W + Swift.max(differenceWidth, outputWidth)
    let stateSize = H * outputWidth

    let workspace = Workspace(sizes: [
      C * H * differenceWidth,               // 0 query, continued circularly by r columns
      outputWidth,                           // 1 lane bias
      stateSize, stateSize,                  // 2 maximum, 3 floor
      stateSize, stateSize, C * stateSize,   // 4 sum, 5 squareSum, 6 weighted
      stateSize,                             // 7 kept count of the current image
      C * extendedHeight * extendedWidth,    // 8 means
      C * extendedHeight * extendedWidth,    // 9 values
      (H + 2 * r) * differenceWidth,         // 10 D_s
      H * boxWidth + laneCount,              // 11 column sums
    ])
    defer { workspace.deallocate() }
    let u = workspace[0], bias = workspace[1], maximum = workspace[2], floor = workspace[3]
    let sum = workspace[4], squareSum = workspace[5], weighted = workspace[6], keptCount = workspace[7]
    let extendedMeans = workspace[8], extendedValues = workspace[9], differences = workspace[10], box = workspace[11]

    for c in 0..<C {
      for y in 0..<H {
        for x in 0..<differenceWidth {
          u[(c * H + y) * differenceWidth + x] = query[c * plane + y * W + ((x - r) % W + W) % W]
        }
      }
    }
    for x in W..<outputWidth { bias[x] = -.infinity }  // lanes past the image never count
    for index in 0..<stateSize { maximum[index] = -.infinity }
    if let seeds { for y in 0..<H { for x in 0..<W { maximum[y * outputWidth + x] = seeds[y * W + x] } } }
    for index in 0..<stateSize { floor[index] = maximum[index] - threshold }

    var result = SoftmaxAccumulator(pixels: plane, channels: C)
    // Double sums, as raw buffers: arrays touched inside the hot loop cost uniqueness checks.
    let doubleSum = UnsafeMutablePointer<Double>.allocate(capacity: stateSize)
    let doubleSquareSum = UnsafeMutablePointer<Double>.allocate(capacity: stateSize)
    let doubleWeighted = UnsafeMutablePointer<Double>.allocate(capacity: C * stateSize)
    let keptTotal = UnsafeMutablePointer<Int>.allocate(capacity: stateSize)
    doubleSum.initialize(repeating: 0, count: stateSize)
    doubleSquareSum.initialize(repeating: 0, count: stateSize)
    doubleWeighted.initialize(repeating: 0, count: C * stateSize)
    keptTotal.initialize(repeating: 0, count: stateSize)
    defer {
      doubleSum.deallocate()
      doubleSquareSum.deallocate()
      doubleWeighted.deallocate()
      keptTotal.deallocate()
    }
    let negativeFactor = Lanes(repeating: -factor), threshold = Lanes(repeating: self.threshold)

    for image in images {
      let mean = means + image * C * plane, value = values + image * C * plane
      for c in 0..<C {
        for y in 0..<extendedHeight {
          let source = c * plane + (y < H ? y : y - H) * W
          let target = (c * extendedHeight + y) * extendedWidth
          for x in 0..<extendedWidth {
            let column = x % W
            extendedMeans[target + x] = mean[source + column]
            extendedValues[target + x] = value[source + column]
          }
        }
      }
      for shiftY in 0..<H {
        for shiftX in 0..<W {
          // D_s on rows r ..< r + H; column x of a row is image column x − r (circularly).
          let meanColumn = shiftX + W - r
          for y in 0..<H {
            for v in 0..<differenceVectors {
              var total = Lanes()
              for c in 0..<C {
                let difference = load(u + (c * H + y) * differenceWidth + v * laneCount)
                  - load(extendedMeans + (c * extendedHeight + y + shiftY) * extendedWidth + meanColumn + v * laneCount)
                total = total.addingProduct(difference, difference)
              }
              store(total, differences + (y + r) * differenceWidth + v * laneCount)
            }
          }
          for k in 0..<r {  // rows continued circularly: r above, r below
            for v in 0..<differenceVectors {
              store(load(differences + (H + k) * differenceWidth + v * laneCount), differences + k * differenceWidth + v * laneCount)
              store(load(differences + (r + k) * differenceWidth + v * laneCount), differences + (H + r + k) * differenceWidth + v * laneCount)
            }
          }
          // Column sums of every output row first: reading them back at unaligned offsets right
          // after storing them would stall on store forwarding.
          for y in 0..<H {
            for v in 0..<differenceVectors {
              var total = load(differences + y * differenceWidth + v * laneCount)
              for k in 1..<taps { total += load(differences + (y + k) * differenceWidth + v * laneCount) }
              store(total, box + y * boxWidth + v * laneCount)
            }
          }
          // Row sums → logits → online softmax.
          for y in 0..<H {
            let valueRow = y + shiftY
            let boxRow = box + y * boxWidth
            for v in 0..<outputVectors {
              var distance = load(boxRow + v * laneCount)
              for k in 1..<taps { distance += load(boxRow + v * laneCount + k) }
              let logit = distance * negativeFactor + load(bias + v * laneCount)
              let state = y * outputWidth + v * laneCount
              let kept = logit .> load(floor + state)
              if !any(kept) { continue }
              var currentMaximum = load(maximum + state)
              let larger = logit .> currentMaximum
              if any(larger) {
                let newMaximum = currentMaximum.replacing(with: logit, where: larger)
                let scale = exponential(currentMaximum - newMaximum)
                store(load(sum + state) * scale, sum + state)
                store(load(squareSum + state) * scale * scale, squareSum + state)
                for c in 0..<C { store(load(weighted + c * stateSize + state) * scale, weighted + c * stateSize + state) }
                for lane in 0..<laneCount where larger[lane] {
                  let previous = currentMaximum[lane]
                  let laneScale = previous == -.infinity ? 0 : Foundation.exp(Double(previous - newMaximum[lane]))
                  doubleSum[state + lane] *= laneScale
                  doubleSquareSum[state + lane] *= laneScale * laneScale
                  for c in 0..<C { doubleWeighted[c * stateSize + state + lane] *= laneScale }
                }
                currentMaximum = newMaximum
                store(newMaximum, maximum + state)
                store(newMaximum - threshold, floor + state)
              }
              let weight = exponential(logit - currentMaximum).replacing(with: 0, where: .!kept)
              store(load(sum + state) + weight, sum + state)
              store(load(squareSum + state).addingProduct(weight, weight), squareSum + state)
              for c in 0..<C {
                let candidate = load(extendedValues + (c * extendedHeight + valueRow) * extendedWidth + shiftX + v * laneCount)
                store(load(weighted + c * stateSize + state).addingProduct(weight, candidate), weighted + c * stateSize + state)
              }
              store(load(keptCount + state) + Lanes(repeating: 0).replacing(with: 1, where: kept), keptCount + state)
            }
          }
        }
      }
      // Fold this image's float sums into the double ones (a float sum of H·W terms is
      // accurate enough; of N·H·W terms it would not be).
      for index in 0..<stateSize {
        keptTotal[index] += Int(keptCount[index])
        doubleSum[index] += Double(sum[index])
        doubleSquareSum[index] += Double(squareSum[index])
        keptCount[index] = 0
        sum[index] = 0
        squareSum[index] = 0
      }
      for index in 0..<C * stateSize {
        doubleWeighted[index] += Double(weighted[index])
        weighted[index] = 0
      }
    }
    for y in 0..<H {
      for x in 0..<W {
        let state = y * outputWidth + x, pixel = y * W + x
        result.maximum[pixel] = Double(maximum[state])
        result.sum[pixel] = doubleSum[state]
        result.squareSum[pixel] = doubleSquareSum[state]
        result.skipped[pixel] = images.count * plane - keptTotal[state]
        for c in 0..<C { result.weighted[pixel * C + c] = doubleWeighted[c * stateSize + state] }
      }
    }
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
