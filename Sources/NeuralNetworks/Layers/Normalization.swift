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
}
