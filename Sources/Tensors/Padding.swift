/// How a patch or a convolution sees pixels outside the image.
public enum Padding: String, CaseIterable, Codable, Sendable {
  /// Indices wrap around: exact translation equivariance on the torus.
  case circular
  /// Entries outside the image are 0 (and carry no noise).
  case zeros
}
