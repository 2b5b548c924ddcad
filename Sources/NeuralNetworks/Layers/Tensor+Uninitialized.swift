import Tensors

extension Tensor {
  /// A tensor whose scalars are all about to be overwritten: no zero fill.
  init(uninitializedShape shape: [Int]) {
    let count = shape.reduce(1, *)
    self.init(shape: shape, scalars: [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count })
  }
}
