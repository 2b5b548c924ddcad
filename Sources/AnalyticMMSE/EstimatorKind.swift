import Tensors

/// The four analytic estimators (SPEC.md §4).
public enum EstimatorKind: String, CaseIterable, Codable, Sendable {
  /// No constraint: one weight per training image, from the whole image.
  case mmse
  /// Local: candidates are the same position `p` of every training image.
  case lmmse = "l-mmse"
  /// Translation-equivariant: the patch is the whole image circularly shifted (circular padding only).
  case emmse = "e-mmse"
  /// Local and equivariant: candidates are every position of every training image.
  case lemmse = "le-mmse"

  /// Whether the estimator looks at `P × P` patches (`l-mmse`, `le-mmse`).
  public var usesPatches: Bool { self == .lmmse || self == .lemmse }
}
