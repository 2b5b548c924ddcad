/// The four network families of SPEC.md §5, by the names the command line, the experiment
/// configs and the checkpoints use.
///
/// `unet` is the *local* U-Net (receptive field `P`, no down-sampling), the paper's model for
/// the local-equivariant theory; `unet-classic` is the usual U-Net with 2×2 down-sampling,
/// whose receptive field covers the image.
public enum Architecture: String, CaseIterable, Codable, Sendable {
  /// A per-pixel MLP on the `P × P` patch around each pixel.
  case patchMLP = "patchmlp"
  /// A 3×3 stem and `L` residual blocks `h + conv(σ(conv(h)))`, receptive field `P = 3 + 4L`
  /// rounded to the blocks it fits.
  case resNet = "resnet"
  /// A U-Net of 3×3 convolutions without down-sampling, receptive field `P`.
  case localUNet = "unet"
  /// The classic U-Net with 2×2 average pooling and nearest up-sampling.
  case classicUNet = "unet-classic"

  /// Reads the CLI names, and the names checkpoints written before version 0.3 used
  /// (`patchMLP`, `resNet`, `localUNet`); their `unet` was the classic U-Net, which a
  /// checkpoint's weights then no longer fit, so such a file is reported, never misread.
  public init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    let legacy: [String: Architecture] = ["patchMLP": .patchMLP, "resNet": .resNet, "localUNet": .localUNet]
    guard let value = Architecture(rawValue: text) ?? legacy[text] else {
      throw DecodingError.dataCorrupted(.init(
        codingPath: decoder.codingPath,
        debugDescription: "unknown architecture '\(text)'; expected \(Architecture.allCases.map(\.rawValue).joined(separator: ", "))"))
    }
    self = value
  }

  /// Whether the network has a receptive field `P` that the LE-MMSE can match.
  public var hasPatchSize: Bool { self != .classicUNet }
}
