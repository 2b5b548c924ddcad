import Foundation
import Tensors

/// Per pixel, which training patch carries the largest weight and how many candidates it takes
/// to hold half of the weight: the "patchwork" view of a patch estimator (the official code's
/// demo draws it).
public struct Patchwork: Sendable {
  /// The training image of the heaviest candidate at each pixel, row-major `H · W`.
  public var winningImages: [Int]
  /// The patch centre (flat `row · W + column`) of that candidate in its image.
  public var winningPositions: [Int]
  /// The weight of that candidate, `1 × H × W`.
  public var winningWeights: Tensor
  /// The fewest candidates whose weights add up to at least half of the total, `1 × H × W`.
  ///
  /// Counted from the heaviest down on log-weights binned to `binWidth` (candidates more than
  /// `window` below the best carry at most `e^(−window)` each and are left out), so the count
  /// is exact up to the candidates that share the last bin.
  public var halfWeightCounts: Tensor

  /// The log-weight bin width of `halfWeightCounts`.
  public static let binWidth = 0.01
  /// How far below a pixel's best log-weight candidates are still counted.
  public static let window = 40.0
}

extension AnalyticEstimator {
  /// The patchwork of one input `u = B y` (`C × H × W`): for every pixel, the winning training
  /// patch and the number of candidates holding half of the weight (patch estimators only).
  ///
  /// Two passes over every candidate of every pixel, in `Double`: the first finds each pixel's
  /// best log-weight and its total weight, the second bins the weights below the best. It costs
  /// about twice an exact LE-MMSE evaluation in plain (unvectorised) arithmetic, so it is for
  /// diagnostics of a few images, not for every estimate.
  ///
  /// - Throws: `AnalyticMMSEError.contributorsNeedPatches` for `mmse`/`e-mmse`, or
  ///   `.shapeMismatch` for an input of another shape.
  public func patchwork(input: Tensor) throws -> Patchwork {
    try checkShape(input)
    guard settings.estimator.usesPatches else { throw AnalyticMMSEError.contributorsNeedPatches(settings.estimator) }
    let shape = training.imageBatchShape, geometry = patchGeometry, image = input.asImageBatch
    let bins = Int(Patchwork.window / Patchwork.binWidth) + 1
    let state = PatchworkState(pixels: shape.planeSize, bins: bins)
    defer { state.deallocate() }
    for (classIndex, patchClass) in geometry.classes.enumerated() {
      let dimension = shape.channels * patchClass.rank
      let positions = patchClass.positions.count
      var queries = [Float](repeating: 0, count: positions * dimension)
      image.scalars.withUnsafeBufferPointer { geometry.features(of: $0.baseAddress!, classIndex: classIndex, into: &queries) }
      let queryFeatures = queries
      // Query pixels are split into fixed pieces; each piece owns its pixels' state, so the
      // result does not depend on the thread count.
      let pieces = Swift.min(positions, 4 * settings.threads)
      Parallel.forEach(pieces, threads: settings.threads) { piece in
        let rows = piece * positions / pieces ..< (piece + 1) * positions / pieces
        var keys = [Float](repeating: 0, count: positions * dimension)
        func forEachCandidate(_ body: (_ pixel: Int, _ image: Int, _ position: Int, _ logit: Double) -> Void) {
          for i in 0..<shape.count {
            means.scalars.withUnsafeBufferPointer {
              geometry.features(of: $0.baseAddress! + i * shape.imageSize, classIndex: classIndex, into: &keys)
            }
            for queryRow in rows {
              let pixel = patchClass.positions[queryRow]
              for (keyRow, q) in patchClass.positions.enumerated() where settings.estimator == .lemmse || q == pixel {
                var distance = 0.0
                for k in 0..<dimension {
                  let difference = Double(queryFeatures[queryRow * dimension + k]) - Double(keys[keyRow * dimension + k])
                  distance += difference * difference
                }
                body(pixel, i, q, -0.5 * distance)
              }
            }
          }
        }
        forEachCandidate { pixel, i, q, logit in
          if logit > state.best[pixel] {
            state.total[pixel] = state.total[pixel] * exp(state.best[pixel] - logit) + 1
            state.best[pixel] = logit
            state.winnerImage[pixel] = i
            state.winnerPosition[pixel] = q
          } else {
            state.total[pixel] += exp(logit - state.best[pixel])
          }
        }
        forEachCandidate { pixel, _, _, logit in
          let below = state.best[pixel] - logit
          guard below <= Patchwork.window else { return }
          let bin = pixel * bins + Int(below / Patchwork.binWidth)
          state.binWeights[bin] += exp(-below)
          state.binCounts[bin] += 1
        }
      }
    }

    return state.patchwork(height: shape.height, width: shape.width, bins: bins)
  }
}

/// The per-pixel arrays of `patchwork(input:)`, shared by the worker threads; every pixel is
/// written by exactly one piece of work.
private struct PatchworkState: @unchecked Sendable {
  let best: UnsafeMutablePointer<Double>
  let total: UnsafeMutablePointer<Double>
  let winnerImage: UnsafeMutablePointer<Int>
  let winnerPosition: UnsafeMutablePointer<Int>
  let binWeights: UnsafeMutablePointer<Double>
  let binCounts: UnsafeMutablePointer<Int32>

  init(pixels: Int, bins: Int) {
    best = .allocate(capacity: pixels)
    best.initialize(repeating: -.infinity, count: pixels)
    total = .allocate(capacity: pixels)
    total.initialize(repeating: 0, count: pixels)
    winnerImage = .allocate(capacity: pixels)
    winnerImage.initialize(repeating: 0, count: pixels)
    winnerPosition = .allocate(capacity: pixels)
    winnerPosition.initialize(repeating: 0, count: pixels)
    binWeights = .allocate(capacity: pixels * bins)
    binWeights.initialize(repeating: 0, count: pixels * bins)
    binCounts = .allocate(capacity: pixels * bins)
    binCounts.initialize(repeating: 0, count: pixels * bins)
  }

  /// Each pixel's winner, its weight `1 / total`, and the bins counted from the heaviest down
  /// until they hold half of the total weight.
  func patchwork(height: Int, width: Int, bins: Int) -> Patchwork {
    let pixels = height * width
    var counts = Tensor(zeros: [1, height, width])
    var weights = Tensor(zeros: [1, height, width])
    for pixel in 0..<pixels {
      weights.scalars[pixel] = Float(1 / total[pixel])
      var held = 0.0, count = 0
      for bin in 0..<bins where held < 0.5 * total[pixel] {
        held += binWeights[pixel * bins + bin]
        count += Int(binCounts[pixel * bins + bin])
      }
      counts.scalars[pixel] = Float(count)
    }
    return Patchwork(winningImages: Array(UnsafeBufferPointer(start: winnerImage, count: pixels)),
                     winningPositions: Array(UnsafeBufferPointer(start: winnerPosition, count: pixels)),
                     winningWeights: weights, halfWeightCounts: counts)
  }

  func deallocate() {
    best.deallocate(); total.deallocate(); winnerImage.deallocate(); winnerPosition.deallocate()
    binWeights.deallocate(); binCounts.deallocate()
  }
}
