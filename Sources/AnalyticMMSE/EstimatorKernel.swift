/// The kernel that computed an estimate, as `EstimateStatistics.kernel` records it (the JSON
/// spelling is the raw value).
public enum EstimatorKernel: String, Codable, CaseIterable, Sendable {
  /// `le-mmse` with an isotropic metric and circular padding: box sums of squared differences
  /// over 16 training images per vector (`CircularBoxKernel`), cost nearly independent of `P`.
  case circularBox = "circular-box"
  /// Any other `le-mmse`: whitened patch features, class by class of noise-free pattern.
  case denseClass = "dense-class"
  /// `l-mmse`: whitened features at the query's own position.
  case localFeatures = "local-features"
  /// `mmse`: whitened whole images.
  case wholeImage = "whole-image"
  /// `e-mmse`: whitened whole images, distances to every circular shift by FFT.
  case wholeImageFFT = "whole-image-fft"
}
