import Foundation
import Testing
@testable import Experiments
import NeuralNetworks
import Physics
import Tensors

// Input normalisation (`input_scale`): the network multiplies its input by a fixed factor,
// computed from the training inputs for `auto`, and the factor travels with its description.

/// A network with input scale s is the same weights applied to s·u, forward and backward.
@Test func aScaledNetworkIsTheSameWeightsOnTheScaledInput() throws {
  for architecture in [Architecture.patchMLP, .resNet, .localUNet] {
    let description = ModelDescription(architecture: architecture, channels: 1, patchSize: 5, widths: architecture == .localUNet ? [4, 8] : [6],
                                       depth: architecture == .patchMLP ? 3 : nil, activation: .gelu, noiseConditional: true)
    let plain = try description.makeNetwork(seed: 3)
    var scaledDescription = description
    scaledDescription.inputScale = 0.25
    let scaled = try scaledDescription.makeNetwork(seed: 3)
    var described = plain.modelDescription
    described.inputScale = 0.25
    #expect(scaled.inputScale == 0.25 && plain.inputScale == 1 && scaled.modelDescription == described, "\(architecture)")
    var generator = SeededGenerator(seed: 1)
    let u = Tensor.uniform(shape: [2, 1, 8, 8], using: &generator) * 40
    let sigma: [Float] = [0.1, 0.7]
    let expected = plain.forward(u * 0.25, sigma: sigma)
    #expect(scaled.forward(u, sigma: sigma).scalars == expected.scalars, "\(architecture)")
    let gradient = Tensor.uniform(shape: [2, 1, 8, 8], using: &generator)
    let plainInput = plain.backward(gradient)
    _ = scaled.forward(u, sigma: sigma)
    let scaledInput = scaled.backward(gradient)
    #expect(zip(scaledInput.scalars, plainInput.scalars).allSatisfy { abs($0 - 0.25 * $1) <= 1e-6 * max(1, abs($1)) })
  }
}

/// The scale is written with the description and read back; a description without it (every
/// checkpoint before it existed) means 1; a scale that is not finite and positive is refused.
@Test func theInputScaleTravelsWithTheDescription() throws {
  var description = ModelDescription(architecture: .patchMLP, channels: 1, patchSize: 3, widths: [4], depth: 2, activation: .relu)
  let bare = try JSONEncoder().encode(description)
  #expect(!String(decoding: bare, as: UTF8.self).contains("inputScale"))
  #expect(try JSONDecoder().decode(ModelDescription.self, from: bare).makeNetwork(seed: 0).inputScale == 1)
  description.inputScale = 0.0185
  let copy = try JSONDecoder().decode(ModelDescription.self, from: JSONEncoder().encode(description))
  #expect(try copy == description && copy.makeNetwork(seed: 0).inputScale == 0.0185)
  for bad: Float in [0, -1, .infinity, .nan] {
    description.inputScale = bad
    #expect(throws: NetworkError.self) { try description.makeNetwork(seed: 0) }
  }
  #expect(throws: ExperimentError.self) { try ModelSpecification(model: .patchMLP, patch: 3, inputScale: .fixed(-2)).validate() }
  #expect(ModelSpecification(model: .patchMLP, patch: 3, inputScale: .auto).label == "patchmlp-P3-w256-norm")
}

/// `auto` is 1 / RMS of the input map of the first 256 training images measured at the top
/// of the training σ range with the `inputScale` stream, computed here by hand; the trained
/// network and its checkpoint description carry it.
@Test func anAutomaticScaleIsOneOverTheRMSOfTheTrainingInputs() throws {
  var generator = SeededGenerator(seed: 4)
  let images = Tensor.uniform(shape: [300, 1, 8, 8], using: &generator)
  let op = ForwardOperator.deconvolution(Deconvolution(kernel: Kernels.gaussian(standardDeviation: 1, size: 5)))
  var job = TrainingJob(model: ModelDescription(architecture: .patchMLP, channels: 1, patchSize: 3, widths: [4], depth: 2, activation: .relu),
                        operator: try OperatorChoice(name: "deconvolution", kernel: "gaussian:1,5"), forwardOperator: op,
                        input: .inverse(epsilon: 1e-7),
                        configuration: TrainingConfiguration(epochs: 1, batchSize: 50, sigma: .uniform(lower: 0, upper: 0.2)),
                        dataset: "x")
  let seeds = SeedStreams(seed: 9)
  #expect(try job.resolvingInputScale(images: images, seeds: seeds).model == job.model, "no normalisation unless asked")
  job.normalizesInput = true
  let resolved = try job.resolvingInputScale(images: images, seeds: seeds)
  let sample = Tensor(shape: [256, 1, 8, 8], scalars: Array(images.scalars.prefix(256 * 64)))
  let u = try EstimatorInput.inverse(epsilon: 1e-7).map(measure(sample, with: op, sigma: 0.2, seed: 11), for: op)
  let rms = (u.scalars.map { Double($0) * Double($0) }.reduce(0, +) / Double(u.count)).squareRoot()
  #expect(abs(Double(resolved.model.inputScale!) - 1 / rms) <= 1e-6 / rms)
  #expect(resolved.model.inputScale! < 0.5, "the inverse filter amplifies the noise: \(rms)")
  let trained = try job.train(images: images, seeds: seeds)
  #expect(trained.network.inputScale == resolved.model.inputScale && trained.description.model == resolved.model)
}
