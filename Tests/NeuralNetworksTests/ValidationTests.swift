import Testing
@testable import NeuralNetworks
import Tensors

private func invalidName(_ body: () throws -> Void) -> String? {
  do { try body(); return nil } catch let NetworkError.invalidValue(name, _) { return name } catch { return "\(error)" }
}

@Test func modelDescriptionsOutOfRangeAreRefusedBeforeAllocating() {
  func mlp(channels: Int = 1, patch: Int? = 3, widths: [Int] = [8], depth: Int? = 3) -> ModelDescription {
    ModelDescription(architecture: .patchMLP, channels: channels, patchSize: patch, widths: widths, depth: depth, activation: .gelu)
  }
  let cases: [(ModelDescription, String)] = [
    (mlp(widths: [1_000_000_000]), "widths"),
    (mlp(widths: [0]), "widths"),
    (mlp(widths: [8, 8]), "widths"),
    (mlp(patch: 99999), "patchSize"),
    (mlp(patch: 4), "patchSize"),
    (mlp(patch: nil), "patchSize"),
    (mlp(depth: 100_000_000), "depth"),
    (mlp(depth: 1), "depth"),
    (mlp(channels: 1_000_000), "channels"),
    (mlp(channels: 0), "channels"),
    (mlp(patch: 255, widths: [4096], depth: 256), "widths"),  // every value in range, far too many weights
    (ModelDescription(architecture: .classicUNet, channels: 1, patchSize: nil, widths: Array(repeating: 8, count: 20), activation: .silu), "widths"),
    (ModelDescription(architecture: .resNet, channels: 1, patchSize: 1, widths: [8], activation: .relu), "patchSize"),
    (ModelDescription(architecture: .localUNet, channels: 1, patchSize: 5, widths: [8], normalization: .group(groups: -1), activation: .silu), "normalization"),
  ]
  for (description, name) in cases {
    #expect(invalidName { try description.validate() } == name, "\(description)")
    #expect(invalidName { _ = try description.makeNetwork(seed: 0) } == name, "\(description)")
  }
  #expect(throws: Never.self) { try mlp().validate() }
}

@Test func trainingConfigurationsOutOfRangeAreRefused() {
  let cases: [(TrainingConfiguration, String)] = [
    (TrainingConfiguration(epochs: 0, sigma: .fixed(0.1)), "epochs"),
    (TrainingConfiguration(epochs: 1_000_000_000, sigma: .fixed(0.1)), "epochs"),
    (TrainingConfiguration(epochs: 1, batchSize: 0, sigma: .fixed(0.1)), "batchSize"),
    (TrainingConfiguration(epochs: 1, sigma: .fixed(-1)), "sigma"),
    (TrainingConfiguration(epochs: 1, sigma: .fixed(.nan)), "sigma"),
    (TrainingConfiguration(epochs: 1, sigma: .uniform(lower: 0, upper: .infinity)), "sigma"),
    (TrainingConfiguration(epochs: 1, sigma: .fixed(0.1), learningRate: -1), "learningRate"),
    (TrainingConfiguration(epochs: 1, sigma: .fixed(0.1), learningRate: .nan), "learningRate"),
    (TrainingConfiguration(epochs: 1, sigma: .fixed(0.1), optimizer: .adamW(weightDecay: -1)), "weightDecay"),
    (TrainingConfiguration(epochs: 1, sigma: .fixed(0.1), emaDecay: 1), "emaDecay"),
    (TrainingConfiguration(epochs: 1, sigma: .fixed(0.1), emaDecay: .nan), "emaDecay"),
    (TrainingConfiguration(epochs: 1, sigma: .fixed(0.1), gradientClipNorm: 0), "gradientClipNorm"),
  ]
  for (configuration, name) in cases {
    #expect(invalidName { try configuration.validate() } == name, "\(configuration)")
  }
  #expect(throws: Never.self) { try TrainingConfiguration(epochs: 1, sigma: .fixed(0)).validate() }
}

@Test func networksRefuseImagesSmallerThanTheirReceptiveField() throws {
  let mlp = try PatchMLP(channels: 1, patchSize: 9, width: 4, depth: 2, seed: 0)
  #expect(throws: NetworkError.self) { try mlp.validate(height: 8, width: 8) }
  #expect(throws: NetworkError.self) { try mlp.predict(Tensor(zeros: [1, 1, 8, 8])) }
  #expect(throws: NetworkError.self) { try mlp.validate(height: 0, width: 0) }
  try mlp.validate(height: 9, width: 12)
  let unet = try UNet(channels: 1, widths: [4, 4, 4, 4], normalization: .none, seed: 0)
  #expect(throws: NetworkError.self) { try unet.validate(height: 8, width: 8) }  // innermost level 1×1
  try unet.validate(height: 16, width: 16)
}

@Test func trainingStopsAtTheFirstNonFiniteLoss() throws {
  let network = try PatchMLP(channels: 1, patchSize: 1, width: 4, depth: 2, seed: 0)
  let images = Tensor(repeating: 1e30, shape: [4, 1, 4, 4])
  var epochsEnded = 0
  #expect(throws: NetworkError.diverged(step: 1, epoch: 1, loss: .infinity)) {
    try train(network, images: images, configuration: TrainingConfiguration(epochs: 2, sigma: .fixed(0)),
              makeInput: { clean, _, _ in clean }, epochEnd: { _ in epochsEnded += 1 })
  }
  #expect(epochsEnded == 0)
}
