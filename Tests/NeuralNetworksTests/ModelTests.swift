import Foundation
import Testing
@testable import NeuralNetworks
import Tensors

/// Tiny instances of every architecture, plain and noise-conditional.
func tinyNetworks(padding: Padding = .circular, noiseConditional: Bool = false) throws -> [any DenoisingNetwork] {
  [
    try PatchMLP(channels: 2, patchSize: 3, width: 6, depth: 3, padding: padding, noiseConditional: noiseConditional, seed: 1),
    try PatchMLP(channels: 1, patchSize: 5, width: 4, depth: 4, residualBlocks: true, padding: padding,
                 noiseConditional: noiseConditional, seed: 2),
    try ResNet(channels: 2, patchSize: 7, width: 4, normalization: .batch, activation: .gelu, padding: padding,
               noiseConditional: noiseConditional, seed: 3),
    try ResNet(channels: 1, patchSize: 5, width: 4, normalization: .group(groups: 2), activation: .silu, padding: padding,
               noiseConditional: noiseConditional, seed: 4),
    try LocalUNet(channels: 1, patchSize: 7, widths: [4, 6], normalization: .group(groups: 2), padding: padding,
                  noiseConditional: noiseConditional, seed: 5),
    try UNet(channels: 2, widths: [4, 4], normalization: .group(groups: 2), padding: padding,
             noiseConditional: noiseConditional, seed: 6),
  ]
}

@Test(arguments: [Padding.circular, .zeros], [false, true])
func networkGradientsMatchFiniteDifferences(padding: Padding, noiseConditional: Bool) throws {
  for (index, network) in try tinyNetworks(padding: padding, noiseConditional: noiseConditional).enumerated() {
    let x = randomTensor([2, network.channels, 4, 6], seed: UInt64(index))
    let sigma: [Float]? = noiseConditional ? [0.3, 0.8] : nil
    let checks = directionalChecks(network, input: x, seed: UInt64(10 + index), step: 4e-3,
                                   forward: { network.forward($0, sigma: sigma) }, backward: { network.backward($0) })
    #expect(checks.count == network.parameters.count + 1)
    for check in checks {
      // Biases in front of a GroupNorm have gradients near 0, where Float rounding of the loss
      // dominates the difference quotient: allow an absolute 5e-3 besides the relative 1e-2.
      #expect(abs(check.analytic - check.numeric) < 1e-2 * Swift.max(abs(check.analytic), abs(check.numeric)) + 5e-3,
              "\(network.modelDescription.architecture): \(check)")
    }
  }
}

/// The set of input pixels whose gradient for output pixel `(0, row, column)` is non-zero.
func influence(of network: any DenoisingNetwork, height: Int, width: Int, row: Int, column: Int) -> Set<[Int]> {
  let x = randomTensor([1, network.channels, height, width], seed: 99)
  _ = network.forward(x, sigma: network.isNoiseConditional ? [0.5] : nil)
  var probe = Tensor(zeros: [1, network.channels, height, width])
  probe[0, 0, row, column] = 1
  let gradient = network.backward(probe)
  var support = Set<[Int]>()
  for c in 0..<network.channels {
    for i in 0..<height { for j in 0..<width where gradient[0, c, i, j] != 0 { support.insert([i, j]) } }
  }
  return support
}

func circularWindow(size: Int, height: Int, width: Int, row: Int, column: Int) -> Set<[Int]> {
  let r = size / 2
  var window = Set<[Int]>()
  for a in -r...r { for b in -r...r { window.insert([(row + a + height) % height, (column + b + width) % width]) } }
  return window
}

@Test(arguments: [1, 3, 5, 7, 9, 13])
func receptiveFieldIsExactlyThePatch(patchSize: Int) throws {
  var networks: [any DenoisingNetwork] = [
    try PatchMLP(channels: 1, patchSize: patchSize, width: 8, depth: 3, seed: 1),
    try PatchMLP(channels: 2, patchSize: patchSize, width: 8, depth: 4, residualBlocks: true, noiseConditional: true, seed: 2),
    try LocalUNet(channels: 1, patchSize: patchSize, widths: [4, 8, 8], normalization: .none, seed: 3),
  ]
  if patchSize >= 3 {
    networks.append(try ResNet(channels: 1, patchSize: patchSize, width: 6, normalization: .none, activation: .silu, seed: 4))
    // BatchNorm in inference mode is per-channel affine, so it keeps the window.
    let batchNormed = try ResNet(channels: 2, patchSize: patchSize, width: 6, normalization: .batch, activation: .gelu, seed: 5)
    _ = batchNormed.forward(randomTensor([4, 2, 16, 16], seed: 1))
    batchNormed.setTraining(false)
    networks.append(batchNormed)
  }
  for network in networks {
    #expect(network.receptiveField == patchSize)
    for (row, column) in [(5, 8), (0, 15), (14, 1)] {
      let support = influence(of: network, height: 16, width: 16, row: row, column: column)
      #expect(support == circularWindow(size: patchSize, height: 16, width: 16, row: row, column: column),
              "\(network.modelDescription.architecture) P = \(patchSize) at (\(row), \(column)): \(support.count) pixels")
    }
  }
}

@Test func localUNetPlacesOneThreeByThreeKernelPerTwoUnitsOfP() throws {
  for levels in 1...3 {
    for patchSize in stride(from: 1, through: 8 * levels - 3, by: 2) {
      let network = try LocalUNet(channels: 1, patchSize: patchSize, widths: Array(repeating: 4, count: levels),
                                  normalization: .none, seed: 0)
      let kernels = network.kernelSizes.encoders.flatMap { $0 } + network.kernelSizes.decoders.flatMap { $0 }
      #expect(kernels.count == 4 * levels - 2)
      #expect(kernels.filter { $0 == 3 }.count == (patchSize - 1) / 2)
    }
    #expect(throws: NetworkError.self) { try LocalUNet(channels: 1, patchSize: 8 * levels - 1, widths: Array(repeating: 4, count: levels), seed: 0) }
  }
}

@Test func classicUNetSeesBeyondAnyPatch() throws {
  let network = try UNet(channels: 1, widths: [4, 4, 4], normalization: .none, seed: 1)
  #expect(network.receptiveField == nil)
  #expect(influence(of: network, height: 16, width: 16, row: 3, column: 3).count > 9 * 9)
}

@Test(arguments: [false, true])
func circularNetworksAreTranslationEquivariant(noiseConditional: Bool) throws {
  for network in try tinyNetworks(noiseConditional: noiseConditional) {
    // Pooling makes the classic U-Net equivariant to shifts by multiples of 2^(levels − 1) only.
    let (rows, columns) = network is UNet ? (2, -4) : (3, -5)
    let x = randomTensor([3, network.channels, 8, 12], seed: 5)
    let sigma: [Float]? = noiseConditional ? [0.1, 0.5, 0.9] : nil
    network.setTraining(true)  // batch statistics are shift-invariant too
    let shiftedOutput = network.forward(x.circularlyShifted(rows: rows, columns: columns), sigma: sigma)
    let outputShifted = network.forward(x, sigma: sigma).circularlyShifted(rows: rows, columns: columns)
    #expect(shiftedOutput.maxAbsoluteDifference(outputShifted) < 1e-4, "\(network.modelDescription.architecture)")
  }
}

@Test func invalidArchitecturesThrow() throws {
  #expect(throws: NetworkError.self) { try ResNet(channels: 1, patchSize: 4, width: 8, seed: 0) }
  #expect(throws: NetworkError.self) { try ResNet(channels: 1, patchSize: 1, width: 8, seed: 0) }
  #expect(throws: NetworkError.self) { try PatchMLP(channels: 1, patchSize: 6, width: 8, depth: 3, seed: 0) }
  #expect(throws: NetworkError.self) { try PatchMLP(channels: 1, patchSize: 5, width: 8, depth: 1, seed: 0) }
  #expect(throws: NetworkError.self) { try LocalUNet(channels: 1, patchSize: 5, widths: [6, 8], normalization: .group(groups: 4), seed: 0) }
  let unet = try UNet(channels: 1, widths: [4, 4, 4], normalization: .group(groups: 2), seed: 0)
  #expect(throws: NetworkError.imageSizeNotDivisible(height: 12, width: 10, divisor: 4)) {
    try unet.predict(Tensor(zeros: [1, 1, 12, 10]))
  }
  #expect(try unet.predict(Tensor(zeros: [2, 1, 12, 8])).shape == [2, 1, 12, 8])
  #expect(throws: NetworkError.channelMismatch(expected: 1, got: 3)) { try unet.predict(Tensor(zeros: [1, 3, 8, 8])) }
  let conditional = try PatchMLP(channels: 1, patchSize: 3, width: 4, depth: 2, noiseConditional: true, seed: 0)
  #expect(throws: NetworkError.self) { try conditional.predict(Tensor(zeros: [1, 1, 8, 8])) }
}

@Test func checkpointsRecreateTheNetwork() throws {
  for network in try tinyNetworks(noiseConditional: true) {
    let x = randomTensor([2, network.channels, 8, 8], seed: 3)
    _ = network.forward(x, sigma: [0.2, 0.4])  // moves BatchNorm's running statistics off their start
    let expected = try network.predict(x, sigma: 0.3)
    let json = try JSONEncoder().encode(network.modelDescription)
    let description = try JSONDecoder().decode(ModelDescription.self, from: json)
    #expect(description == network.modelDescription)
    let copy = try description.makeNetwork(seed: 12345)
    #expect(try copy.predict(x, sigma: 0.3) != expected)
    let state = network.checkpointTensors()
    #expect(state.keys.allSatisfy { $0.hasPrefix("body.") })
    #expect(state.count == network.namedState().count)
    try copy.load(from: state)
    #expect(try copy.predict(x, sigma: 0.3) == expected)

    var damaged = state
    let name = state.keys.sorted()[0]
    damaged[name] = Tensor(zeros: [state[name]!.count + 1])
    #expect(throws: NetworkError.self) { try copy.load(from: damaged) }
    damaged = state
    damaged.removeValue(forKey: name)
    #expect(throws: NetworkError.missingTensor(name: name)) { try copy.load(from: damaged) }
    damaged = state
    damaged["extra"] = Tensor(zeros: [1])
    #expect(throws: NetworkError.unexpectedTensor(name: "extra")) { try copy.load(from: damaged) }
  }
}

@Test func batchNormRunningStatisticsAreCheckpointed() throws {
  let network = try ResNet(channels: 1, patchSize: 5, width: 4, normalization: .batch, seed: 0)
  let names = network.checkpointTensors().keys
  #expect(names.contains("body.1.body.0.runningMean") && names.contains("body.1.body.0.runningVariance"))
  #expect(names.contains("body.0.weight") && names.contains("body.0.bias"))
}
