import Foundation
import Tensors
import Physics
import ImageQuality
import AnalyticMMSE

/// Which LE-MMSE a network behaves like: its outputs compared with the LE-MMSE of every patch
/// size of a sweep, on the same estimator inputs.
///
/// ```swift
/// let calibration = try NetworkCalibration.run(
///   networkOutput: f, inputs: u, training: x, forwardOperator: .denoising, input: .agnostic,
///   sigma: 0.2, patchSizes: [3, 5, 7])
/// calibration.best.patch                 // the P whose LE-MMSE the network matches best
/// ```
///
/// The match of one P is `PSNR(network, LE-MMSE_P)` with peak 1, per image then averaged (as
/// every PSNR of the project), and the cosine similarity `⟨f, g⟩ / (‖f‖ ‖g‖)` per image,
/// averaged. `lemmse compare` and the experiment runner both calibrate through this type.
public struct NetworkCalibration: Sendable {
  /// One patch size of the sweep.
  public struct Point: Codable, Equatable, Sendable {
    /// The patch size `P`.
    public var patch: Int
    /// `PSNR(network, LE-MMSE_P)`, peak 1, per image then averaged, in dB.
    public var psnrNetworkLEMMSE: Double
    /// `⟨network, LE-MMSE_P⟩ / (‖network‖ ‖LE-MMSE_P‖)` per image, averaged.
    public var cosineNetworkLEMMSE: Double
    /// `PSNR(network, LE-MMSE_P)` of each image, in dB.
    public var perImagePSNRNetworkLEMMSE: [Double]

    enum CodingKeys: String, CodingKey {
      case patch
      case psnrNetworkLEMMSE = "psnr_network_lemmse"
      case cosineNetworkLEMMSE = "cosine_network_lemmse"
      case perImagePSNRNetworkLEMMSE = "per_image_psnr_network_lemmse"
    }
  }

  /// The sweep, in increasing `P`.
  public var points: [Point]
  /// The LE-MMSE estimates by patch size.
  public var estimates: [Int: Estimate]

  /// The point of the highest mean PSNR (the smallest `P` among ties).
  public var best: Point { points.max { $0.psnrNetworkLEMMSE < $1.psnrNetworkLEMMSE || ($0.psnrNetworkLEMMSE == $1.psnrNetworkLEMMSE && $0.patch > $1.patch) }! }

  /// The default sweep: odd `P` from 3 to 13.
  public static let defaultPatchSizes = [3, 5, 7, 9, 11, 13]

  /// Calibrates `networkOutput` (`M × C × H × W`) against the LE-MMSE of each of `patchSizes`.
  ///
  /// - Parameters:
  ///   - inputs: the estimator inputs `u = B y` the network saw, `M × C × H × W`.
  ///   - training: clean training images `N × C × H × W`.
  ///   - patchSizes: odd sizes, each at most the larger image side; duplicates are dropped.
  /// - Throws: `AnalyticMMSEError` for an even or too-large `P`, shapes that differ, values
  ///   out of range; `PhysicsError` when the input does not fit the operator.
  public static func run(networkOutput: Tensor, inputs: Tensor, training: Tensor, forwardOperator: ForwardOperator,
                         input: EstimatorInput, sigma: Double, patchSizes: [Int],
                         threads: Int = Parallel.defaultThreadCount,
                         progress: (@Sendable (Int, Double) -> Void)? = nil) throws -> NetworkCalibration {
    precondition(networkOutput.shape == inputs.shape, "network output \(networkOutput.shape) and inputs \(inputs.shape) differ")
    let sweep = Array(Set(patchSizes)).sorted()
    precondition(!sweep.isEmpty, "a calibration needs at least one patch size")
    // Every size in one call: the box kernel computes them in one pass over the training set;
    // a bad P fails before any estimate is computed.
    let estimator = try AnalyticEstimator(training: training, forwardOperator: forwardOperator, input: input,
                                          settings: EstimatorSettings(estimator: .lemmse, patchSize: sweep[0], sigma: sigma,
                                                                      threads: threads))
    let all = try estimator.estimate(inputs: inputs, patchSizes: sweep) { progress?(sweep[0], $0) }
    return compare(networkOutput: networkOutput, estimates: Dictionary(uniqueKeysWithValues: zip(sweep, all)))
  }

  /// Calibrates `networkOutput` against LE-MMSE estimates computed earlier on the same inputs
  /// (as for the same test images at another epoch of training), by patch size.
  public static func compare(networkOutput: Tensor, estimates: [Int: Estimate]) -> NetworkCalibration {
    precondition(!estimates.isEmpty, "a calibration needs at least one patch size")
    let points = estimates.keys.sorted().map { patch in
      let images = estimates[patch]!.images
      precondition(networkOutput.shape == images.shape, "network output \(networkOutput.shape) and LE-MMSE \(images.shape) differ")
      let perImage = psnrPerImage(networkOutput, images)
      return Point(patch: patch, psnrNetworkLEMMSE: perImage.reduce(0, +) / Double(perImage.count),
                   cosineNetworkLEMMSE: cosineSimilarity(networkOutput, images), perImagePSNRNetworkLEMMSE: perImage)
    }
    return NetworkCalibration(points: points, estimates: estimates)
  }
}
