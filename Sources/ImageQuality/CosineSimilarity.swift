import Tensors

/// `⟨a, b⟩ / (‖a‖ ‖b‖)` per image of two batches (`N × C × H × W`, or one `C × H × W` image),
/// averaged over the images.
public func cosineSimilarity(_ a: Tensor, _ b: Tensor) -> Double {
  let batchA = a.asImageBatch, batchB = b.asImageBatch
  let count = batchA.imageBatchShape.count
  return (0..<count).map { n in
    let x = batchA.image(n), y = batchB.image(n)
    return x.dot(y) / (x.dot(x).squareRoot() * y.dot(y).squareRoot())
  }.reduce(0, +) / Double(count)
}
