/// Elementwise arithmetic and reductions. Shapes must match exactly: no broadcasting, so a
/// shape mistake stops at the call that made it.
extension Tensor {
  @inlinable
  func zipped(_ other: Tensor, _ operation: (Float, Float) -> Float) -> Tensor {
    precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
    var result = self
    result.scalars.withUnsafeMutableBufferPointer { target in
      other.scalars.withUnsafeBufferPointer { source in
        for index in target.indices { target[index] = operation(target[index], source[index]) }
      }
    }
    return result
  }

  /// Applies `transform` to every value.
  @inlinable
  public func map(_ transform: (Float) -> Float) -> Tensor {
    Tensor(shape: shape, scalars: scalars.map(transform))
  }

  /// `lhs[i] + rhs[i]`; the shapes must be equal.
  public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipped(rhs, +) }
  /// `lhs[i] − rhs[i]`; the shapes must be equal.
  public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipped(rhs, -) }
  /// `lhs[i] · rhs[i]` (the Hadamard product); the shapes must be equal.
  public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipped(rhs, *) }
  /// `lhs[i] / rhs[i]`; the shapes must be equal.
  public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipped(rhs, /) }
  /// `lhs[i] + rhs` for every value.
  public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 + rhs } }
  /// `lhs[i] − rhs` for every value.
  public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 - rhs } }
  /// `lhs[i] · rhs` for every value.
  public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 * rhs } }
  /// `lhs · rhs[i]` for every value.
  public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }
  /// `lhs ← lhs + rhs`; the shapes must be equal.
  public static func += (lhs: inout Tensor, rhs: Tensor) { lhs = lhs + rhs }
  /// `lhs ← lhs − rhs`; the shapes must be equal.
  public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs - rhs }
  /// `lhs ← lhs · rhs`.
  public static func *= (lhs: inout Tensor, rhs: Float) { lhs = lhs * rhs }

  /// The sum of all values, accumulated in `Double`.
  public func sum() -> Double { scalars.reduce(0.0) { $0 + Double($1) } }
  /// The mean of all values, accumulated in `Double`.
  public func mean() -> Double { count == 0 ? 0 : sum() / Double(count) }
  /// The smallest value, or NaN for an empty tensor.
  public func min() -> Float { scalars.min() ?? .nan }
  /// The largest value, or NaN for an empty tensor.
  public func max() -> Float { scalars.max() ?? .nan }
  /// `Σ a·b`, accumulated in `Double`.
  public func dot(_ other: Tensor) -> Double {
    precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
    var total = 0.0
    for index in scalars.indices { total += Double(scalars[index]) * Double(other.scalars[index]) }
    return total
  }
  /// Values clamped to `[lower, upper]`.
  public func clamped(to range: ClosedRange<Float>) -> Tensor {
    map { Swift.min(Swift.max($0, range.lowerBound), range.upperBound) }
  }
  /// The largest absolute difference to `other`.
  public func maxAbsoluteDifference(_ other: Tensor) -> Float {
    precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
    var largest: Float = 0
    for index in scalars.indices { largest = Swift.max(largest, abs(scalars[index] - other.scalars[index])) }
    return largest
  }
}
