import Foundation
import Testing
@testable import NeuralNetworks
import Tensors

struct ConvolutionCase: CustomTestStringConvertible, Sendable {
  var shape: [Int], outputChannels: Int, kernelSize: Int, padding: Padding, bias: Bool
  var testDescription: String { "\(shape) → \(outputChannels), K = \(kernelSize), \(padding), bias \(bias)" }
}

let convolutionCases: [ConvolutionCase] = [
  .init(shape: [2, 3, 5, 6], outputChannels: 4, kernelSize: 3, padding: .circular, bias: true),
  .init(shape: [2, 3, 5, 6], outputChannels: 4, kernelSize: 3, padding: .zeros, bias: true),
  .init(shape: [1, 2, 6, 6], outputChannels: 3, kernelSize: 5, padding: .circular, bias: false),
  .init(shape: [1, 2, 6, 7], outputChannels: 3, kernelSize: 5, padding: .zeros, bias: true),
  .init(shape: [3, 2, 4, 5], outputChannels: 5, kernelSize: 1, padding: .circular, bias: true),
  .init(shape: [1, 1, 8, 8], outputChannels: 2, kernelSize: 7, padding: .circular, bias: true),
  .init(shape: [1, 1, 8, 8], outputChannels: 2, kernelSize: 7, padding: .zeros, bias: true),
  // 32 or more output channels: the products put the channels along the vector columns.
  .init(shape: [3, 2, 5, 6], outputChannels: 32, kernelSize: 3, padding: .zeros, bias: true),
  .init(shape: [2, 3, 4, 5], outputChannels: 64, kernelSize: 1, padding: .circular, bias: true),
]

/// The literal definition of the layer, the oracle of the im2col implementation.
func referenceConvolution(_ x: Tensor, _ layer: Convolution2D) -> Tensor {
  let s = x.imageBatchShape, k = layer.kernelSize, r = k / 2
  var y = Tensor(zeros: [s.count, layer.outputChannels, s.height, s.width])
  for n in 0..<s.count {
    for o in 0..<layer.outputChannels {
      for i in 0..<s.height {
        for j in 0..<s.width {
          var total = Double(layer.bias?.value.scalars[o] ?? 0)
          for c in 0..<s.channels {
            for a in 0..<k {
              for b in 0..<k {
                var si = i + a - r, sj = j + b - r
                if layer.padding == .zeros && (si < 0 || si >= s.height || sj < 0 || sj >= s.width) { continue }
                si = (si % s.height + s.height) % s.height
                sj = (sj % s.width + s.width) % s.width
                total += Double(layer.weight.value[o, c, a, b]) * Double(x[n, c, si, sj])
              }
            }
          }
          y[n, o, i, j] = Float(total)
        }
      }
    }
  }
  return y
}

@Test(arguments: convolutionCases)
func convolutionMatchesItsDefinition(_ testCase: ConvolutionCase) {
  var generator = SeededGenerator(seed: 3)
  let layer = Convolution2D(inputChannels: testCase.shape[1], outputChannels: testCase.outputChannels,
                            kernelSize: testCase.kernelSize, padding: testCase.padding, bias: testCase.bias,
                            generator: &generator)
  if let bias = layer.bias { bias.value = Tensor.gaussian(shape: bias.value.shape, using: &generator) }
  let x = randomTensor(testCase.shape, seed: 11)
  #expect(layer.forward(x).maxAbsoluteDifference(referenceConvolution(x, layer)) < 1e-4)
}

@Test(arguments: convolutionCases)
func convolutionGradientsMatchFiniteDifferences(_ testCase: ConvolutionCase) {
  var generator = SeededGenerator(seed: 5)
  let layer = Convolution2D(inputChannels: testCase.shape[1], outputChannels: testCase.outputChannels,
                            kernelSize: testCase.kernelSize, padding: testCase.padding, bias: testCase.bias,
                            generator: &generator)
  expectGradientsMatch(layer, input: randomTensor(testCase.shape, seed: 13))
}

/// Splitting the batch into blocks of images (one product per block) changes nothing but the
/// order of summation: forward and every gradient agree with one block for the whole batch.
@Test(arguments: [(1, 32, 3, Padding.circular), (2, 5, 3, Padding.zeros), (3, 40, 1, Padding.circular), (2, 3, 5, Padding.circular)])
func convolutionBlocksOfImagesAgreeWithOneBlock(_ channels: Int, _ outputChannels: Int, _ kernelSize: Int, _ padding: Padding) {
  let shape = [5, channels, 6, 7]
  let x = randomTensor(shape, seed: 21)
  let gradOutput = randomTensor([5, outputChannels, 6, 7], seed: 22)
  func run(imagesPerBlock: Int) -> [Tensor] {
    var generator = SeededGenerator(seed: 7)
    let layer = Convolution2D(inputChannels: channels, outputChannels: outputChannels, kernelSize: kernelSize,
                              padding: padding, generator: &generator)
    layer.bias!.value = Tensor.gaussian(shape: [outputChannels], using: &generator)
    layer.columnBudget = imagesPerBlock * channels * kernelSize * kernelSize * 42
    let y = layer.forward(x)
    let gradInput = layer.backward(gradOutput)
    return [y, gradInput, layer.weight.gradient, layer.bias!.gradient]
  }
  let whole = run(imagesPerBlock: 5)
  #expect(whole[0].maxAbsoluteDifference(referenceConvolution(x, {
    var generator = SeededGenerator(seed: 7)
    let layer = Convolution2D(inputChannels: channels, outputChannels: outputChannels, kernelSize: kernelSize,
                              padding: padding, generator: &generator)
    layer.bias!.value = Tensor.gaussian(shape: [outputChannels], using: &generator)
    return layer
  }())) < 1e-4)
  for imagesPerBlock in [1, 2, 4] {  // 5 blocks of 1; 3 blocks of 2, 2, 1; 2 blocks of 3, 2
    let blocked = run(imagesPerBlock: imagesPerBlock)
    for (a, b) in zip(whole, blocked) {
      #expect(a.shape == b.shape)
      #expect(a.maxAbsoluteDifference(b) < 1e-4 * Swift.max(1, b.scalars.map(abs).max()!))
    }
  }
}

@Test func gradientCheckCatchesASignFlip() {
  var generator = SeededGenerator(seed: 5)
  let layer = SignFlipped(Convolution2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, generator: &generator))
  let checks = directionalChecks(layer, input: randomTensor([2, 2, 5, 5], seed: 1), seed: 2)
  #expect(checks[0].relativeError > 0.5, "a negated input gradient must fail: \(checks[0])")
  // The parameter gradients are still right, so those checks pass.
  #expect(checks.dropFirst().allSatisfy { $0.relativeError < 1e-2 })
}

@Test(arguments: Activation.allCases, [[2, 3, 4, 4], [1, 1, 3, 5]])
func activationGradientsMatchFiniteDifferences(_ activation: Activation, shape: [Int]) {
  // Keep inputs away from ReLU's kink so that no difference step crosses it.
  let x = randomTensor(shape, seed: 17).map { $0 >= 0 ? $0 + 0.2 : $0 - 0.2 }
  expectGradientsMatch(ActivationLayer(activation), input: x, step: 1e-2)
}

@Test func activationValues() {
  #expect(Activation.relu.value(-1) == 0 && Activation.relu.value(2) == 2)
  #expect(abs(Activation.gelu.value(1) - 0.841_344_7) < 1e-5)  // 1 · Φ(1), the erf form
  #expect(abs(Activation.silu.value(1) - 0.731_058_6) < 1e-5)
}

@Test(arguments: [(groups: 1, shape: [2, 4, 3, 3]), (groups: 2, shape: [2, 4, 3, 4]), (groups: 4, shape: [1, 4, 5, 5]),
                  (groups: 3, shape: [3, 6, 2, 3])])
func groupNormGradientsMatchFiniteDifferences(groups: Int, shape: [Int]) {
  let layer = GroupNorm(groups: groups, channels: shape[1])
  var generator = SeededGenerator(seed: 1)
  layer.scale.value = Tensor.gaussian(shape: [shape[1]], using: &generator)
  layer.offset.value = Tensor.gaussian(shape: [shape[1]], using: &generator)
  expectGradientsMatch(layer, input: randomTensor(shape, seed: 19))
}

@Test func groupNormNormalizesEachGroup() {
  let layer = GroupNorm(groups: 2, channels: 4)
  let y = layer.forward(randomTensor([2, 4, 3, 3], seed: 2) * 3 + 1)
  for n in 0..<2 {
    for g in 0..<2 {
      let values = (0..<18).map { y.scalars[(n * 4 + 2 * g) * 9 + $0] }
      let mean = values.reduce(0, +) / 18
      let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 18
      #expect(abs(mean) < 1e-5 && abs(variance - 1) < 1e-3)
    }
  }
}

@Test(arguments: [[4, 3, 3, 3], [2, 2, 4, 5], [8, 1, 1, 1]])
func batchNormTrainingGradientsMatchFiniteDifferences(shape: [Int]) {
  let layer = BatchNorm(channels: shape[1])
  var generator = SeededGenerator(seed: 1)
  layer.scale.value = Tensor.gaussian(shape: [shape[1]], using: &generator)
  layer.offset.value = Tensor.gaussian(shape: [shape[1]], using: &generator)
  expectGradientsMatch(layer, input: randomTensor(shape, seed: 23))
}

@Test func batchNormInferenceUsesRunningStatistics() {
  let layer = BatchNorm(channels: 2, momentum: 0.5)
  let x = randomTensor([4, 2, 3, 3], seed: 3) * 2 + 5
  _ = layer.forward(x)
  // After one step from (0, 1): running = ½·0 + ½·batch mean, ½·1 + ½·unbiased variance.
  for c in 0..<2 {
    let values = (0..<4).flatMap { n in (0..<9).map { x.scalars[(n * 2 + c) * 9 + $0] } }
    let mean = values.reduce(0, +) / 36
    let unbiased = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 35
    #expect(abs(layer.runningMean.value.scalars[c] - 0.5 * mean) < 1e-4)
    #expect(abs(layer.runningVariance.value.scalars[c] - (0.5 + 0.5 * unbiased)) < 1e-3)
  }
  layer.setTraining(false)
  let single = x.images(0..<1)
  let y = layer.forward(single)
  let c = 1, expected = (single[0, c, 1, 2] - layer.runningMean.value.scalars[c])
    / (layer.runningVariance.value.scalars[c] + layer.epsilon).squareRoot()
  #expect(abs(y[0, c, 1, 2] - expected) < 1e-5)
  // Inference mode is per-channel affine: one image's output does not depend on the others.
  #expect(layer.forward(x).images(0..<1).maxAbsoluteDifference(y) < 1e-6)
  expectGradientsMatch(layer, input: x)
}

@Test(arguments: [[2, 3, 3, 4], [1, 5, 2, 2], [3, 1, 2, 2]])
func channelLayerNormGradientsMatchFiniteDifferences(shape: [Int]) {
  let layer = ChannelLayerNorm(channels: shape[1])
  var generator = SeededGenerator(seed: 1)
  layer.scale.value = Tensor.gaussian(shape: [shape[1]], using: &generator)
  layer.offset.value = Tensor.gaussian(shape: [shape[1]], using: &generator)
  // One channel: x̂ ≡ 0 and the input gradient is 0; the check still covers the parameters.
  expectGradientsMatch(layer, input: randomTensor(shape, seed: 29))
}

@Test(arguments: [[2, 3, 4, 6], [1, 1, 2, 2]])
func poolingAndUpsamplingGradientsMatchFiniteDifferences(shape: [Int]) {
  expectGradientsMatch(AveragePool2x2(), input: randomTensor(shape, seed: 31))
  expectGradientsMatch(NearestUpsample2x(), input: randomTensor(shape, seed: 37))
  let pooled = AveragePool2x2().forward(Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 6]))
  #expect(pooled.scalars == [3])
  let upsampled = NearestUpsample2x().forward(Tensor(shape: [1, 1, 1, 2], scalars: [1, 2]))
  #expect(upsampled.scalars == [1, 1, 2, 2, 1, 1, 2, 2])
}

/// Concatenation, residual addition and noise conditioning, wrapped as layers for the check.
final class ConcatenateWithConvolution: Layer {
  let convolution: Convolution2D
  init(_ convolution: Convolution2D) { self.convolution = convolution }
  var children: [(name: String, layer: any Layer)] { [("convolution", convolution)] }
  func forward(_ x: Tensor) -> Tensor { ChannelConcatenation.forward([convolution.forward(x), x]) }
  func backward(_ gradOutput: Tensor) -> Tensor {
    let parts = ChannelConcatenation.backward(gradOutput, channels: [convolution.outputChannels, convolution.inputChannels])
    return convolution.backward(parts[0]) + parts[1]
  }
}

@Test(arguments: [Padding.circular, .zeros])
func combinationGradientsMatchFiniteDifferences(padding: Padding) {
  var generator = SeededGenerator(seed: 41)
  let convolution = Convolution2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: padding, generator: &generator)
  expectGradientsMatch(ConcatenateWithConvolution(convolution), input: randomTensor([2, 2, 4, 5], seed: 43))
  let residual = Residual(Sequential([
    Convolution2D(inputChannels: 2, outputChannels: 2, kernelSize: 3, padding: padding, generator: &generator),
    ActivationLayer(.gelu),
  ]))
  expectGradientsMatch(residual, input: randomTensor([2, 2, 4, 5], seed: 47))

  let x = randomTensor([2, 1, 3, 3], seed: 53)
  let conditioned = NoiseConditioning.forward(x, sigma: [0.1, 0.7])
  #expect(conditioned.shape == [2, 2, 3, 3])
  #expect(conditioned[0, 0, 1, 1] == x[0, 0, 1, 1] && conditioned[0, 1, 2, 0] == 0.1 && conditioned[1, 1, 0, 2] == 0.7)
  #expect(NoiseConditioning.backward(conditioned) == x)
}

@Test(arguments: Activation.allCases)
func vectorisedActivationMatchesTheLibmReference(_ activation: Activation) {
  let inputs = (0..<4001).map { Float($0 - 2000) / 150 } + [-100, -88, 88, 100, 0, -0.0, 1e-30]
  var values = inputs, derivatives = [Float](repeating: 0, count: inputs.count)
  values.withUnsafeMutableBufferPointer { v in
    derivatives.withUnsafeMutableBufferPointer { d in
      ActivationKernel.apply(activation, values: v.baseAddress!, derivatives: d.baseAddress!, count: inputs.count)
    }
  }
  for (index, x) in inputs.enumerated() {
    let value = activation.value(x), derivative = activation.derivative(x)
    #expect(abs(values[index] - value) <= 1e-6 * Swift.max(1, abs(value)), "f(\(x)): \(values[index]) vs \(value)")
    #expect(abs(derivatives[index] - derivative) <= 1e-6 * Swift.max(1, abs(derivative)), "f′(\(x)): \(derivatives[index]) vs \(derivative)")
  }
}
