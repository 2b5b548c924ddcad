/// A calibration point: how well the network matches the LE-MMSE of patch size `patch`.
public struct CalibrationPoint: Codable, Equatable, Sendable {
  public var patch: Int
  public var psnrNetworkLEMMSE: Double
  public var cosineNetworkLEMMSE: Double

  enum CodingKeys: String, CodingKey {
    case patch
    case psnrNetworkLEMMSE = "psnr_network_lemmse"
    case cosineNetworkLEMMSE = "cosine_network_lemmse"
  }
}
