import Foundation
import Testing
@_spi(Benchmarks) @testable import NeuralNetworks
import Tensors

/// The per-image path of a `1 × 1` convolution agrees with im2col (forward and every gradient)
/// whatever the pieces the batch is cut into.
@Test(arguments: [1, 2, 3, 16])
func pointwiseConvolutionAgreesWithIm2col(_ pieceCount: Int) {
  var generator = SeededGenerator(seed: 51)
  let layer = Convolution2D(inputChannels: 5, outputChannels: 7, kernelSize: 1, generator: &generator)
  layer.bias!.value = Tensor.gaussian(shape: [7], using: &generator)
  let x = randomTensor([5, 5, 4, 6], seed: 52), gradOutput = randomTensor([5, 7, 4, 6], seed: 53)
  func run() -> [Tensor] {
    layer.zeroGradients()
    let y = layer.forward(x)
    return [y, layer.backward(gradOutput), layer.weight.gradient, layer.bias!.gradient]
  }
  #expect(layer.usesPointwisePath)
  layer.pointwise?.pieceCount = pieceCount
  let fast = run()
  layer.usesPointwisePath = false
  let plain = run()
  for (a, b) in zip(fast, plain) {
    #expect(a.maxAbsoluteDifference(b) < 1e-5 * Swift.max(1, b.scalars.map(abs).max()!))
  }
}
