import Tensors

/// The classic U-Net ([Ronneberger et al. 2015](https://arxiv.org/abs/1505.04597)): two 3 × 3
/// convolutions per level, 2 × 2 average pooling down and nearest-neighbour up-sampling, skip
/// connections by concatenation, SiLU and GroupNorm. Its receptive field grows with the levels and
/// is not a fixed window (`receptiveField == nil`); LE-MMSE's `P` for it is found by calibration.
///
/// - Shapes: `N × C × H × W` → `N × C × H × W` with `H` and `W` divisible by `2^{levels − 1}`.
public final class UNet: DenoisingNetwork {
  /// The image channels `C` of input and output.
  public let channels: Int
  /// The channels of each level, outermost first; `levels = widths.count`.
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
  /// The encoder–decoder (`UNetBody` with pooling and up-sampling).
  public let body: any Layer

  /// - Parameter widths: Channels per level; `levels = widths.count`.
  /// - Throws: `NetworkError.invalidConfiguration` for empty widths or a group count that does not divide them.
  public init(channels: Int, widths: [Int], normalization: Normalization = .group(groups: 8),
              activation: Activation = .silu, padding: Padding = .circular, noiseConditional: Bool = false,
              seed: UInt64) throws {
    guard !widths.isEmpty, widths.allSatisfy({ $0 > 0 }), channels > 0 else {
      throw NetworkError.invalidConfiguration("UNet needs positive channels and widths, got \(channels) and \(widths)")
    }
    try normalization.validate(widths: widths)
    self.channels = channels
    self.widths = widths
    self.normalization = normalization
    self.activation = activation
    self.padding = padding
    isNoiseConditional = noiseConditional
    var generator = SeededGenerator(seed: seed)
    let levels = widths.count
    body = UNetBody(inputChannels: channels + (noiseConditional ? 1 : 0), outputChannels: channels, widths: widths,
                    kernelSizes: ([[Int]](repeating: [3, 3], count: levels), [[Int]](repeating: [3, 3], count: levels - 1)),
                    downsamples: true, normalization: normalization, activation: activation, padding: padding,
                    generator: &generator)
  }

  /// The number of levels `L`; the image is halved `L − 1` times.
  public var levels: Int { widths.count }
  /// `nil`: the field grows with the levels and is not a fixed window.
  public var receptiveField: Int? { nil }

  /// - Throws: `NetworkError.imageSizeNotDivisible` unless `2^{levels − 1}` divides `height` and
  ///   `width`; `invalidConfiguration` when the innermost level would be smaller than 2 × 2
  ///   (its 3 × 3 convolutions need that much).
  public func validate(height: Int, width: Int) throws {
    try validateImageSize(height: height, width: width)
    let divisor = 1 << (levels - 1)
    guard height % divisor == 0 && width % divisor == 0 else {
      throw NetworkError.imageSizeNotDivisible(height: height, width: width, divisor: divisor)
    }
    guard height / divisor >= 2, width / divisor >= 2 else {
      throw NetworkError.invalidConfiguration(
        "the classic U-Net with \(levels) levels halves \(height)×\(width) images to \(height / divisor)×\(width / divisor), below the 2×2 its 3×3 convolutions need; use fewer levels or larger images")
    }
  }

  /// The description that recreates this network with `makeNetwork(seed:)`.
  public var modelDescription: ModelDescription {
    ModelDescription(architecture: .classicUNet, channels: channels, patchSize: nil, widths: widths,
                     normalization: normalization, activation: activation, padding: padding,
                     noiseConditional: isNoiseConditional,
                     inputScale: inputScale == 1 ? nil : inputScale)
  }
}
