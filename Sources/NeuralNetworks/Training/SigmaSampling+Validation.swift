extension SigmaSampling {
  /// The positive noise levels accepted anywhere: `10⁻⁶ ≤ σ ≤ 10³` (images are in `[0, 1]`).
  public static let positiveRange: ClosedRange<Double> = 1e-6...1e3

  /// Why `sigma` is not a usable noise level, or `nil` when it is: finite, in `positiveRange`,
  /// or exactly 0 when `allowingZero` (noiseless training, or a conditional network at σ = 0).
  public static func problem(with sigma: Double, allowingZero: Bool) -> String? {
    if allowingZero && sigma == 0 { return nil }
    if positiveRange.contains(sigma) { return nil }
    let allowed = "\(allowingZero ? "0 or " : "")\(positiveRange.lowerBound)…\(positiveRange.upperBound)"
    return "must be \(allowed) (got \(sigma))"
  }

  /// Checks the noise levels: a fixed σ is 0 or in `positiveRange`; a range `[A, B]` has
  /// `0 ≤ A ≤ B ≤ 10³`, both finite.
  ///
  /// - Throws: `NetworkError.invalidValue(name: "sigma", …)`.
  public func validate() throws {
    switch self {
    case let .fixed(sigma):
      if let problem = Self.problem(with: Double(sigma), allowingZero: true) {
        throw NetworkError.invalidValue(name: "sigma", message: problem)
      }
    case let .uniform(lower, upper):
      guard lower >= 0, lower <= upper, Double(upper) <= Self.positiveRange.upperBound else {
        throw NetworkError.invalidValue(
          name: "sigma", message: "range must satisfy 0 ≤ A ≤ B ≤ \(Self.positiveRange.upperBound) (got [\(lower), \(upper)])")
      }
    }
  }
}
