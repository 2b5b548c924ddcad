/// Whether a matrix operand enters a product as stored or transposed.
public enum Transpose: Sendable {
  /// `op(X) = X`.
  case none
  /// `op(X) = Xᵀ`.
  case transposed
}
