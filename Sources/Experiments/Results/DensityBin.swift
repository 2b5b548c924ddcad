import Foundation
import Tensors
import AnalyticMMSE

/// A bin of the density study: pixels grouped by the log-density of their query patch.
public struct DensityBin: Codable, Equatable, Sendable {
  /// The bin's mean log-density `log p(Π_p u)` of the query patches.
  public var logDensity: Double
  /// PSNR(network, LE-MMSE) over the bin's pixels, peak 1.
  public var psnrNetworkLEMMSE: Double
  /// Pixels in the bin.
  public var pixels: Int

  enum CodingKeys: String, CodingKey {
    case logDensity = "log_density", psnrNetworkLEMMSE = "psnr_network_lemmse", pixels
  }

  /// The match between network and LE-MMSE in `bins` equal-count bins of the query's
  /// log-density: the theory says networks follow the LE-MMSE best where training patches are
  /// dense. `network` and `estimate.images` are `M × C × H × W`.
  public static func study(network: Tensor, estimate: Estimate, bins: Int = 8) -> [DensityBin] {
    let shape = network.imageBatchShape
    var pixels: [(density: Double, error: Double)] = []
    pixels.reserveCapacity(shape.count * shape.planeSize)
    for n in 0..<shape.count {
      for p in 0..<shape.planeSize {
        var error = 0.0
        for c in 0..<shape.channels {
          let index = (n * shape.channels + c) * shape.planeSize + p
          let difference = Double(network.scalars[index] - estimate.images.scalars[index])
          error += difference * difference
        }
        pixels.append((Double(estimate.logDensity.scalars[n * shape.planeSize + p]), error / Double(shape.channels)))
      }
    }
    pixels.sort { $0.density < $1.density }
    let size = Swift.max(1, pixels.count / bins)
    return stride(from: 0, to: pixels.count, by: size).map { start in
      let slice = pixels[start ..< Swift.min(pixels.count, start + size)]
      let meanError = slice.reduce(0) { $0 + $1.error } / Double(slice.count)
      return DensityBin(logDensity: slice.reduce(0) { $0 + $1.density } / Double(slice.count),
                        psnrNetworkLEMMSE: 10 * log10(1 / Swift.max(meanError, 1e-20)), pixels: slice.count)
    }
  }
}
