import Tensors

/// An MLP on every `P × P` patch, written as a fully convolutional network: the architecture for
/// which LE-MMSE with the same `P` is exact (SPEC §5).
///
/// ```
/// h₁ = act(Conv_{P×P}(u))                                   C (+1 for σ) → width
/// plain:     h ← act(Conv_{1×1}(h))                          (depth − 2 times)
/// residual:  h ← h + Conv_{1×1}(GELU(Conv_{1×1}(LayerNorm_c(h))))   (depth − 2 blocks; h₁ has no activation)
/// x̂ = Conv_{1×1}(h)                                         width → C
/// ```
/// Receptive field exactly `P`: only the first convolution is spatial, and LayerNorm acts per pixel.
///
/// - Shapes: `N × C × H × W` → `N × C × H × W`.
public final class PatchMLP: DenoisingNetwork {
  /// The image channels `C` of input and output.
  public let channels: Int
  /// The receptive field `P`, the size of the first (only spatial) kernel.
  public let patchSize: Int
  /// The hidden channels of every layer.
  public let width: Int
  /// The number of convolutions (plain) or `2 +` the number of residual blocks.
  public let depth: Int
  /// Residual MLP blocks with a channel LayerNorm instead of plain layers.
  public let residualBlocks: Bool
  /// The nonlinearity of the hidden layers.
  public let activation: Activation
  /// The padding of the `P × P` convolution (the `1 × 1` ones never read outside).
  public let padding: Padding
  /// Whether σ enters as an extra input channel.
  public let isNoiseConditional: Bool
  /// The fixed factor the input is multiplied by first (`DenoisingNetwork.inputScale`).
  public var inputScale: Float = 1
  /// The layers after the optional σ channel, a `Sequential`.
  public let body: any Layer

  /// - Parameters:
  ///   - patchSize: Odd `P ≥ 1`, the receptive field.
  ///   - depth: The number of convolutions, `≥ 2`.
  ///   - seed: Draws the Kaiming-uniform initial weights.
  /// - Throws: `NetworkError` for an even or non-positive `P`, a depth below 2, or a non-positive width.
  public init(channels: Int, patchSize: Int, width: Int, depth: Int, residualBlocks: Bool = false,
              activation: Activation = .gelu, padding: Padding = .circular, noiseConditional: Bool = false,
              seed: UInt64) throws {
    guard patchSize >= 1 && patchSize % 2 == 1 else {
      throw NetworkError.invalidPatchSize(architecture: "PatchMLP", patchSize: patchSize, reason: "P must be odd and positive")
    }
    guard depth >= 2 else { throw NetworkError.invalidConfiguration("PatchMLP needs depth ≥ 2, got \(depth)") }
    guard channels > 0 && width > 0 else {
      throw NetworkError.invalidConfiguration("PatchMLP needs positive channels and width, got \(channels) and \(width)")
    }
    self.channels = channels
    self.patchSize = patchSize
    self.width = width
    self.depth = depth
    self.residualBlocks = residualBlocks
    self.activation = activation
    self.padding = padding
    isNoiseConditional = noiseConditional
    var generator = SeededGenerator(seed: seed)
    var layers: [any Layer] = [Convolution2D(inputChannels: channels + (noiseConditional ? 1 : 0), outputChannels: width,
                                             kernelSize: patchSize, padding: padding, generator: &generator)]
    if !residualBlocks { layers.append(ActivationLayer(activation)) }
    for _ in 0..<(depth - 2) {
      if residualBlocks {
        layers.append(Residual(Sequential([
          ChannelLayerNorm(channels: width),
          Convolution2D(inputChannels: width, outputChannels: width, kernelSize: 1, padding: padding, generator: &generator),
          ActivationLayer(activation),
          Convolution2D(inputChannels: width, outputChannels: width, kernelSize: 1, padding: padding, generator: &generator),
        ])))
      } else {
        layers.append(Convolution2D(inputChannels: width, outputChannels: width, kernelSize: 1, padding: padding,
                                    generator: &generator))
        layers.append(ActivationLayer(activation))
      }
    }
    layers.append(Convolution2D(inputChannels: width, outputChannels: channels, kernelSize: 1, padding: padding,
                                generator: &generator))
    body = Sequential(layers)
  }

  /// `P`: only the first convolution is spatial.
  public var receptiveField: Int? { patchSize }

  /// The description that recreates this network with `makeNetwork(seed:)`.
  public var modelDescription: ModelDescription {
    ModelDescription(architecture: .patchMLP, channels: channels, patchSize: patchSize, widths: [width], depth: depth,
                     residualBlocks: residualBlocks, activation: activation, padding: padding,
                     noiseConditional: isNoiseConditional,
                     inputScale: inputScale == 1 ? nil : inputScale)
  }
}
