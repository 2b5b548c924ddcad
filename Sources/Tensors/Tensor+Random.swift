extension Tensor {
  /// A tensor of independent standard Gaussian values from `generator`.
  public static func gaussian(shape: [Int], using generator: inout SeededGenerator) -> Tensor {
    Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float(generator.nextGaussian()) })
  }

  /// A tensor of independent uniform values in `[0, 1)` from `generator`.
  public static func uniform(shape: [Int], using generator: inout SeededGenerator) -> Tensor {
    Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in generator.nextUniform() })
  }
}
