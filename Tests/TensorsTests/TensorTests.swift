import Testing
@testable import Tensors

@Test func seededGeneratorIsReproducibleAndWellDistributed() {
  var first = SeededGenerator(seed: 42), second = SeededGenerator(seed: 42), other = SeededGenerator(seed: 43)
  let a = (0..<100).map { _ in first.next() }
  #expect(a == (0..<100).map { _ in second.next() })
  #expect(a != (0..<100).map { _ in other.next() })

  var generator = SeededGenerator(seed: 1)
  let count = 200_000
  let samples = (0..<count).map { _ in generator.nextGaussian() }
  let mean = samples.reduce(0, +) / Double(count)
  let variance = samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(count)
  #expect(abs(mean) < 0.01)
  #expect(abs(variance - 1) < 0.02)
  let uniforms = (0..<count).map { _ in generator.nextUniform() }
  #expect(uniforms.allSatisfy { $0 >= 0 && $0 < 1 })
  #expect(abs(uniforms.reduce(0) { $0 + Double($1) } / Double(count) - 0.5) < 0.005)
}

@Test func circularShiftMovesContentAndWraps() {
  let image = Tensor(shape: [1, 3, 4], generator: { Float($0) })
  let shifted = image.circularlyShifted(rows: 1, columns: -1)
  for i in 0..<3 {
    for j in 0..<4 {
      #expect(shifted[0, i, j] == image[0, (i - 1 + 3) % 3, (j + 1) % 4])
    }
  }
}

@Test func imagesAndStackingRoundTrip() {
  let batch = Tensor(shape: [3, 2, 2, 2], generator: { Float($0) })
  let parts = (0..<3).map { batch.image($0) }
  #expect(Tensor.stack(parts) == batch)
  #expect(batch.images(1..<3) == Tensor.stack(Array(parts[1...])))
  #expect(Tensor.concatenate([batch.images(0..<1), batch.images(1..<3)]) == batch)
  #expect(batch.image(1)[1, 0, 1] == batch[1, 1, 0, 1])
}

@Test func parallelForEachVisitsEveryPieceOnce() {
  final class Box: @unchecked Sendable { var hits = [Int](repeating: 0, count: 1000) }
  let box = Box()
  Parallel.forEach(1000, threads: 4) { piece in box.hits[piece] += 1 }
  #expect(box.hits.allSatisfy { $0 == 1 })
}
