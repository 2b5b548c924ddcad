import Foundation
import Tensors

/// Where an inpainting network departs from the LE-MMSE: the match PSNR(network, LE-MMSE_P)
/// over three regions of the mask that the theory treats differently.
///
/// - *observed*: pixels the mask keeps; the query patch is mostly signal.
/// - *band*: hole pixels within `P/2` of an observed pixel (Chebyshev distance, indices
///   wrapping as the circular patches do): the query patch still holds observed pixels, so
///   the LE-MMSE weights training patches by them.
/// - *deep*: hole pixels whose whole `P × P` patch lies in the hole: the query carries no
///   signal, every training patch weighs alike and the LE-MMSE is their plain average.
///
/// Each PSNR has peak 1 and is computed per image over the region's pixels (all channels),
/// then averaged over the images, like every PSNR of the project. A region without pixels
/// (no deep pixels when the hole is narrower than `P`) is nil.
public struct RegionMatch: Codable, Equatable, Sendable {
  /// The patch size of the LE-MMSE and of the band.
  public var patch: Int
  /// PSNR(network, LE-MMSE_P) over the observed pixels, dB.
  public var observed: Double?
  /// PSNR(network, LE-MMSE_P) over the hole pixels within `P/2` of an observed one, dB.
  public var band: Double?
  /// PSNR(network, LE-MMSE_P) over the hole pixels farther than `P/2` from every observed one, dB.
  public var deep: Double?
  /// Pixels (per channel and image) in each region: observed, band, deep.
  public var pixels: [Int]

  /// The region of every pixel of an `H × W` mask for patch size `P`: 0 observed, 1 band, 2 deep.
  public static func regions(mask: Tensor, patch: Int) -> [UInt8] {
    precondition(mask.rank == 2 && patch >= 1, "regions of an H × W mask and a positive P")
    let (height, width) = (mask.shape[0], mask.shape[1])
    let radius = patch / 2
    let observed = mask.scalars.map { $0 >= 0.5 }
    var labels = [UInt8](repeating: 0, count: height * width)
    for i in 0..<height {
      for j in 0..<width where !observed[i * width + j] {
        var nearObserved = false
        search: for di in -radius...radius {
          let row = ((i + di) % height + height) % height
          for dj in -radius...radius where observed[row * width + ((j + dj) % width + width) % width] {
            nearObserved = true
            break search
          }
        }
        labels[i * width + j] = nearObserved ? 1 : 2
      }
    }
    return labels
  }

  /// The match of `network` against `reference` (`M × C × H × W` each) over the regions of
  /// `mask` (`H × W`) for patch size `patch`.
  public init(network: Tensor, reference: Tensor, mask: Tensor, patch: Int) {
    precondition(network.shape == reference.shape, "network \(network.shape) and reference \(reference.shape) differ")
    let shape = network.imageBatchShape
    precondition(mask.shape == [shape.height, shape.width], "mask \(mask.shape) does not fit images \(network.shape)")
    let labels = Self.regions(mask: mask, patch: patch)
    let plane = shape.height * shape.width
    var sums = [[Double]](repeating: [Double](repeating: 0, count: shape.count), count: 3)
    let a = network.scalars, b = reference.scalars
    for n in 0..<shape.count {
      for c in 0..<shape.channels {
        let base = (n * shape.channels + c) * plane
        for k in 0..<plane {
          let difference = Double(a[base + k]) - Double(b[base + k])
          sums[Int(labels[k])][n] += difference * difference
        }
      }
    }
    let counts = (0..<3).map { region in labels.reduce(0) { $0 + ($1 == region ? 1 : 0) } }
    let psnr = { (region: Int) -> Double? in
      guard counts[region] > 0 else { return nil }
      let values = sums[region].map { 10 * log10(Double(counts[region] * shape.channels) / $0) }
      return values.reduce(0, +) / Double(values.count)
    }
    self.patch = patch
    observed = psnr(0)
    band = psnr(1)
    deep = psnr(2)
    pixels = counts
  }
}
