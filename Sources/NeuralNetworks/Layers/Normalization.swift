/// Which normalisation a network applies before its activations.
public enum Normalization: Codable, Equatable, Hashable, Sendable {
  /// No normalisation.
  case none
  /// `BatchNorm` (the paper's ResNet). Its batch statistics couple the images of a batch and
  /// all pixels, so evaluate in inference mode (`setTraining(false)`), where it is per-channel affine.
  case batch
  /// `GroupNorm` with `groups` groups (the paper's U-Net). Its statistics span the whole image,
  /// so, strictly, the receptive field of a network with GroupNorm is the whole image.
  case group(groups: Int)

  /// The normalisation layer for `channels` channels, or `nil` for `.none`.
  func makeLayer(channels: Int) -> (any Layer)? {
    switch self {
    case .none: return nil
    case .batch: return BatchNorm(channels: channels)
    case let .group(groups): return GroupNorm(groups: groups, channels: channels)
    }
  }

  /// Checks that a network with these `widths` can be built: GroupNorm's group count must be
  /// positive and divide every width.
  ///
  /// - Throws: `NetworkError.invalidConfiguration` naming the group count and the width.
  func validate(widths: [Int]) throws {
    guard case let .group(groups) = self else { return }
    guard groups > 0 else { throw NetworkError.invalidConfiguration("GroupNorm needs a positive group count, got \(groups)") }
    if let width = widths.first(where: { $0 % groups != 0 }) {
      throw NetworkError.invalidConfiguration(
        "GroupNorm with \(groups) groups cannot split width \(width); choose a group count dividing every width \(widths)")
    }
  }
}
