import Foundation
import Testing
@testable import NeuralNetworks
import Tensors

/// K ranks in one process: threads that meet at every `allGather` (a generation-counted barrier).
final class ThreadExchangeHub: @unchecked Sendable {
  let size: Int
  private let condition = NSCondition()
  private var slots: [[Double]?]
  private var arrived = 0, generation = 0
  private var gathered: [[Double]] = []

  init(size: Int) {
    self.size = size
    slots = Array(repeating: nil, count: size)
  }

  func allGather(rank: Int, _ values: [Double]) -> [[Double]] {
    condition.lock()
    defer { condition.unlock() }
    let mine = generation
    slots[rank] = values
    arrived += 1
    if arrived == size {
      gathered = slots.map { $0! }
      slots = Array(repeating: nil, count: size)
      arrived = 0
      generation += 1
      condition.broadcast()
    } else {
      while generation == mine { condition.wait() }
    }
    return gathered
  }

  /// Runs `body(exchange)` for every rank on its own thread and returns the results in rank order.
  func run<R>(_ body: @escaping @Sendable (any GradientExchange) throws -> R) -> [Result<R, any Error>] {
    let results = ResultSlots<R>(count: size)
    let done = DispatchGroup()
    for rank in 0..<size {
      done.enter()
      let thread = Thread { [self] in
        results.set(rank, Result { try body(ThreadRank(rank: rank, hub: self)) })
        done.leave()
      }
      thread.stackSize = 8 << 20
      thread.start()
    }
    done.wait()
    return results.values
  }
}

struct ThreadRank: GradientExchange {
  let rank: Int
  let hub: ThreadExchangeHub
  var size: Int { hub.size }
  func allGather(_ values: [Double]) -> [[Double]] { hub.allGather(rank: rank, values) }
}

final class ResultSlots<R>: @unchecked Sendable {
  private let lock = NSLock()
  private var slots: [Result<R, any Error>?]
  init(count: Int) { slots = Array(repeating: nil, count: count) }
  func set(_ index: Int, _ value: Result<R, any Error>) {
    lock.lock()
    slots[index] = value
    lock.unlock()
  }
  var values: [Result<R, any Error>] { lock.lock(); defer { lock.unlock() }; return slots.map { $0! } }
}

/// The three architectures with every normalisation the trainer meets: LayerNorm (residual
/// PatchMLP), BatchNorm with running statistics (ResNet, σ-conditional), GroupNorm (local U-Net).
enum SharedNetwork: String, CaseIterable, Sendable {
  case patchMLP, resNet, localUNet

  func make() throws -> any DenoisingNetwork {
    switch self {
    case .patchMLP: try PatchMLP(channels: 1, patchSize: 3, width: 8, depth: 3, residualBlocks: true, seed: 11)
    case .resNet: try ResNet(channels: 1, patchSize: 5, width: 4, normalization: .batch, noiseConditional: true, seed: 12)
    case .localUNet: try LocalUNet(channels: 1, patchSize: 5, widths: [4, 4], normalization: .group(groups: 2), seed: 13)
    }
  }
}

/// 13 images in batches of 5: the last batch (3 images) leaves one of four shares empty.
private let sharedImages = smoothImages(count: 13, seed: 21)

private func sharedConfiguration(shares: Int) -> TrainingConfiguration {
  TrainingConfiguration(epochs: 2, batchSize: 5, sigma: .uniform(lower: 0.05, upper: 0.3), learningRate: 3e-3,
                        emaDecay: 0.9, seed: 8, batchShares: shares)
}

/// The first tensor whose bits differ (a short line instead of both dictionaries).
func firstDifference(_ a: [String: Tensor], _ b: [String: Tensor]) -> String? {
  guard a.keys.sorted() == b.keys.sorted() else { return "names \(a.keys.sorted()) ≠ \(b.keys.sorted())" }
  for name in a.keys.sorted() {
    let (x, y) = (a[name]!, b[name]!)
    guard x.shape == y.shape else { return "\(name): shape \(x.shape) ≠ \(y.shape)" }
    if let index = x.scalars.indices.first(where: { x.scalars[$0].bitPattern != y.scalars[$0].bitPattern }) {
      return "\(name)[\(index)]: \(x.scalars[index]) ≠ \(y.scalars[index])"
    }
  }
  return nil
}

@Test(arguments: SharedNetwork.allCases)
func dataParallelRanksTrainTheOneProcessNetworkBitForBit(_ kind: SharedNetwork) throws {
  let shares = 4
  let single = try train(kind.make(), images: sharedImages, configuration: sharedConfiguration(shares: shares), makeInput: addNoise)
  let expected = single.network.checkpointTensors()
  for ranks in [1, 2, 3, 4] {
    let outcomes = ThreadExchangeHub(size: ranks).run { exchange in
      let result = try train(kind.make(), images: sharedImages, configuration: sharedConfiguration(shares: shares),
                             makeInput: addNoise, exchange: exchange)
      return (result.lossHistory, result.network.checkpointTensors(), result.lastIterate)
    }
    for (rank, outcome) in outcomes.enumerated() {
      let (losses, tensors, lastIterate) = try outcome.get()
      #expect(losses == single.lossHistory, "\(kind), rank \(rank) of \(ranks): losses")
      #expect(firstDifference(tensors, expected) == nil, "\(kind), rank \(rank) of \(ranks): weights and running statistics")
      #expect(firstDifference(lastIterate ?? [:], single.lastIterate ?? [:]) == nil, "\(kind), rank \(rank) of \(ranks): last iterate")
    }
  }
}

@Test func oneRankWithOneShareIsTheUnsharedRun() throws {
  let configuration = sharedConfiguration(shares: 1)
  let plain = try train(SharedNetwork.resNet.make(), images: sharedImages, configuration: configuration, makeInput: addNoise)
  let outcome = try #require(ThreadExchangeHub(size: 1).run { exchange in
    try train(SharedNetwork.resNet.make(), images: sharedImages, configuration: configuration, makeInput: addNoise,
              exchange: exchange).network.checkpointTensors()
  }.first).get()
  #expect(firstDifference(outcome, plain.network.checkpointTensors()) == nil)
}

/// Without batch statistics the shares only regroup one sum: the loss and every gradient of a
/// shared step equal the whole batch's up to rounding.
@Test(arguments: [SharedNetwork.patchMLP, .localUNet])
func sharedGradientsAreTheWholeBatchGradients(_ kind: SharedNetwork) throws {
  let clean = smoothImages(count: 7, seed: 31)
  var generator = SeededGenerator(seed: 4)
  let sigma = (0..<7).map { _ in 0.05 + 0.2 * generator.nextUniform() }
  let input = addNoise(clean, sigma, &generator)

  let whole = try kind.make()
  whole.setTraining(true)
  whole.zeroGradients()
  var difference = whole.forward(input, sigma: whole.isNoiseConditional ? sigma : nil) - clean
  let wholeLoss = difference.dot(difference) / Double(difference.count)
  difference *= 2 / Float(difference.count)
  _ = whole.backward(difference)

  let shared = try kind.make()
  shared.setTraining(true)
  var run = try TrainingRun(network: shared, images: clean,
                            configuration: TrainingConfiguration(epochs: 1, batchSize: 7, sigma: .fixed(0.1), batchShares: 3),
                            resume: nil)
  let sharedLoss = run.sharedGradients(input: input, clean: clean, sigma: sigma)
  #expect(abs(Double(sharedLoss) - wholeLoss) <= 1e-6 * wholeLoss)
  for (a, b) in zip(whole.parameters, shared.parameters) {
    let scale = a.gradient.scalars.map(abs).max()! + 1e-12
    let worst = zip(a.gradient.scalars, b.gradient.scalars).map { abs($0 - $1) }.max()!
    #expect(worst <= 1e-5 * scale, "\(kind) \(a.name): \(worst) against \(scale)")
  }
}

@Test func sharesAreFixedConsecutiveRangesWhateverTheRanks() {
  #expect((0..<4).map { TrainingRun.members(ofShare: $0, of: 4, batch: 3) } == [0..<0, 0..<1, 1..<2, 2..<3])
  #expect((0..<3).map { TrainingRun.members(ofShare: $0, of: 3, batch: 32) } == [0..<10, 10..<21, 21..<32])
  #expect((0..<3).map { TrainingRun.shares(ofRank: $0, ranks: 3, shares: 4) } == [0..<1, 1..<2, 2..<4])
  #expect((0..<2).map { TrainingRun.shares(ofRank: $0, ranks: 2, shares: 2) } == [0..<1, 1..<2])
}

@Test func moreRanksThanSharesOrSharesAboveTheBatchAreRefused() throws {
  #expect(throws: NetworkError.invalidValue(name: "batchShares", message: "must be a whole number in 1…5, the batch size (got 6)")) {
    try sharedConfiguration(shares: 6).validate()
  }
  let outcome = try #require(ThreadExchangeHub(size: 3).run { exchange in
    try train(SharedNetwork.patchMLP.make(), images: sharedImages, configuration: sharedConfiguration(shares: 2),
              makeInput: addNoise, exchange: exchange)
  }.first)
  #expect(throws: NetworkError.invalidValue(name: "batchShares", message: "must be at least the 3 ranks that share every batch (got 2)")) {
    try outcome.get()
  }
}

@Test func configurationsSavedBeforeSharesDecodeAsOneShare() throws {
  var configuration = sharedConfiguration(shares: 3)
  let encoded = try JSONEncoder().encode(configuration)
  #expect(try JSONDecoder().decode(TrainingConfiguration.self, from: encoded) == configuration)
  var object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
  object["batchShares"] = nil
  configuration.batchShares = 1
  #expect(try JSONDecoder().decode(TrainingConfiguration.self, from: JSONSerialization.data(withJSONObject: object)) == configuration)
}
