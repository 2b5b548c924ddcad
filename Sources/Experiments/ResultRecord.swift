import Foundation

/// One setting's outcome, as `results.json`, `results.csv` and `results.md` record it.
/// PSNRs are in dB with peak 1 unless the key says `range` (the reference's dynamic range).
public struct ResultRecord: Codable, Equatable, Sendable {
  public var dataset: String
  public var `operator`: String
  public var sigma: Double
  public var input: String
  public var model: String
  public var patch: Int
  public var nTrain: Int
  public var nTest: Int
  public var epochs: Int
  public var psnrMeasurementTruth: Double
  public var psnrNetworkTruth: Double?
  public var psnrLEMMSETruth: Double
  public var psnrNetworkLEMMSE: Double?
  public var psnrLEMMSETruthRange: Double
  public var ssimLEMMSETruth: Double
  public var ssimNetworkTruth: Double?
  public var secondsTrain: Double
  public var secondsLEMMSE: Double
  /// The network's receptive field, if it has one (the classic U-Net does not).
  public var nominalPatch: Int?
  /// PSNR(network, LE-MMSE_P) over the calibration sweep.
  public var calibration: [CalibrationPoint]?
  /// The best-matching `P` of the sweep, and its match.
  public var bestPatch: Int?
  public var psnrNetworkLEMMSEBest: Double?
  /// PSNR(network, LE-MMSE) with the LE-MMSE's own dynamic range as the peak.
  public var psnrNetworkLEMMSERange: Double?
  /// `psnr_<estimator>_truth` and `psnr_network_<estimator>` for the other estimators asked for.
  public var otherEstimators: [String: Double]?
  /// PSNR(network, LE-MMSE) in bins of the query patches' log-density.
  public var density: [DensityBin]?

  enum CodingKeys: String, CodingKey {
    case dataset, `operator`, sigma, input, model, patch, epochs
    case nTrain = "n_train", nTest = "n_test"
    case psnrMeasurementTruth = "psnr_measurement_truth"
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
  }

  /// Writes records as pretty JSON, atomically.
  public static func writeJSON(_ records: [ResultRecord], to url: URL) throws {
    try AtomicFile.write(encodedJSON(records), to: url)
  }
}

/// Any value as pretty, key-sorted JSON, non-finite numbers as "inf", "-inf" and "nan": the
/// form of every JSON file the project writes.
public func encodedJSON<Value: Encodable>(_ value: Value) throws -> Data {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
  encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
  return try encoder.encode(value)
}

/// Encodes any value with `encodedJSON(_:)` and writes it atomically.
public func writeJSON<Value: Encodable>(_ value: Value, to url: URL) throws {
  try AtomicFile.write(encodedJSON(value), to: url)
}
