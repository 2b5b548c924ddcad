/// Overflow-checked arithmetic on shapes and sizes, for every place where a size comes from
/// outside the program (a file header, a flag, a config) before anything is allocated.
///
/// ```swift
/// ShapeArithmetic.elementCount([4, 1, 28, 28])            // 3136
/// ShapeArithmetic.elementCount([1 << 62, 4])              // nil: overflows Int
/// ShapeArithmetic.byteCount([2, 3], bytesPerElement: 4)   // 24
/// ```
///
/// Release builds of hot targets may drop Swift's own overflow traps, so sizes read from
/// untrusted input must go through these functions, never through `reduce(1, *)`.
public enum ShapeArithmetic {
  /// The product of `shape`'s extents, or `nil` when an extent is negative or the product
  /// overflows `Int`. The empty shape has one element.
  public static func elementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for extent in shape {
      guard extent >= 0 else { return nil }
      let (product, overflow) = count.multipliedReportingOverflow(by: extent)
      guard !overflow else { return nil }
      count = product
    }
    return count
  }

  /// `elementCount(shape) · bytesPerElement`, or `nil` on a negative extent or overflow.
  public static func byteCount(_ shape: [Int], bytesPerElement: Int) -> Int? {
    guard let count = elementCount(shape) else { return nil }
    let (bytes, overflow) = count.multipliedReportingOverflow(by: bytesPerElement)
    return overflow ? nil : bytes
  }

  /// `a · b`, or `nil` on overflow.
  public static func product(_ a: Int, _ b: Int) -> Int? {
    let (value, overflow) = a.multipliedReportingOverflow(by: b)
    return overflow ? nil : value
  }

  /// `a + b`, or `nil` on overflow.
  public static func sum(_ a: Int, _ b: Int) -> Int? {
    let (value, overflow) = a.addingReportingOverflow(b)
    return overflow ? nil : value
  }
}
