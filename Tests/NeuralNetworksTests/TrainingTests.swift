import Foundation
import Testing
@testable import NeuralNetworks
import Tensors

/// Smooth random images in [0, 1]: sums of a few low-frequency cosines.
func smoothImages(count: Int, channels: Int = 1, size: Int = 8, seed: UInt64) -> Tensor {
  var generator = SeededGenerator(seed: seed)
  var images = Tensor(zeros: [count, channels, size, size])
  for n in 0..<count {
    for c in 0..<channels {
      let (a, b, phase) = (Float(generator.nextGaussian()), Float(generator.nextGaussian()), 2 * Float.pi * generator.nextUniform())
      for i in 0..<size {
        for j in 0..<size {
          let u = 2 * Float.pi * Float(i) / Float(size), v = 2 * Float.pi * Float(j) / Float(size)
          images[n, c, i, j] = 0.5 + 0.2 * (a * cos(u + phase) + b * sin(v - phase)) / 2
        }
      }
    }
  }
  return images
}

/// Denoising: `u = x + σ e`.
func addNoise(_ clean: Tensor, _ sigma: [Float], _ generator: inout SeededGenerator) -> Tensor {
  let size = clean.count / sigma.count
  var noisy = clean
  for index in 0..<clean.count { noisy.scalars[index] += sigma[index / size] * Float(generator.nextGaussian()) }
  return noisy
}

@Test func trainingLearnsTheIdentityToNearZeroLoss() throws {
  let network = try PatchMLP(channels: 1, patchSize: 3, width: 16, depth: 3, seed: 1)
  let images = smoothImages(count: 16, seed: 2)
  let configuration = TrainingConfiguration(epochs: 150, batchSize: 8, sigma: .fixed(0), learningRate: 3e-3, warmupSteps: 10)
  let result = try train(network, images: images, configuration: configuration, makeInput: { clean, _, _ in clean })
  #expect(result.lossHistory.count == 300)
  #expect(result.lossHistory.last! < 1e-3 * result.lossHistory.first!, "\(result.lossHistory.first!) → \(result.lossHistory.last!)")
}

@Test func trainingDenoisesWithRandomSigmaAndIsReproducible() throws {
  let images = smoothImages(count: 12, seed: 3)
  var seenSigmas: [Float] = []
  var reports: [TrainingProgress] = []
  let configuration = TrainingConfiguration(epochs: 20, batchSize: 5, sigma: .uniform(lower: 0.1, upper: 0.3),
                                            optimizer: .adamW(weightDecay: 1e-4), learningRate: 3e-3, warmupSteps: 5,
                                            gradientClipNorm: 1, emaDecay: 0.9, seed: 42)
  func run(record: Bool) throws -> TrainingResult {
    let network = try ResNet(channels: 1, patchSize: 5, width: 8, normalization: .batch, noiseConditional: true, seed: 7)
    return try train(network, images: images, configuration: configuration, makeInput: { clean, sigma, generator in
      if record { seenSigmas += sigma }
      #expect(clean.shape[0] == sigma.count && clean.shape[0] <= 5)
      return addNoise(clean, sigma, &generator)
    }, progress: { if record { reports.append($0) } })
  }
  let first = try run(record: true), second = try run(record: false)
  #expect(first.lossHistory == second.lossHistory)
  #expect(first.network.checkpointTensors() == second.network.checkpointTensors())
  #expect(first.lossHistory.count == 20 * 3)
  #expect(seenSigmas.count == 20 * 12 && seenSigmas.allSatisfy { $0 >= 0.1 && $0 <= 0.3 })
  #expect(Set(seenSigmas).count > 200)  // fresh σ per image per step
  #expect(reports.map(\.step) == Array(0..<60) && reports.last!.epoch == 19 && reports.last!.totalSteps == 60)
  #expect(reports.allSatisfy { $0.imagesPerSecond > 0 && $0.loss.isFinite })
  let early = first.lossHistory.prefix(6).reduce(0, +), late = first.lossHistory.suffix(6).reduce(0, +)
  #expect(late < 0.5 * early, "loss \(early / 6) → \(late / 6)")
  // With an EMA the network holds the averaged weights and the last iterate is returned apart.
  #expect(first.lastIterate != nil && first.lastIterate! != first.network.checkpointTensors())

  let otherSeed = try train(try ResNet(channels: 1, patchSize: 5, width: 8, normalization: .batch, noiseConditional: true, seed: 7),
                            images: images, configuration: { var c = configuration; c.seed = 43; return c }(),
                            makeInput: addNoise)
  #expect(otherSeed.lossHistory != first.lossHistory)
}

@Test func trainingRejectsImagesThatDoNotFit() throws {
  let unet = try UNet(channels: 1, widths: [4, 4], normalization: .none, seed: 0)
  let configuration = TrainingConfiguration(epochs: 1, sigma: .fixed(0.1))
  #expect(throws: NetworkError.imageSizeNotDivisible(height: 7, width: 7, divisor: 2)) {
    try train(unet, images: Tensor(zeros: [2, 1, 7, 7]), configuration: configuration, makeInput: addNoise)
  }
  #expect(throws: NetworkError.channelMismatch(expected: 1, got: 3)) {
    try train(unet, images: Tensor(zeros: [2, 3, 8, 8]), configuration: configuration, makeInput: addNoise)
  }
  #expect(throws: NetworkError.self) {
    try train(unet, images: Tensor(zeros: [2, 1, 8, 8]),
              configuration: TrainingConfiguration(epochs: 1, sigma: .uniform(lower: 0.5, upper: 0.1)), makeInput: addNoise)
  }
}

@Test(arguments: [false, true])
func resumingFromAnEpochSnapshotEndsExactlyAsAnUninterruptedRun(withAverage: Bool) throws {
  let images = smoothImages(count: 20, seed: 7)
  let configuration = TrainingConfiguration(epochs: 3, batchSize: 8, sigma: .uniform(lower: 0.05, upper: 0.3),
                                            optimizer: .adamW(weightDecay: 0.01), emaDecay: withAverage ? 0.9 : nil, seed: 5)
  func fresh() throws -> any DenoisingNetwork {
    try ResNet(channels: 1, patchSize: 5, width: 4, normalization: .batch, noiseConditional: true, seed: 3)
  }
  let whole = try train(fresh(), images: images, configuration: configuration, makeInput: addNoise)

  // Interrupted after epoch 2 (the snapshot goes through JSON as a checkpoint's would) …
  var saved: TrainingSnapshot?
  _ = try train(fresh(), images: images, configuration: configuration, makeInput: addNoise, epochEnd: { snapshot in
    if snapshot.epochsCompleted == 2 { saved = snapshot }
  })
  var snapshot = try #require(saved)
  let encoded = try JSONEncoder().encode([snapshot.shuffleGenerator, snapshot.noiseGenerator])
  let generators = try JSONDecoder().decode([SeededGenerator].self, from: encoded)
  snapshot.shuffleGenerator = generators[0]
  snapshot.noiseGenerator = generators[1]
  // … and resumed on a freshly initialised network with other weights.
  let other = try ResNet(channels: 1, patchSize: 5, width: 4, normalization: .batch, noiseConditional: true, seed: 99)
  let resumed = try train(other, images: images, configuration: configuration, makeInput: addNoise, resume: snapshot)
  #expect(resumed.lossHistory == whole.lossHistory)
  #expect(resumed.network.checkpointTensors() == whole.network.checkpointTensors())
}
