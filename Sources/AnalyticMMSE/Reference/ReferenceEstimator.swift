import Foundation

/// The analytic estimators computed literally from SPEC.md §4 — slow, plain and obviously
/// correct; the oracle the fast kernels are tested against. Use it on small problems only.
///
/// For every query pixel `p` it builds the query patch `z = Π_p u`, and for every candidate
/// `(i, q)` the patch `Π_q m_i` and its covariance `Σ_q = σ² · (patch of B Bᵀ at q)`
/// (block diagonal over channels, zero on entries outside the image under `zeros`
/// padding). A candidate is kept only if its noise-free entries (zero variance) are those of
/// the query and hold the same values; its log-weight is
///
/// ```
/// log w = −½ (z − k)ᵀ Σ_q⁺ (z − k) − ½ log pdet(2π Σ_q)
/// ```
/// with the Moore–Penrose pseudo-inverse (eigenvalues below `1e-10 ×` the largest dropped).
/// The estimate at `p` is `Σ w x_i[·, q] / Σ w`, accumulated in `Double`.
public enum ReferenceEstimator {
  /// The estimates of `settings.estimator` computed candidate by candidate, in `Double`.
  ///
  /// - Parameters:
  ///   - training: clean training images `x_i`, `N × C × H × W`.
  ///   - inputs: test inputs `u = B y`, `M × C × H × W`.
  ///   - forwardOperator, input: `A` and the input map `B` (`u = B y`); `m_i = B A x_i`.
  ///   - settings: estimator, patch size, padding and σ (pruning and threads are ignored).
  /// - Returns: the estimates, `M × C × H × W`.
  /// - Throws: `PhysicsError` when the input does not fit the operator.
  /// - Complexity: `M · N · (H W)²` candidates, each with a `d × d` whitening (`d = C P²`).
  public static func estimate(training: Tensor, inputs: Tensor, forwardOperator: ForwardOperator,
                              input: EstimatorInput, settings: EstimatorSettings) throws -> Tensor {
    let trainingShape = training.imageBatchShape, inputShape = inputs.imageBatchShape
    let (channels, height, width) = (inputShape.channels, inputShape.height, inputShape.width)
    let means = try input.map(forwardOperator.apply(training), for: forwardOperator)  // m_i = B A x_i
    let structure = try input.noiseStructure(for: forwardOperator, height: height, width: width)
    let sigma = settings.sigma
    let pixels = height * width

    /// (B Bᵀ)[a, b] for pixels a, b of one channel.
    func covariance(_ a: Int, _ b: Int) -> Double {
      switch structure {
      case let .scaledIdentity(scale): return a == b ? scale : 0
      case let .diagonal(variance): return a == b ? variance[a] : 0
      case let .circulant(autocorrelation, _, _):
        let di = ((a / width - b / width) % height + height) % height
        let dj = ((a % width - b % width) % width + width) % width
        return autocorrelation[di * width + dj]
      }
    }

    // Patch entries as offsets from the centre pixel: a P × P window, or the whole torus.
    let wholeImage = settings.estimator == .mmse || settings.estimator == .emmse
    let radius = settings.patchSize / 2
    let offsets: [(Int, Int)] = wholeImage
      ? (0..<height).flatMap { dy in (0..<width).map { dx in (dy, dx) } }
      : (-radius...radius).flatMap { dy in (-radius...radius).map { dx in (dy, dx) } }

    /// The pixel of entry `offset` of the patch at `p`, or nil outside the image (zeros).
    func entryPixel(_ p: Int, _ offset: (Int, Int)) -> Int? {
      let i = p / width + offset.0, j = p % width + offset.1
      if settings.padding == .zeros && !wholeImage && (i < 0 || i >= height || j < 0 || j >= width) { return nil }
      return ((i % height + height) % height) * width + ((j % width + width) % width)
    }

    func patch(_ images: Tensor, _ n: Int, _ p: Int) -> [Double] {
      var values: [Double] = []
      for c in 0..<channels {
        for offset in offsets {
          values.append(entryPixel(p, offset).map { Double(images[n, c, $0 / width, $0 % width]) } ?? 0)
        }
      }
      return values
    }

    /// Σ_q, its whitening, its log pseudo-determinant and its noise-free entries, per position.
    struct Geometry { var whitening: [Double]; var rank: Int; var logDeterminant: Double; var noiseFree: [Bool] }
    let dimension = channels * offsets.count
    let geometries: [Geometry] = (0..<pixels).map { q in
      var matrix = [Double](repeating: 0, count: dimension * dimension)
      for c in 0..<channels {
        for (e1, o1) in offsets.enumerated() {
          for (e2, o2) in offsets.enumerated() {
            guard let a = entryPixel(q, o1), let b = entryPixel(q, o2) else { continue }
            matrix[(c * offsets.count + e1) * dimension + c * offsets.count + e2] = sigma * sigma * covariance(a, b)
          }
        }
      }
      let eigen = SymmetricEigen(matrix, size: dimension)
      let (rank, whitening) = eigen.whitening()
      let noiseFree = (0..<dimension).map { matrix[$0 * dimension + $0] == 0 }
      return Geometry(whitening: whitening, rank: rank,
                      logDeterminant: eigen.logPseudoDeterminant() + Double(rank) * log(2 * Double.pi),
                      noiseFree: noiseFree)
    }

    var result = Tensor(zeros: inputs.shape)
    for t in 0..<inputShape.count {
      for p in 0..<pixels {
        let z = patch(inputs, t, p)
        let candidatePositions = settings.estimator == .mmse || settings.estimator == .lmmse ? [p] : Array(0..<pixels)
        var logWeights: [Double] = [], values: [[Double]] = []
        for q in candidatePositions where geometries[q].noiseFree == geometries[p].noiseFree {
          let geometry = geometries[q]
          for i in 0..<trainingShape.count {
            let k = patch(means, i, q)
            if (0..<dimension).contains(where: { geometry.noiseFree[$0] && abs(z[$0] - k[$0]) > 1e-6 }) { continue }
            var squaredDistance = 0.0
            for row in 0..<geometry.rank {
              var projection = 0.0
              for column in 0..<dimension { projection += geometry.whitening[row * dimension + column] * (z[column] - k[column]) }
              squaredDistance += projection * projection
            }
            logWeights.append(-0.5 * squaredDistance - 0.5 * geometry.logDeterminant)
            values.append((0..<channels).map { Double(training[i, $0, q / width, q % width]) })
          }
        }
        let largest = logWeights.max()!
        var total = 0.0
        var weighted = [Double](repeating: 0, count: channels)
        for (logWeight, value) in zip(logWeights, values) {
          let weight = exp(logWeight - largest)
          total += weight
          for c in 0..<channels { weighted[c] += weight * value[c] }
        }
        for c in 0..<channels { result[t, c, p / width, p % width] = Float(weighted[c] / total) }
      }
    }
    return result
  }
}
