import Foundation
import Tensors

/// A training patch that contributes to an estimate.
public struct Contributor: Codable, Equatable, Sendable {
  /// The training image `i`.
  public var image: Int
  /// The row of the patch centre `q = (row, column)` in that image.
  public var row: Int
  /// The column of the patch centre `q`.
  public var column: Int
  /// The normalised weight `w_{i,q}`.
  public var weight: Double
  /// The log-weight `−½ ‖Π_p u − Π_q m_i‖²_{Σ⁺}`.
  public var logit: Double
}

extension AnalyticEstimator {
  /// The `count` candidates with the largest weights at pixel `(row, column)` of one input
  /// (`u = B y`, `C × H × W`) — the training patches that "win" (patch estimators only),
  /// heaviest first, with weights normalised over every candidate (exact, no pruning).
  ///
  /// - Throws: `AnalyticMMSEError.contributorsNeedPatches` for `mmse`/`e-mmse`,
  ///   `.pixelOutOfRange`, or `.shapeMismatch` for an input of another shape.
  /// - Complexity: every candidate of the pixel's class, `N · H · W` at most.
  public func topContributors(input: Tensor, row: Int, column: Int, count: Int) throws -> [Contributor] {
    try checkShape(input)
    let shape = training.imageBatchShape
    guard settings.estimator.usesPatches else {
      throw AnalyticMMSEError.contributorsNeedPatches(settings.estimator)
    }
    guard (0..<shape.height).contains(row), (0..<shape.width).contains(column) else {
      throw AnalyticMMSEError.pixelOutOfRange(row: row, column: column, height: shape.height, width: shape.width)
    }
    let geometry = patchGeometry
    let pixel = row * shape.width + column
    let classIndex = geometry.classOfPixel[pixel]
    let patchClass = geometry.classes[classIndex]
    let dimension = shape.channels * patchClass.rank
    let positions = patchClass.positions.count
    let image = input.asImageBatch
    var queries = [Float](repeating: 0, count: positions * dimension)
    image.scalars.withUnsafeBufferPointer { geometry.features(of: $0.baseAddress!, classIndex: classIndex, into: &queries) }
    let queryRow = patchClass.positions.firstIndex(of: pixel)!
    let query = queries[queryRow * dimension ..< (queryRow + 1) * dimension]
    var candidates: [(logit: Double, image: Int, position: Int)] = []
    var keys = [Float](repeating: 0, count: positions * dimension)
    for i in 0..<shape.count {
      means.scalars.withUnsafeBufferPointer {
        geometry.features(of: $0.baseAddress! + i * shape.imageSize, classIndex: classIndex, into: &keys)
      }
      for (keyRow, q) in patchClass.positions.enumerated() where settings.estimator == .lemmse || q == pixel {
        var distance = 0.0
        for (k, value) in query.enumerated() {
          let difference = Double(value) - Double(keys[keyRow * dimension + k])
          distance += difference * difference
        }
        candidates.append((-0.5 * distance, i, q))
      }
    }
    let largest = candidates.map(\.logit).max()!
    let total = candidates.reduce(0) { $0 + exp($1.logit - largest) }
    return candidates.sorted { $0.logit > $1.logit }.prefix(count).map {
      Contributor(image: $0.image, row: $0.position / shape.width, column: $0.position % shape.width,
                  weight: exp($0.logit - largest) / total, logit: $0.logit)
    }
  }
}
