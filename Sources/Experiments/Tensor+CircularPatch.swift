import Tensors

extension Tensor {
  /// The circular `(2r + 1) × (2r + 1)` patch of this `C × H × W` image centred at
  /// `(row, column)`, indices wrapping around: what the circular-padding estimators see.
  func circularPatch(row: Int, column: Int, radius: Int) -> Tensor {
    let (channels, height, width) = (shape[0], shape[1], shape[2])
    let size = 2 * radius + 1
    return Tensor(shape: [channels, size, size], generator: { index in
      let c = index / (size * size), a = (index / size) % size, b = index % size
      return self[c, ((row + a - radius) % height + height) % height, ((column + b - radius) % width + width) % width]
    })
  }
}
