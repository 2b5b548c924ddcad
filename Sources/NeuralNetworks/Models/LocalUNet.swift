import Tensors

/// The paper's "local" U-Net: an encoder–decoder over channels (no spatial down-sampling) with
/// skip connections by concatenation, SiLU and GroupNorm, whose receptive field is exactly `P`.
///
/// Every level has two convolutions in the encoder and two in the decoder (the bottleneck only
/// two), `4L − 2` in all, and every one lies on the path through the bottleneck, so
/// ```
/// P = 1 + 2 · (number of 3 × 3 convolutions),   1 ≤ P ≤ 8L − 3
/// ```
/// The `(P − 1)/2` kernels of size 3 go to the outer (narrow, cheap) levels first — per level in
/// the order encoder-first, decoder-last, encoder-second, decoder-first — and the rest are 1 × 1.
/// GroupNorm's statistics span the image; with `normalization: .none` (or BatchNorm in inference
/// mode) the output at a pixel depends on exactly the `P × P` window around it.
///
/// - Shapes: `N × C × H × W` → `N × C × H × W`, any `H`, `W` larger than 1.
public final class LocalUNet: DenoisingNetwork {
  /// The image channels `C` of input and output.
  public let channels: Int
  /// The receptive field `P`, odd, `1 ≤ P ≤ 8L − 3`.
  public let patchSize: Int
  /// The channels of each level, outermost first; `L = widths.count` levels.
  public let widths: [Int]
  /// The normalisation after every convolution but the last.
  public let normalization: Normalization
  /// The nonlinearity after every normalisation.
  public let activation: Activation
  /// The padding of every convolution.
  public let padding: Padding
  /// Whether σ enters as an extra input channel.
  public let isNoiseConditional: Bool
  /// The fixed factor the input is multiplied by first (`DenoisingNetwork.inputScale`).
  public var inputScale: Float = 1
  /// The encoder–decoder (`UNetBody` without down-sampling).
  public let body: any Layer
  /// The kernel sizes, encoder levels (bottleneck last) then decoder levels (level 0 first), two each.
  public let kernelSizes: (encoders: [[Int]], decoders: [[Int]])

  /// - Parameters:
  ///   - widths: Channels per level, e.g. `[32, 64, 128]`.
  /// - Throws: `NetworkError.invalidPatchSize` for an even `P` or `P > 8L − 3`; `invalidConfiguration`
  ///   for empty widths or a group count that does not divide them.
  public init(channels: Int, patchSize: Int, widths: [Int], normalization: Normalization = .group(groups: 8),
              activation: Activation = .silu, padding: Padding = .circular, noiseConditional: Bool = false,
              seed: UInt64) throws {
    guard !widths.isEmpty, widths.allSatisfy({ $0 > 0 }), channels > 0 else {
      throw NetworkError.invalidConfiguration("LocalUNet needs positive channels and widths, got \(channels) and \(widths)")
    }
    let levels = widths.count, largest = 8 * levels - 3
    guard patchSize >= 1 && patchSize % 2 == 1 && patchSize <= largest else {
      throw NetworkError.invalidPatchSize(architecture: "LocalUNet", patchSize: patchSize,
                                          reason: "P must be odd with 1 ≤ P ≤ \(largest) for \(levels) levels; add levels for a larger P")
    }
    try normalization.validate(widths: widths)
    self.channels = channels
    self.patchSize = patchSize
    self.widths = widths
    self.normalization = normalization
    self.activation = activation
    self.padding = padding
    isNoiseConditional = noiseConditional
    var encoders = [[Int]](repeating: [1, 1], count: levels), decoders = [[Int]](repeating: [1, 1], count: levels - 1)
    var remaining = (patchSize - 1) / 2
    func take() -> Int {
      guard remaining > 0 else { return 1 }
      remaining -= 1
      return 3
    }
    for level in 0..<levels {
      if level < levels - 1 {
        encoders[level][0] = take()
        decoders[level][1] = take()
        encoders[level][1] = take()
        decoders[level][0] = take()
      } else {
        encoders[level][0] = take()
        encoders[level][1] = take()
      }
    }
    kernelSizes = (encoders, decoders)
    var generator = SeededGenerator(seed: seed)
    body = UNetBody(inputChannels: channels + (noiseConditional ? 1 : 0), outputChannels: channels, widths: widths,
                    kernelSizes: kernelSizes, downsamples: false, normalization: normalization, activation: activation,
                    padding: padding, generator: &generator)
  }

  /// `P`: exact without GroupNorm (see the type's note).
  public var receptiveField: Int? { patchSize }

  /// The description that recreates this network with `makeNetwork(seed:)`.
  public var modelDescription: ModelDescription {
    ModelDescription(architecture: .localUNet, channels: channels, patchSize: patchSize, widths: widths,
                     normalization: normalization, activation: activation, padding: padding,
                     noiseConditional: isNoiseConditional,
                     inputScale: inputScale == 1 ? nil : inputScale)
  }
}
