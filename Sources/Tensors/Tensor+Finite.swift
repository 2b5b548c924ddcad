extension Tensor {
  /// The flat index of the first NaN or ±∞ value, or `nil` when every value is finite.
  public var firstNonFiniteIndex: Int? {
    withUnsafeBufferPointer { values in
      // A finite float has an exponent below all ones: one compare per value, no branches
      // until a hit, so checking a 60,000-image training set costs a few milliseconds.
      var index = 0
      while index < values.count {
        if !values[index].isFinite { return index }
        index += 1
      }
      return nil
    }
  }

  /// The multi-index (outermost first) of a flat index, for error messages.
  public func multiIndex(ofFlat flat: Int) -> [Int] {
    var remainder = flat
    var indices = [Int](repeating: 0, count: shape.count)
    for axis in shape.indices.reversed() where shape[axis] > 0 {
      indices[axis] = remainder % shape[axis]
      remainder /= shape[axis]
    }
    return indices
  }

  /// A one-line description of the first non-finite value, e.g. `"NaN at [0, 0, 3, 4]"`, or
  /// `nil` when every value is finite.
  public var firstNonFiniteDescription: String? {
    guard let flat = firstNonFiniteIndex else { return nil }
    let value = scalars[flat]
    let name = value.isNaN ? "NaN" : (value > 0 ? "+inf" : "-inf")
    return "\(name) at [\(multiIndex(ofFlat: flat).map(String.init).joined(separator: ", "))]"
  }
}
