/// A calibration point: how well the network matches the LE-MMSE of patch size `patch`, as
/// `ResultRecord.calibration` stores it (`NetworkCalibration.Point` without the per-image PSNRs).
public struct CalibrationPoint: Codable, Equatable, Sendable {
  /// The patch size `P` of the LE-MMSE.
  public var patch: Int
  /// `PSNR(network(u), LE-MMSE_P(u))`, peak 1, per image then averaged, dB.
  public var psnrNetworkLEMMSE: Double
  /// `⟨network, LE-MMSE_P⟩ / (‖network‖ ‖LE-MMSE_P‖)` per image, averaged (1 = same direction).
  public var cosineNetworkLEMMSE: Double

  enum CodingKeys: String, CodingKey {
    case patch
    case psnrNetworkLEMMSE = "psnr_network_lemmse"
    case cosineNetworkLEMMSE = "cosine_network_lemmse"
  }
}
