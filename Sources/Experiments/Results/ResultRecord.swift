import Foundation

/// One setting's outcome, as `results.json`, `results.csv` and `results.md` record it.
/// PSNRs are in dB with peak 1 unless the key says `range` (the reference's dynamic range).
public struct ResultRecord: Codable, Equatable, Sendable {
  /// The data set, as the config names it.
  public var dataset: String
  /// The operator's name (`denoising`, `inpainting_center_15`, …).
  public var `operator`: String
  /// The noise level of the test measurements.
  public var sigma: Double
  /// The estimator input `B` (`agnostic`, `adjoint`, `inverse:1e-07`, …).
  public var input: String
  /// The network's label (`patchmlp-P5-w256`).
  public var model: String
  /// The `P` of the reference LE-MMSE: the network's own, or the best-matching one for a
  /// network without a receptive field.
  public var patch: Int
  /// Training images `N`.
  public var nTrain: Int
  /// Test images `M`.
  public var nTest: Int
  /// Training epochs.
  public var epochs: Int
  /// PSNR(y, x): the raw measurement `y = A x + σ e` against the truth.
  public var psnrMeasurementTruth: Double
  /// PSNR(u, x): the estimator input `u = B y` against the truth (equal to the above for
  /// `agnostic`; missing in records of earlier versions).
  public var psnrInputTruth: Double?
  /// PSNR(network(u), x).
  public var psnrNetworkTruth: Double?
  /// PSNR(LE-MMSE_P(u), x), `P` = `patch`.
  public var psnrLEMMSETruth: Double
  /// PSNR(network(u), LE-MMSE_P(u)): the theory's prediction is that this is high (≳ 25 dB).
  public var psnrNetworkLEMMSE: Double?
  /// PSNR(LE-MMSE_P(u), x) with the truth's dynamic range as the peak.
  public var psnrLEMMSETruthRange: Double
  /// SSIM(LE-MMSE_P(u), x).
  public var ssimLEMMSETruth: Double
  /// SSIM(network(u), x).
  public var ssimNetworkTruth: Double?
  /// Seconds of training (of the run that trained the network).
  public var secondsTrain: Double
  /// Seconds of the reference LE-MMSE.
  public var secondsLEMMSE: Double
  /// The network's receptive field, if it has one (the classic U-Net does not).
  public var nominalPatch: Int?
  /// PSNR(network, LE-MMSE_P) over the calibration sweep.
  public var calibration: [CalibrationPoint]?
  /// The `P` of the sweep whose LE-MMSE the network matches best (highest mean PSNR, the
  /// smallest `P` among ties).
  public var bestPatch: Int?
  /// PSNR(network(u), LE-MMSE_bestPatch(u)), peak 1: the match at the best `P`.
  public var psnrNetworkLEMMSEBest: Double?
  /// PSNR(network, LE-MMSE) with the LE-MMSE's own dynamic range as the peak.
  public var psnrNetworkLEMMSERange: Double?
  /// `psnr_<estimator>_truth` and `psnr_network_<estimator>` for the other estimators asked for.
  public var otherEstimators: [String: Double]?
  /// PSNR(network, LE-MMSE) in bins of the query patches' log-density.
  public var density: [DensityBin]?
  /// The σ range `[A, B]` a σ-conditional network was trained over (σ ~ U[A, B] per image and
  /// step); nil for a network trained at the record's σ.
  public var trainSigmaRange: [Float]?
  /// The network's checkpoint, relative to the experiment's output folder (shared by the
  /// records of one σ-conditional network).
  public var checkpoint: String?
  /// What the reader should know about this record (e.g. σ outside the training range).
  public var warnings: [String]?
  /// The spread over the test images of PSNR(network, LE-MMSE) at `patch`.
  public var matchAtPatch: MatchStatistics?
  /// The spread over the test images of PSNR(network, LE-MMSE) at `bestPatch`.
  public var matchAtBestPatch: MatchStatistics?
  /// Inpainting: the match over the observed pixels, the band near the hole's edge and deep in
  /// the hole, at `patch` and (when it differs) at `bestPatch`.
  public var regions: [RegionMatch]?

  enum CodingKeys: String, CodingKey {
    case dataset, `operator`, sigma, input, model, patch, epochs
    case nTrain = "n_train", nTest = "n_test"
    case psnrMeasurementTruth = "psnr_measurement_truth"
    case psnrInputTruth = "psnr_input_truth"
    case psnrNetworkTruth = "psnr_network_truth"
    case psnrLEMMSETruth = "psnr_lemmse_truth"
    case psnrNetworkLEMMSE = "psnr_network_lemmse"
    case psnrLEMMSETruthRange = "psnr_lemmse_truth_range"
    case ssimLEMMSETruth = "ssim_lemmse_truth"
    case ssimNetworkTruth = "ssim_network_truth"
    case secondsTrain = "seconds_train"
    case secondsLEMMSE = "seconds_lemmse"
    case nominalPatch = "nominal_patch", calibration, bestPatch = "best_patch"
    case psnrNetworkLEMMSEBest = "psnr_network_lemmse_best"
    case psnrNetworkLEMMSERange = "psnr_network_lemmse_range"
    case otherEstimators = "other_estimators", density
    case trainSigmaRange = "train_sigma_range", checkpoint, warnings
    case matchAtPatch = "match_at_patch", matchAtBestPatch = "match_at_best_patch", regions
  }

  /// The region split at `patch`, for inpainting.
  public var regionMatch: RegionMatch? { regions?.first { $0.patch == patch } }
}
