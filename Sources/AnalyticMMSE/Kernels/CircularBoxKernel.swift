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
/// Box sums are separable (rows, then columns) and add only non-negative terms, so they are
/// accurate to a few ulp whatever `σ`. The work vectorises over 16 query pixels of a row.
/// Each query pixel keeps an online log-sum-exp; a 16-pixel vector whose logits all lie
/// more than `T` below the running maxima is skipped after one comparison.
struct CircularBoxKernel {
  let channels: Int
  let height: Int
  let width: Int
  let radius: Int
  /// `1 / (2 σ² s)`, so `logit = −factor · distance`.
  let factor: Float
  /// `T`, or `+∞` for exact.
  let threshold: Float

  /// Vectors per padded row.
  var vectorsPerRow: Int { (width + laneCount - 1) / laneCount }
  var paddedWidth: Int { vectorsPerRow * laneCount }

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
    let (C, H, W, r) = (channels, height, width, radius)
    let vectors = vectorsPerRow, paddedWidth = paddedWidth
    let plane = H * W
    let extendedWidth = W + paddedWidth  // a row, circularly continued, so a shift is a plain offset
    let stateSize = H * paddedWidth

    // The query, rows padded with zeros to whole vectors.
    var paddedQuery = [Float](repeating: 0, count: C * stateSize)
    for c in 0..<C { for y in 0..<H { for x in 0..<W { paddedQuery[c * stateSize + y * paddedWidth + x] = query[c * plane + y * W + x] } } }
    // Lanes past the image width get −∞ logits and so never count.
    var laneBias = [Float](repeating: 0, count: paddedWidth)
    for x in W..<paddedWidth { laneBias[x] = -.infinity }

    var maximum = [Float](repeating: -.infinity, count: stateSize)
    if let seeds {
      for y in 0..<H { for x in 0..<W { maximum[y * paddedWidth + x] = seeds[y * W + x] } }
    }
    var floor = maximum.map { $0 - self.threshold }  // maximum − T
    var sum = [Float](repeating: 0, count: stateSize), squareSum = sum
    var weighted = [Float](repeating: 0, count: C * stateSize)
    var skipped = [Int32](repeating: 0, count: stateSize)
    var result = SoftmaxAccumulator(pixels: plane, channels: C)
    var doubleSum = [Double](repeating: 0, count: stateSize), doubleSquareSum = doubleSum
    var doubleWeighted = [Double](repeating: 0, count: C * stateSize)

    // Training rows continued circularly down (2H rows) and right (W + paddedWidth columns),
    // so that every shift is a plain offset: no modulo in the loops below.
    let extendedHeight = 2 * H
    var extendedMeans = [Float](repeating: 0, count: C * extendedHeight * extendedWidth)
    var extendedValues = [Float](repeating: 0, count: C * extendedHeight * extendedWidth)
    // D_s with r rows of circular continuation above and below.
    var differences = [Float](repeating: 0, count: (H + 2 * r) * paddedWidth)
    let boxStride = paddedWidth + 2 * r
    var columnSums = [Float](repeating: 0, count: H * boxStride)
    let factor = self.factor, threshold = self.threshold

    paddedQuery.withUnsafeBufferPointer { u in
    laneBias.withUnsafeBufferPointer { bias in
    maximum.withUnsafeMutableBufferPointer { maximum in
    floor.withUnsafeMutableBufferPointer { floor in
    sum.withUnsafeMutableBufferPointer { sum in
    squareSum.withUnsafeMutableBufferPointer { squareSum in
    weighted.withUnsafeMutableBufferPointer { weighted in
    skipped.withUnsafeMutableBufferPointer { skipped in
    extendedMeans.withUnsafeMutableBufferPointer { extendedMeans in
    extendedValues.withUnsafeMutableBufferPointer { extendedValues in
    differences.withUnsafeMutableBufferPointer { differences in
    columnSums.withUnsafeMutableBufferPointer { columnSums in
      let u = u.baseAddress!, bias = bias.baseAddress!
      let maximum = maximum.baseAddress!, floor = floor.baseAddress!, sum = sum.baseAddress!
      let squareSum = squareSum.baseAddress!, weighted = weighted.baseAddress!, skipped = skipped.baseAddress!
      let extendedMeans = extendedMeans.baseAddress!, extendedValues = extendedValues.baseAddress!
      let differences = differences.baseAddress!, columnSums = columnSums.baseAddress!

      for image in images {
        let mean = means + image * C * plane, value = values + image * C * plane
        for c in 0..<C {
          for y in 0..<extendedHeight {
            let sourceRow = y < H ? y : y - H
            var x = 0
            while x < extendedWidth {
              let run = Swift.min(W, extendedWidth - x)
              for k in 0..<run {
                extendedMeans[(c * extendedHeight + y) * extendedWidth + x + k] = mean[c * plane + sourceRow * W + k]
                extendedValues[(c * extendedHeight + y) * extendedWidth + x + k] = value[c * plane + sourceRow * W + k]
              }
              x += run
            }
          }
        }
        for shiftY in 0..<H {
          for shiftX in 0..<W {
            // D_s: squared differences, summed over channels, in rows r ..< r + H.
            for y in 0..<H {
              for v in 0..<vectors {
                var total = Lanes()
                for c in 0..<C {
                  let difference = load(u + c * stateSize + y * paddedWidth + v * laneCount)
                    - load(extendedMeans + (c * extendedHeight + y + shiftY) * extendedWidth + shiftX + v * laneCount)
                  total = total.addingProduct(difference, difference)
                }
                store(total, differences + (y + r) * paddedWidth + v * laneCount)
              }
            }
            // Rows continued circularly: r above, r below.
            for k in 0..<r {
              for v in 0..<vectors {
                store(load(differences + (H + k) * paddedWidth + v * laneCount), differences + k * paddedWidth + v * laneCount)
                store(load(differences + (r + k) * paddedWidth + v * laneCount), differences + (H + r + k) * paddedWidth + v * laneCount)
              }
            }
            // Column box sums into row buffers continued circularly r columns on each side.
            for y in 0..<H {
              let row = columnSums + y * boxStride
              for v in 0..<vectors {
                var total = load(differences + y * paddedWidth + v * laneCount)
                for k in stride(from: 1, through: 2 * r, by: 1) {
                  total += load(differences + (y + k) * paddedWidth + v * laneCount)
                }
                store(total, row + r + v * laneCount)
              }
              for k in 0..<r {
                row[k] = row[W + k]          // left: columns W − r … W − 1
                row[r + W + k] = row[r + k]  // right: columns 0 … r − 1
              }
            }
            // Row box sums → logits → online softmax per query pixel.
            for y in 0..<H {
              let row = columnSums + y * boxStride
              let sourceRow = y + shiftY
              for v in 0..<vectors {
                var distance = load(row + v * laneCount)
                for k in stride(from: 1, through: 2 * r, by: 1) { distance += load(row + v * laneCount + k) }
                let logit = distance * -factor + load(bias + v * laneCount)
                let state = y * paddedWidth + v * laneCount
                let lowest = load(floor + state)
                let kept = logit .> lowest
                if !any(kept) {
                  skipped.advanced(by: state).withMemoryRebound(to: SIMD16<Int32>.self, capacity: 1) { $0.pointee &+= 1 }
                  continue
                }
                var currentMaximum = load(maximum + state)
                if any(logit .> currentMaximum) {
                  let newMaximum = pointwiseMax(currentMaximum, logit)
                  let scale = exponential(currentMaximum - newMaximum)
                  store(load(sum + state) * scale, sum + state)
                  store(load(squareSum + state) * scale * scale, squareSum + state)
                  for c in 0..<C { store(load(weighted + c * stateSize + state) * scale, weighted + c * stateSize + state) }
                  for lane in 0..<laneCount where newMaximum[lane] > currentMaximum[lane] {
                    let laneScale = currentMaximum[lane] == -.infinity ? 0 : Foundation.exp(Double(currentMaximum[lane] - newMaximum[lane]))
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
                  let candidate = load(extendedValues + (c * extendedHeight + sourceRow) * extendedWidth + shiftX + v * laneCount)
                  store(load(weighted + c * stateSize + state).addingProduct(weight, candidate), weighted + c * stateSize + state)
                }
                skipped.advanced(by: state).withMemoryRebound(to: SIMD16<Int32>.self, capacity: 1) {
                  $0.pointee &+= SIMD16<Int32>(repeating: 0).replacing(with: 1, where: .!kept)
                }
              }
            }
          }
        }
        // Fold this image's float sums into the double ones (a float sum of H·W terms is exact
        // enough; of N·H·W terms it would not be).
        for index in 0..<stateSize {
          doubleSum[index] += Double(sum[index])
          doubleSquareSum[index] += Double(squareSum[index])
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
          let state = y * paddedWidth + x, pixel = y * W + x
          result.maximum[pixel] = Double(maximum[state])
          result.sum[pixel] = doubleSum[state]
          result.squareSum[pixel] = doubleSquareSum[state]
          result.skipped[pixel] = Int(skipped[state])
          for c in 0..<C { result.weighted[pixel * C + c] = doubleWeighted[c * stateSize + state] }
        }
      }
    }}}}}}}}}}}}
    return result
  }
}

