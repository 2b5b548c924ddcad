import Foundation
import Tensors

/// LE-MMSE for any patch metric and any pattern of noise-free entries: within each class of
/// `PatchGeometry`, every query feature against every training feature of the class.
///
/// Features are whitened, so the log-weight is `−½ ‖f − g‖²`. Distances are computed as
/// `Σ (f − g)²` (not `‖f‖² − 2 f·g + ‖g‖²`, whose cancellation costs accuracy at small σ),
/// in register tiles of 4 queries × 16 training positions. Each query keeps an online
/// log-sum-exp: one running maximum, and sums in 16 `Float` lanes (reducing the lanes at every
/// candidate vector made LLVM compute the exponentials one lane at a time), folded into
/// `Double` at the end of the piece.
struct DenseClassKernel {
  let geometry: PatchGeometry
  /// `T`, or `+∞` for exact.
  let threshold: Float

  /// Query features of one class for every test image: `tests × positions × dimension`.
  struct ClassQueries {
    var features: [Float]
    var dimension: Int
    var positions: Int
  }

  func queries(for inputs: Tensor) -> [ClassQueries] {
    let shape = inputs.imageBatchShape
    return geometry.classes.indices.map { c in
      let patchClass = geometry.classes[c]
      let dimension = geometry.channels * patchClass.rank
      var features = [Float](repeating: 0, count: shape.count * patchClass.positions.count * dimension)
      inputs.scalars.withUnsafeBufferPointer { images in
        features.withUnsafeMutableBufferPointer { target in
          for t in 0..<shape.count {
            geometry.features(of: images.baseAddress! + t * shape.imageSize, classIndex: c,
                              into: target.baseAddress! + t * patchClass.positions.count * dimension)
          }
        }
      }
      return ClassQueries(features: features, dimension: dimension, positions: patchClass.positions.count)
    }
  }

  /// Accumulates the candidates of training images `images` for every test image.
  /// `seeds[t][pixel]` is a log-weight some candidate of the training set is known to reach
  /// (or −∞): skipping below `seed − T` is then safe from the first image on.
  func accumulate(queries: [ClassQueries], tests: Int, means: UnsafePointer<Float>, values: UnsafePointer<Float>,
                  images: Range<Int>, seeds: [[Float]]?) -> [SoftmaxAccumulator] {
    let channels = geometry.channels
    let plane = geometry.height * geometry.width
    var results = (0..<tests).map { _ in SoftmaxAccumulator(pixels: plane, channels: channels) }
    // Float state of the current training image, per test image and pixel.
    var maximum = [Float](repeating: -.infinity, count: tests * plane)
    if let seeds { for t in 0..<tests { for p in 0..<plane { maximum[t * plane + p] = seeds[t][p] } } }
    var floor = maximum.map { $0 - threshold }
    for t in 0..<tests { for p in 0..<plane { results[t].maximum[p] = Double(maximum[t * plane + p]) } }
    // Per test image and pixel, 16 lanes each: sum, square sum, weighted[channel].
    let stateStride = (2 + channels) * laneCount
    let sums = UnsafeMutablePointer<Float>.allocate(capacity: tests * plane * stateStride)
    sums.initialize(repeating: 0, count: tests * plane * stateStride)
    defer { sums.deallocate() }
    var kept = [Int](repeating: 0, count: tests * plane)

    // Scratch for one class of one training image, allocated once for the largest class.
    let largestPadded = geometry.classes.map { ($0.positions.count + laneCount - 1) / laneCount * laneCount }.max() ?? 0
    let largestDimension = queries.map(\.dimension).max() ?? 0
    var rowFeatures = [Float](repeating: 0, count: largestPadded * largestDimension)
    var keys = [Float](repeating: 0, count: largestDimension * largestPadded)
    var keyValues = [Float](repeating: 0, count: channels * largestPadded)
    var keyBias = [Float](repeating: -.infinity, count: largestPadded)

    for image in images {
      let mean = means + image * channels * plane, value = values + image * channels * plane
      for (c, patchClass) in geometry.classes.enumerated() {
        let dimension = queries[c].dimension, positions = patchClass.positions.count
        let padded = (positions + laneCount - 1) / laneCount * laneCount
        // Training features, transposed so 16 positions sit side by side; padding columns get
        // a −∞ bias and never count.
        rowFeatures.withUnsafeMutableBufferPointer { geometry.features(of: mean, classIndex: c, into: $0.baseAddress!) }
        for column in positions..<padded { keyBias[column] = -.infinity }
        for (column, p) in patchClass.positions.enumerated() {
          for k in 0..<dimension { keys[k * padded + column] = rowFeatures[column * dimension + k] }
          for channel in 0..<channels { keyValues[channel * padded + column] = value[channel * plane + p] }
          keyBias[column] = 0
        }
        keys.withUnsafeBufferPointer { keys in
        keyValues.withUnsafeBufferPointer { keyValues in
        keyBias.withUnsafeBufferPointer { keyBias in
        queries[c].features.withUnsafeBufferPointer { queryFeatures in
          let keys = keys.baseAddress!, keyValues = keyValues.baseAddress!, keyBias = keyBias.baseAddress!
          for t in 0..<tests {
            let queryBase = queryFeatures.baseAddress! + t * positions * dimension
            for group in stride(from: 0, to: positions, by: 4) {
              // Rows past the end repeat the last one; their results are not used.
              let last = positions - 1
              let q0 = queryBase + group * dimension, q1 = queryBase + Swift.min(group + 1, last) * dimension
              let q2 = queryBase + Swift.min(group + 2, last) * dimension
              let q3 = queryBase + Swift.min(group + 3, last) * dimension
              for block in stride(from: 0, to: padded, by: laneCount) {
                var d0 = Lanes(), d1 = Lanes(), d2 = Lanes(), d3 = Lanes()
                for k in 0..<dimension {
                  let key = load(keys + k * padded + block)
                  let e0 = Lanes(repeating: q0[k]) - key, e1 = Lanes(repeating: q1[k]) - key
                  let e2 = Lanes(repeating: q2[k]) - key, e3 = Lanes(repeating: q3[k]) - key
                  d0 = d0.addingProduct(e0, e0)
                  d1 = d1.addingProduct(e1, e1)
                  d2 = d2.addingProduct(e2, e2)
                  d3 = d3.addingProduct(e3, e3)
                }
                let bias = load(keyBias + block)
                for row in 0..<Swift.min(4, positions - group) {
                  let distance = row == 0 ? d0 : row == 1 ? d1 : row == 2 ? d2 : d3
                  let pixel = patchClass.positions[group + row]
                  let state = t * plane + pixel
                  let logit = distance * -0.5 + bias
                  let keep = logit .> Lanes(repeating: floor[state])
                  guard any(keep) else { continue }
                  // The lane maximum only when some lane beats the running one (rare after the
                  // first images): the reduction is scalar code.
                  let lanes = sums + state * stateStride, L = laneCount
                  if any(logit .> Lanes(repeating: maximum[state])) {
                    let largest = logit.max()
                    let scale = Float(maximum[state] == -.infinity ? 0 : Foundation.exp(Double(maximum[state] - largest)))
                    store(load(lanes) * scale, lanes)
                    store(load(lanes + L) * (scale * scale), lanes + L)
                    for channel in 0..<channels { store(load(lanes + (2 + channel) * L) * scale, lanes + (2 + channel) * L) }
                    results[t].rescale(pixel: pixel, to: Double(largest))
                    maximum[state] = largest
                    floor[state] = largest - threshold
                  }
                  let weight = keeping(exponential(logit - Lanes(repeating: maximum[state])), where: keep)
                  store(load(lanes) + weight, lanes)
                  store(load(lanes + L).addingProduct(weight, weight), lanes + L)
                  for channel in 0..<channels {
                    let target = lanes + (2 + channel) * L
                    store(load(target).addingProduct(weight, load(keyValues + channel * padded + block)), target)
                  }
                  kept[state] += Int((keep._storage & 1).wrappedSum())
                }
              }
            }
          }
        }}}}
      }
    }
    // Fold the float lanes into the double sums (a float sum of at most 16 images' positions
    // per lane is accurate enough).
    for t in 0..<tests {
      for p in 0..<plane {
        let lanes = sums + (t * plane + p) * stateStride
        var sum = 0.0, squareSum = 0.0
        for j in 0..<laneCount {
          sum += Double(lanes[j])
          squareSum += Double(lanes[laneCount + j])
        }
        results[t].sum[p] += sum
        results[t].squareSum[p] += squareSum
        for channel in 0..<channels {
          var weighted = 0.0
          for j in 0..<laneCount { weighted += Double(lanes[(2 + channel) * laneCount + j]) }
          results[t].weighted[p * channels + channel] += weighted
        }
      }
    }
    for t in 0..<tests {
      for p in 0..<plane {
        let classSize = geometry.classes[geometry.classOfPixel[p]].positions.count
        results[t].skipped[p] = images.count * classSize - kept[t * plane + p]
      }
    }
    return results
  }
}
