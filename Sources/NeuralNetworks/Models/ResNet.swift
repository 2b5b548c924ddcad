import Tensors

/// A residual network whose receptive field is `P = 3 + 2L` (SPEC §5; the paper's ResNet uses BatchNorm).
///
/// ```
/// h = Conv_{3×3}(u)                              C (+1 for σ) → width
/// h ← h + Conv_{3×3}(act(norm(h)))               L = (P − 3)/2 blocks
/// x̂ = Conv_{1×1}(h)                              width → C
/// ```
/// BatchNorm in training mode and GroupNorm couple all pixels through their statistics; in
/// inference mode BatchNorm is per-channel affine and the receptive field is exactly `P`.
///
/// - Shapes: `N × C × H × W` → `N × C × H × W`.
public final class ResNet: DenoisingNetwork {
  /// The image channels `C` of input and output.
  public let channels: Int
  /// The receptive field `P = 3 + 2L`, odd, `≥ 3`.
  public let patchSize: Int
  /// The channels of every hidden layer.
  public let width: Int
  /// The normalisation at the start of every block.
  public let normalization: Normalization
  /// The nonlinearity of every block.
  public let activation: Activation
  /// The padding of every convolution.
  public let padding: Padding
  /// Whether σ enters as an extra input channel.
  public let isNoiseConditional: Bool
  /// The fixed factor the input is multiplied by first (`DenoisingNetwork.inputScale`).
  public var inputScale: Float = 1
  /// The layers after the optional σ channel, a `Sequential`.
  public let body: any Layer

  /// - Throws: `NetworkError.invalidPatchSize` unless `P` is odd and `≥ 3`; `invalidConfiguration`
  ///   for a group count that does not divide `width`.
  public init(channels: Int, patchSize: Int, width: Int, normalization: Normalization = .batch,
              activation: Activation = .relu, padding: Padding = .circular, noiseConditional: Bool = false,
              seed: UInt64) throws {
    guard patchSize >= 3 && patchSize % 2 == 1 else {
      throw NetworkError.invalidPatchSize(architecture: "ResNet", patchSize: patchSize,
                                          reason: "P = 3 + 2L must be odd and at least 3")
    }
    guard channels > 0 && width > 0 else {
      throw NetworkError.invalidConfiguration("ResNet needs positive channels and width, got \(channels) and \(width)")
    }
    try normalization.validate(widths: [width])
    self.channels = channels
    self.patchSize = patchSize
    self.width = width
    self.normalization = normalization
    self.activation = activation
    self.padding = padding
    isNoiseConditional = noiseConditional
    var generator = SeededGenerator(seed: seed)
    var layers: [any Layer] = [Convolution2D(inputChannels: channels + (noiseConditional ? 1 : 0), outputChannels: width,
                                             kernelSize: 3, padding: padding, generator: &generator)]
    for _ in 0..<(patchSize - 3) / 2 {
      var block: [any Layer] = []
      if let norm = normalization.makeLayer(channels: width) { block.append(norm) }
      block.append(ActivationLayer(activation))
      block.append(Convolution2D(inputChannels: width, outputChannels: width, kernelSize: 3, padding: padding,
                                 generator: &generator))
      layers.append(Residual(Sequential(block)))
    }
    layers.append(Convolution2D(inputChannels: width, outputChannels: channels, kernelSize: 1, padding: padding,
                                generator: &generator))
    body = Sequential(layers)
  }

  /// `L = (P − 3)/2`.
  public var blockCount: Int { (patchSize - 3) / 2 }
  /// `P`: exact in inference mode, without GroupNorm (see the type's note).
  public var receptiveField: Int? { patchSize }

  /// The description that recreates this network with `makeNetwork(seed:)`.
  public var modelDescription: ModelDescription {
    ModelDescription(architecture: .resNet, channels: channels, patchSize: patchSize, widths: [width],
                     normalization: normalization, activation: activation, padding: padding,
                     noiseConditional: isNoiseConditional,
                     inputScale: inputScale == 1 ? nil : inputScale)
  }
}
