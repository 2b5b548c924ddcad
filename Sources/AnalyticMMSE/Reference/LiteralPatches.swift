import Foundation
import Tensors
import Physics

/// The patches and covariances of SPEC.md §4 written out literally for `ReferenceEstimator`:
/// every query patch `z = Π_p u`, every candidate patch `Π_q m_i`, and per position the
/// covariance `Σ_q = σ² · (patch of B Bᵀ at q)` with its whitening, log pseudo-determinant
/// and noise-free entries.
struct LiteralPatches {
  /// One candidate of a query pixel: its log-weight (normalising constant included), its
  /// squared Mahalanobis distance, and its clean value `x_i[·, q]`.
  struct Candidate {
    var logWeight: Double
    var squaredDistance: Double
    var value: [Double]
  }

  /// `Σ_q`'s whitening (`rank × dimension`), log pseudo-determinant of `2π Σ_q`, and which
  /// entries carry no noise.
  struct Geometry {
    var whitening: [Double]
    var rank: Int
    var logDeterminant: Double
    var noiseFree: [Bool]
  }

  let training: Tensor, inputs: Tensor, means: Tensor
  let settings: EstimatorSettings
  let channels: Int, height: Int, width: Int
  let structure: InputNoiseStructure
  /// Patch entries as offsets from the centre pixel: a `P × P` window, or the whole torus.
  let offsets: [(Int, Int)]
  let wholeImage: Bool
  private(set) var geometries: [Geometry] = []

  init(training: Tensor, inputs: Tensor, forwardOperator: ForwardOperator, input: EstimatorInput,
       settings: EstimatorSettings) throws {
    let shape = inputs.imageBatchShape
    (channels, height, width) = (shape.channels, shape.height, shape.width)
    (self.training, self.inputs, self.settings) = (training, inputs, settings)
    means = try input.map(forwardOperator.apply(training), for: forwardOperator)  // m_i = B A x_i
    structure = try input.noiseStructure(for: forwardOperator, height: height, width: width)
    wholeImage = settings.estimator == .mmse || settings.estimator == .emmse
    let (radius, height, width) = (settings.patchSize / 2, height, width)
    offsets = wholeImage
      ? (0..<height).flatMap { dy in (0..<width).map { dx in (dy, dx) } }
      : (-radius...radius).flatMap { dy in (-radius...radius).map { dx in (dy, dx) } }
    geometries = (0..<height * width).map(geometry(at:))
  }

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

  /// The pixel of entry `offset` of the patch at `p`, or nil outside the image (zeros).
  func entryPixel(_ p: Int, _ offset: (Int, Int)) -> Int? {
    let i = p / width + offset.0, j = p % width + offset.1
    if settings.padding == .zeros && !wholeImage && (i < 0 || i >= height || j < 0 || j >= width) { return nil }
    return ((i % height + height) % height) * width + ((j % width + width) % width)
  }

  /// `Π_p` of image `n` of `images`, channel-major.
  func patch(_ images: Tensor, _ n: Int, _ p: Int) -> [Double] {
    var values: [Double] = []
    for c in 0..<channels {
      for offset in offsets {
        values.append(entryPixel(p, offset).map { Double(images[n, c, $0 / width, $0 % width]) } ?? 0)
      }
    }
    return values
  }

  var dimension: Int { channels * offsets.count }

  /// `Σ_q` (block diagonal over channels), whitened with the Moore–Penrose pseudo-inverse.
  func geometry(at q: Int) -> Geometry {
    let dimension = dimension
    var matrix = [Double](repeating: 0, count: dimension * dimension)
    for c in 0..<channels {
      for (e1, o1) in offsets.enumerated() {
        for (e2, o2) in offsets.enumerated() {
          guard let a = entryPixel(q, o1), let b = entryPixel(q, o2) else { continue }
          matrix[(c * offsets.count + e1) * dimension + c * offsets.count + e2] = settings.sigma * settings.sigma * covariance(a, b)
        }
      }
    }
    let eigen = SymmetricEigen(matrix, size: dimension)
    let (rank, whitening) = eigen.whitening()
    return Geometry(whitening: whitening, rank: rank,
                    logDeterminant: eigen.logPseudoDeterminant() + Double(rank) * log(2 * Double.pi),
                    noiseFree: (0..<dimension).map { matrix[$0 * dimension + $0] == 0 })
  }

  /// The candidates mixed at pixel `p` of test input `t`: the positions the estimator allows
  /// whose noise-free entries are the query's and hold the same values.
  func candidates(test t: Int, pixel p: Int) -> [Candidate] {
    let z = patch(inputs, t, p), dimension = dimension
    let positions = settings.estimator == .mmse || settings.estimator == .lmmse ? [p] : Array(0..<height * width)
    var candidates: [Candidate] = []
    for q in positions where geometries[q].noiseFree == geometries[p].noiseFree {
      let geometry = geometries[q]
      for i in 0..<training.imageBatchShape.count {
        let k = patch(means, i, q)
        if (0..<dimension).contains(where: { geometry.noiseFree[$0] && abs(z[$0] - k[$0]) > 1e-6 }) { continue }
        var squaredDistance = 0.0
        for row in 0..<geometry.rank {
          var projection = 0.0
          for column in 0..<dimension { projection += geometry.whitening[row * dimension + column] * (z[column] - k[column]) }
          squaredDistance += projection * projection
        }
        candidates.append(Candidate(logWeight: -0.5 * squaredDistance - 0.5 * geometry.logDeterminant,
                                    squaredDistance: squaredDistance,
                                    value: (0..<channels).map { Double(training[i, $0, q / width, q % width]) }))
      }
    }
    return candidates
  }
}
