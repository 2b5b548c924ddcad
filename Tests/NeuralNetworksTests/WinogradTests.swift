import Foundation
import Testing
@_spi(Benchmarks) @testable import NeuralNetworks
import Tensors

/// The pixel a `3 × 3` correlation reads at `(i + a − 1, j + b − 1)`: wrapped, or `nil` outside (zeros).
private func source(_ i: Int, _ j: Int, _ a: Int, _ b: Int, height: Int, width: Int, padding: Padding) -> (Int, Int)? {
  let si = i + a - 1, sj = j + b - 1
  if padding == .zeros && (si < 0 || si >= height || sj < 0 || sj >= width) { return nil }
  return ((si + height) % height, (sj + width) % width)
}

/// The plain definitions, in `Double`: `y = w ⋆ x + bias`, `∂x[c, p] = Σ w[o, c, a, b] ∂y[o, q]`
/// over the `q` that read `p`, and `∂w[o, c, a, b] = Σ ∂y[o, q] x[c, q + (a, b) − 1]`.
private struct DirectConvolution3x3 {
  var x: Tensor, weight: Tensor, bias: Tensor, padding: Padding

  var shape: ImageBatchShape { x.imageBatchShape }
  var outputChannels: Int { weight.shape[0] }

  func forward() -> Tensor {
    let s = shape
    var y = Tensor(zeros: [s.count, outputChannels, s.height, s.width])
    for n in 0..<s.count {
      for o in 0..<outputChannels {
        for i in 0..<s.height {
          for j in 0..<s.width {
            var total = Double(bias.scalars[o])
            for c in 0..<s.channels {
              for a in 0..<3 {
                for b in 0..<3 {
                  guard let (si, sj) = source(i, j, a, b, height: s.height, width: s.width, padding: padding) else { continue }
                  total += Double(weight[o, c, a, b]) * Double(x[n, c, si, sj])
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

  func gradients(_ gradOutput: Tensor) -> (input: Tensor, weight: Tensor) {
    let s = shape
    var gradInput = [Double](repeating: 0, count: x.count)
    var gradWeight = [Double](repeating: 0, count: weight.count)
    for n in 0..<s.count {
      for o in 0..<outputChannels {
        for i in 0..<s.height {
          for j in 0..<s.width {
            let g = Double(gradOutput[n, o, i, j])
            for c in 0..<s.channels {
              for a in 0..<3 {
                for b in 0..<3 {
                  guard let (si, sj) = source(i, j, a, b, height: s.height, width: s.width, padding: padding) else { continue }
                  gradInput[((n * s.channels + c) * s.height + si) * s.width + sj] += Double(weight[o, c, a, b]) * g
                  gradWeight[((o * s.channels + c) * 3 + a) * 3 + b] += Double(x[n, c, si, sj]) * g
                }
              }
            }
          }
        }
      }
    }
    return (Tensor(shape: x.shape, scalars: gradInput.map { Float($0) }),
            Tensor(shape: weight.shape, scalars: gradWeight.map { Float($0) }))
  }
}

struct WinogradCase: CustomTestStringConvertible, Sendable {
  var shape: [Int], outputChannels: Int, padding: Padding, imagesPerPiece: Int?
  var testDescription: String {
    "\(shape) → \(outputChannels), \(padding)" + (imagesPerPiece.map { ", pieces of \($0)" } ?? "")
  }
}

let winogradCases: [WinogradCase] = [
  .init(shape: [1, 1, 2, 2], outputChannels: 1, padding: .circular, imagesPerPiece: nil),
  .init(shape: [2, 3, 4, 4], outputChannels: 5, padding: .circular, imagesPerPiece: nil),
  .init(shape: [2, 3, 4, 4], outputChannels: 5, padding: .zeros, imagesPerPiece: nil),
  .init(shape: [3, 4, 7, 7], outputChannels: 6, padding: .circular, imagesPerPiece: nil),
  .init(shape: [3, 4, 7, 7], outputChannels: 6, padding: .zeros, imagesPerPiece: nil),
  .init(shape: [2, 2, 5, 8], outputChannels: 3, padding: .circular, imagesPerPiece: nil),
  .init(shape: [2, 2, 6, 3], outputChannels: 3, padding: .zeros, imagesPerPiece: nil),
  .init(shape: [1, 3, 3, 3], outputChannels: 2, padding: .circular, imagesPerPiece: nil),
  .init(shape: [5, 3, 7, 6], outputChannels: 4, padding: .circular, imagesPerPiece: 2),
  .init(shape: [5, 3, 5, 5], outputChannels: 4, padding: .zeros, imagesPerPiece: 1),
  .init(shape: [2, 16, 14, 14], outputChannels: 24, padding: .circular, imagesPerPiece: nil),
  .init(shape: [4, 32, 8, 8], outputChannels: 40, padding: .circular, imagesPerPiece: 3),
]

/// `|a − b|∞ / max(1, |b|∞)`.
private func relativeDifference(_ a: Tensor, _ b: Tensor) -> Float {
  a.maxAbsoluteDifference(b) / Swift.max(1, b.scalars.map(abs).max()!)
}

/// Winograd F(2 × 2, 3 × 3) gives the direct definition's output, input gradient and weight
/// gradient within 1e-4 relative, odd sizes (overhanging tiles) and several blocks included.
@Test(arguments: winogradCases)
func winogradMatchesTheDirectDefinition(_ testCase: WinogradCase) {
  var generator = SeededGenerator(seed: 31)
  let layer = Convolution2D(inputChannels: testCase.shape[1], outputChannels: testCase.outputChannels, kernelSize: 3,
                            padding: testCase.padding, generator: &generator)
  layer.usesWinograd = true  // below `winogradMinimumInputChannels` the layer would take im2col
  #expect(layer.winograd != nil)
  if let imagesPerPiece = testCase.imagesPerPiece {
    let tiles = (testCase.shape[2] + 1) / 2 * ((testCase.shape[3] + 1) / 2)
    layer.winograd?.tilesPerPiece = imagesPerPiece * tiles
  }
  layer.bias!.value = Tensor.gaussian(shape: [testCase.outputChannels], using: &generator)
  let x = randomTensor(testCase.shape, seed: 32)
  let gradOutput = randomTensor([testCase.shape[0], testCase.outputChannels, testCase.shape[2], testCase.shape[3]], seed: 33)
  let direct = DirectConvolution3x3(x: x, weight: layer.weight.value, bias: layer.bias!.value, padding: testCase.padding)
  let expected = direct.gradients(gradOutput)

  #expect(relativeDifference(layer.forward(x), direct.forward()) < 1e-4)
  layer.zeroGradients()
  let gradInput = layer.backward(gradOutput)
  #expect(relativeDifference(gradInput, expected.input) < 1e-4)
  #expect(relativeDifference(layer.weight.gradient, expected.weight) < 1e-4)
  var biasGradient = [Float](repeating: 0, count: testCase.outputChannels)
  for (index, value) in gradOutput.scalars.enumerated() {
    biasGradient[index / (testCase.shape[2] * testCase.shape[3]) % testCase.outputChannels] += value
  }
  #expect(relativeDifference(layer.bias!.gradient, Tensor(shape: [testCase.outputChannels], scalars: biasGradient)) < 1e-4)
}

/// The Winograd path's gradients are those of its forward (central differences), at every case
/// above and with the layer's own piece sizes.
@Test(arguments: winogradCases)
func winogradGradientsMatchFiniteDifferences(_ testCase: WinogradCase) {
  var generator = SeededGenerator(seed: 35)
  let layer = Convolution2D(inputChannels: testCase.shape[1], outputChannels: testCase.outputChannels, kernelSize: 3,
                            padding: testCase.padding, generator: &generator)
  layer.usesWinograd = true
  expectGradientsMatch(layer, input: randomTensor(testCase.shape, seed: 36))
}

/// The Winograd and im2col paths of one layer agree (forward and all gradients).
@Test(arguments: [Padding.circular, .zeros])
func winogradAgreesWithIm2col(_ padding: Padding) {
  var generator = SeededGenerator(seed: 41)
  let layer = Convolution2D(inputChannels: 9, outputChannels: 7, kernelSize: 3, padding: padding, generator: &generator)
  #expect(layer.winograd != nil, "9 input channels take the Winograd path by default")
  layer.bias!.value = Tensor.gaussian(shape: [7], using: &generator)
  let x = randomTensor([3, 9, 9, 10], seed: 42), gradOutput = randomTensor([3, 7, 9, 10], seed: 43)
  func run() -> [Tensor] {
    layer.zeroGradients()
    let y = layer.forward(x)
    return [y, layer.backward(gradOutput), layer.weight.gradient, layer.bias!.gradient]
  }
  let fast = run()
  let winograd = layer.winograd
  layer.winograd = nil
  let plain = run()
  layer.winograd = winograd
  for (a, b) in zip(fast, plain) { #expect(relativeDifference(a, b) < 1e-4) }
}
