import Foundation
import Tensors
import Physics

/// The patches of an `H × W` image and their noise: which pixel each patch entry reads,
/// which positions share a pattern of noise-free entries, and the whitening of each pattern.
///
/// The pattern of position `p` is the vector of the variances of its patch entries (0 for an
/// entry outside the image under `zeros` padding, or a pixel the input knows exactly).
/// Positions with equal patterns form a **class**; the exact posterior mixes only candidates of
/// the query's class, and within a class every patch has the same covariance `σ² S`, so the
/// Mahalanobis distance is a plain distance between whitened features
///
/// ```
/// f = W Π_p v,   W = Λ₊^(−1/2) V₊ᵀ / σ  (per channel, over the noise-bearing entries)
/// ```
/// with `S = V Λ Vᵀ` and eigenvalues below `1e-10 ×` the largest dropped (pseudo-inverse).
struct PatchGeometry: Sendable {
  struct PatchClass: Sendable {
    /// The positions (row-major pixels) of the class.
    var positions: [Int]
    /// Patch entries (indices into `offsets`) that carry noise.
    var entries: [Int]
    /// Kept eigen-directions per channel.
    var rank: Int
    /// `rank × entries.count`, row-major, including the `1/σ`.
    var whitening: [Float]
    /// Whether `whitening` is diagonal with one value (an isotropic metric).
    var isotropicScale: Float?
  }

  let height: Int
  let width: Int
  let channels: Int
  let radius: Int
  let padding: Padding
  /// `(dy, dx)` of each patch entry, row-major over the `P × P` window.
  let offsets: [(Int, Int)]
  let classes: [PatchClass]
  let classOfPixel: [Int]

  init(height: Int, width: Int, channels: Int, patchSize: Int, padding: Padding,
       structure: InputNoiseStructure, sigma: Double) {
    self.height = height
    self.width = width
    self.channels = channels
    radius = patchSize / 2
    self.padding = padding
    let radius = self.radius
    offsets = (-radius...radius).flatMap { dy in (-radius...radius).map { dx in (dy, dx) } }
    let pixels = height * width

    func variance(_ a: Int, _ b: Int) -> Double {
      switch structure {
      case let .scaledIdentity(scale): return a == b ? scale : 0
      case let .diagonal(values): return a == b ? values[a] : 0
      case let .circulant(autocorrelation, _, _):
        let di = ((a / width - b / width) % height + height) % height
        let dj = ((a % width - b % width) % width + width) % width
        return autocorrelation[di * width + dj]
      }
    }

    var classIndex: [[Double]: Int] = [:]
    var classes: [PatchClass] = []
    var classOfPixel = [Int](repeating: 0, count: pixels)
    for p in 0..<pixels {
      let entryPixels = offsets.map { Self.entryPixel(p, $0, height: height, width: width, padding: padding) }
      let pattern = entryPixels.map { pixel in pixel.map { variance($0, $0) } ?? 0 }
      if let existing = classIndex[pattern] {
        classes[existing].positions.append(p)
        classOfPixel[p] = existing
        continue
      }
      let entries = pattern.indices.filter { pattern[$0] > 0 }
      var matrix = [Double](repeating: 0, count: entries.count * entries.count)
      for (row, e1) in entries.enumerated() {
        for (column, e2) in entries.enumerated() {
          matrix[row * entries.count + column] = variance(entryPixels[e1]!, entryPixels[e2]!)
        }
      }
      let (rank, whitening) = SymmetricEigen(matrix, size: entries.count).whitening()
      let scaled = whitening.map { Float($0 / sigma) }
      var isotropicScale: Float?
      if rank == entries.count, let first = scaled.first {
        let diagonal = (0..<rank).allSatisfy { row in
          (0..<rank).allSatisfy { column in
            row == column ? abs(scaled[row * rank + column]) == abs(first) : scaled[row * rank + column] == 0
          }
        }
        if diagonal { isotropicScale = abs(first) }
      }
      classIndex[pattern] = classes.count
      classOfPixel[p] = classes.count
      classes.append(PatchClass(positions: [p], entries: entries, rank: rank, whitening: scaled,
                                isotropicScale: isotropicScale))
    }
    self.classes = classes
    self.classOfPixel = classOfPixel
  }

  static func entryPixel(_ p: Int, _ offset: (Int, Int), height: Int, width: Int, padding: Padding) -> Int? {
    let i = p / width + offset.0, j = p % width + offset.1
    if padding == .zeros && (i < 0 || i >= height || j < 0 || j >= width) { return nil }
    return ((i % height + height) % height) * width + ((j % width + width) % width)
  }

  /// The pixel read by entry `entry` of the patch at `p` (always inside the image for the
  /// noise-bearing entries of `p`'s class).
  func entryPixel(_ p: Int, entry: Int) -> Int {
    Self.entryPixel(p, offsets[entry], height: height, width: width, padding: padding)!
  }

  /// The features of class `c` for an image `image` (`C × H × W`) at every position of the
  /// class, written to `features` as `positions × (C · rank)`, row-major.
  func features(of image: UnsafePointer<Float>, classIndex c: Int, into features: UnsafeMutablePointer<Float>) {
    let patchClass = classes[c]
    let rank = patchClass.rank, entryCount = patchClass.entries.count
    let dimension = channels * rank
    let plane = height * width
    var gathered = [Float](repeating: 0, count: entryCount)
    for (row, p) in patchClass.positions.enumerated() {
      for channel in 0..<channels {
        for (k, entry) in patchClass.entries.enumerated() {
          gathered[k] = image[channel * plane + entryPixel(p, entry: entry)]
        }
        for direction in 0..<rank {
          var total: Float = 0
          for k in 0..<entryCount { total += patchClass.whitening[direction * entryCount + k] * gathered[k] }
          features[row * dimension + channel * rank + direction] = total
        }
      }
    }
  }
}
