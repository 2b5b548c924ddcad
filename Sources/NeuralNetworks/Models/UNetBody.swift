import Tensors

/// The encoder–decoder shared by `LocalUNet` and `UNet`.
///
/// ```
/// encoder ℓ = 0…L−2:  s_ℓ = block_ℓ(h);  h = pool(s_ℓ) (classic) or s_ℓ (local)
/// bottleneck:          h = block_{L−1}(h)
/// decoder ℓ = L−2…0:   h = block′_ℓ([up(h) (classic) or h ; s_ℓ])
/// output:              Conv_{1×1}(h)  width₀ → C
/// block = act(norm(Conv_{k₂}(act(norm(Conv_{k₁}(·))))))
/// ```
/// - Shapes: `N × C_in × H × W` → `N × C_out × H × W`; the classic variant needs `H` and `W`
///   divisible by `2^{L−1}`.
final class UNetBody: Layer {
  let widths: [Int]
  let downsamples: Bool
  let encoders: [Sequential]
  let decoders: [Sequential]
  let pools: [AveragePool2x2]
  let upsamples: [NearestUpsample2x]
  let output: Convolution2D

  /// - Parameter kernelSizes: `(encoders, decoders)`: two kernel sizes per encoder level
  ///   (bottleneck last) and two per decoder level (level 0 first).
  init(inputChannels: Int, outputChannels: Int, widths: [Int], kernelSizes: (encoders: [[Int]], decoders: [[Int]]),
       downsamples: Bool, normalization: Normalization, activation: Activation, padding: Padding,
       generator: inout SeededGenerator) {
    let levels = widths.count
    self.widths = widths
    self.downsamples = downsamples
    func block(_ input: Int, _ width: Int, _ kernels: [Int], _ generator: inout SeededGenerator) -> Sequential {
      var layers: [any Layer] = []
      var channels = input
      for kernel in kernels {
        layers.append(Convolution2D(inputChannels: channels, outputChannels: width, kernelSize: kernel, padding: padding,
                                    generator: &generator))
        if let norm = normalization.makeLayer(channels: width) { layers.append(norm) }
        layers.append(ActivationLayer(activation))
        channels = width
      }
      return Sequential(layers)
    }
    var encoders: [Sequential] = []
    for level in 0..<levels {
      encoders.append(block(level == 0 ? inputChannels : widths[level - 1], widths[level],
                            kernelSizes.encoders[level], &generator))
    }
    var decoders: [Sequential] = []
    for level in 0..<(levels - 1) {
      decoders.append(block(widths[level + 1] + widths[level], widths[level], kernelSizes.decoders[level], &generator))
    }
    self.encoders = encoders
    self.decoders = decoders
    pools = (0..<(levels - 1)).map { _ in AveragePool2x2() }
    upsamples = (0..<(levels - 1)).map { _ in NearestUpsample2x() }
    output = Convolution2D(inputChannels: widths[0], outputChannels: outputChannels, kernelSize: 1, padding: padding,
                           generator: &generator)
  }

  var children: [(name: String, layer: any Layer)] {
    encoders.enumerated().map { ("encoder\($0.offset)", $0.element as any Layer) }
      + decoders.enumerated().map { ("decoder\($0.offset)", $0.element as any Layer) }
      + [("output", output)]
  }

  func forward(_ x: Tensor) -> Tensor {
    let levels = widths.count
    var h = x
    var skips: [Tensor] = []
    for level in 0..<(levels - 1) {
      h = encoders[level].forward(h)
      skips.append(h)
      if downsamples { h = pools[level].forward(h) }
    }
    h = encoders[levels - 1].forward(h)
    for level in (0..<(levels - 1)).reversed() {
      if downsamples { h = upsamples[level].forward(h) }
      h = decoders[level].forward(ChannelConcatenation.forward([h, skips[level]]))
    }
    return output.forward(h)
  }

  func backward(_ gradOutput: Tensor) -> Tensor {
    let levels = widths.count
    var g = output.backward(gradOutput)
    var skipGradients: [Tensor] = []
    for level in 0..<(levels - 1) {
      let parts = ChannelConcatenation.backward(decoders[level].backward(g), channels: [widths[level + 1], widths[level]])
      skipGradients.append(parts[1])
      g = downsamples ? upsamples[level].backward(parts[0]) : parts[0]
    }
    g = encoders[levels - 1].backward(g)
    for level in (0..<(levels - 1)).reversed() {
      if downsamples { g = pools[level].backward(g) }
      g = encoders[level].backward(g + skipGradients[level])
    }
    return g
  }
}
