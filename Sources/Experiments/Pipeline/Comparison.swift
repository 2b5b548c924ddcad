import Foundation
import NeuralNetworks
import Tensors
import Physics
import ImageQuality
import AnalyticMMSE

/// The comparison of one trained network with the analytic estimators on seeded test
/// measurements: the second half of every setting (after `TrainingJob`), shared by
/// `lemmse demo` and `lemmse experiment`.
///
/// 1. measures the clean test images, `y = A x + σ e` with noise from `SeedStreams.testNoise`,
///    and maps them to the input `u = B y`;
/// 2. runs the network on `u`;
/// 3. calibrates it against the LE-MMSE of every patch size of the sweep (`NetworkCalibration`)
///    and takes the LE-MMSE at the network's own `P` (or the best-matching one) as the reference;
/// 4. computes the other estimators asked for, and the record.
public struct Comparison: Sendable {
  /// What is compared.
  public var setting: ExperimentSetting
  /// Clean training images `N × C × H × W` (the network's and the estimators').
  public var training: Tensor
  /// Clean test images `M × C × H × W`.
  public var truth: Tensor
  /// `A` for these images.
  public var forwardOperator: ForwardOperator
  /// The streams; only `testNoise` is drawn here.
  public var seeds: SeedStreams
  /// The calibration sweep; the nominal `P` is added, sizes beyond the image are dropped.
  public var patchSizes: [Int]
  /// Analytic estimators to report besides the LE-MMSE.
  public var otherEstimators: [EstimatorKind]
  /// Epochs the network was trained for, for the record.
  public var epochs: Int
  /// Threads of the estimators.
  public var threads: Int

  /// A comparison of `setting` on these images; nothing is computed until `evaluate`.
  /// `training` and `truth` share `C × H × W`, and `forwardOperator` is built for their `H × W`.
  public init(setting: ExperimentSetting, training: Tensor, truth: Tensor, forwardOperator: ForwardOperator,
              seeds: SeedStreams, patchSizes: [Int], otherEstimators: [EstimatorKind] = [], epochs: Int,
              threads: Int = Parallel.defaultThreadCount) {
    self.setting = setting
    self.training = training
    self.truth = truth
    self.forwardOperator = forwardOperator
    self.seeds = seeds
    self.patchSizes = patchSizes
    self.otherEstimators = otherEstimators
    self.epochs = epochs
    self.threads = threads
  }

  /// The test measurements `y` and the inputs `u = B y`, `M × C × H × W` each.
  /// - Throws: `PhysicsError` when the input does not fit the operator.
  public func measurements() throws -> (y: Tensor, u: Tensor) {
    let y = measure(truth, with: forwardOperator, sigma: Float(setting.sigma), seed: seeds.testNoise)
    return (y, try setting.input.map(y, for: forwardOperator))
  }

  /// Everything the comparison produced.
  public struct Outcome {
    /// The record of `results.json`.
    public var record: ResultRecord
    /// Clean test images `x`, measurements `y` and inputs `u`.
    public var truth, y, u: Tensor
    /// The network's outputs on `u`.
    public var networkOutput: Tensor
    /// The LE-MMSE at the record's `patch`.
    public var reference: Estimate
    /// The full calibration sweep.
    public var calibration: NetworkCalibration
  }

  /// Runs steps 1–4 for `network`, trained in `secondsTrain` seconds. `estimates`, the
  /// LE-MMSE of the sweep from an earlier evaluation of this comparison (`Outcome.calibration`),
  /// skip step 3's estimates; they must cover the sweep.
  /// - Throws: `AnalyticMMSEError` or `PhysicsError` when the estimators refuse the data.
  public func evaluate(network: any DenoisingNetwork, secondsTrain: Double, reusing estimates: [Int: Estimate]? = nil,
                       progress: @escaping @Sendable (String, Double) -> Void = { _, _ in }) throws -> Outcome {
    let (y, u) = try measurements()
    let sigma = setting.sigma
    let networkOutput = try network.predict(u, sigma: Float(sigma))
    let shape = training.imageBatchShape
    let nominal = setting.model.patch
    let largest = Swift.max(shape.height, shape.width)
    var sweep = Set(patchSizes)
    if let nominal { sweep.insert(nominal) }
    sweep = sweep.filter { $0 <= largest }
    let calibration = try estimates.map { earlier in
      precondition(Set(earlier.keys) == sweep, "estimates of P = \(earlier.keys.sorted()) reused for the sweep \(sweep.sorted())")
      return NetworkCalibration.compare(networkOutput: networkOutput, estimates: earlier)
    } ?? NetworkCalibration.run(
      networkOutput: networkOutput, inputs: u, training: training, forwardOperator: forwardOperator, input: setting.input,
      sigma: sigma, patchSizes: Array(sweep), threads: threads) { _, fraction in progress("LE-MMSE, every P of the sweep", fraction) }
    let patch = nominal ?? calibration.best.patch
    let reference = calibration.estimates[patch]!
    var others: [String: Double] = [:]
    for kind in otherEstimators where kind != .lemmse {
      let estimate = try AnalyticEstimator(training: training, forwardOperator: forwardOperator, input: setting.input,
                                           settings: EstimatorSettings(estimator: kind, patchSize: patch, sigma: sigma, threads: threads))
        .estimate(inputs: u) { progress(kind.rawValue, $0) }
      others["psnr_\(kind.rawValue)_truth"] = psnr(estimate.images, truth)
      others["psnr_network_\(kind.rawValue)"] = psnr(networkOutput, estimate.images)
    }
    var record = ResultRecord(
      dataset: setting.dataset.spelling, operator: setting.operator.name, sigma: sigma, input: setting.input.description,
      model: setting.model.label, patch: patch, nTrain: shape.count, nTest: truth.imageBatchShape.count, epochs: epochs,
      psnrMeasurementTruth: psnr(y, truth), psnrNetworkTruth: psnr(networkOutput, truth),
      psnrLEMMSETruth: psnr(reference.images, truth), psnrNetworkLEMMSE: psnr(networkOutput, reference.images),
      psnrLEMMSETruthRange: psnr(reference.images, truth, peak: .referenceRange),
      ssimLEMMSETruth: ssim(reference.images, truth), ssimNetworkTruth: ssim(networkOutput, truth),
      secondsTrain: secondsTrain, secondsLEMMSE: reference.statistics.seconds)
    record.psnrInputTruth = psnr(u, truth)
    record.nominalPatch = nominal
    record.calibration = calibration.points.map {
      CalibrationPoint(patch: $0.patch, psnrNetworkLEMMSE: $0.psnrNetworkLEMMSE, cosineNetworkLEMMSE: $0.cosineNetworkLEMMSE)
    }
    record.bestPatch = calibration.best.patch
    record.psnrNetworkLEMMSEBest = calibration.best.psnrNetworkLEMMSE
    record.psnrNetworkLEMMSERange = psnr(networkOutput, reference.images, peak: .referenceRange)
    record.otherEstimators = others.isEmpty ? nil : others
    record.density = DensityBin.study(network: networkOutput, estimate: reference)
    let perImage = { (patch: Int) in calibration.points.first { $0.patch == patch }.map { MatchStatistics($0.perImagePSNRNetworkLEMMSE) } }
    record.matchAtPatch = perImage(patch)
    record.matchAtBestPatch = perImage(calibration.best.patch)
    if case .inpainting(let inpainting) = forwardOperator {
      record.regions = Set([patch, calibration.best.patch]).sorted().map {
        RegionMatch(network: networkOutput, reference: calibration.estimates[$0]!.images, mask: inpainting.mask, patch: $0)
      }
    }
    return Outcome(record: record, truth: truth, y: y, u: u, networkOutput: networkOutput, reference: reference, calibration: calibration)
  }
}
