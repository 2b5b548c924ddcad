import Tensors

/// The hyper-parameters that recreate a network: written as JSON next to a checkpoint.
///
/// ```swift
/// let description = network.modelDescription
/// let data = try JSONEncoder().encode(description)
/// let copy = try JSONDecoder().decode(ModelDescription.self, from: data).makeNetwork(seed: 0)
/// try copy.load(from: network.checkpointTensors())
/// ```
public struct ModelDescription: Codable, Equatable, Hashable, Sendable {
  /// The network family.
  public var architecture: Architecture
  /// Image channels `C`.
  public var channels: Int
  /// The receptive field `P` (`nil` for the classic U-Net).
  public var patchSize: Int?
  /// The widths: one for PatchMLP and ResNet, one per level for the U-Nets.
  public var widths: [Int]
  /// PatchMLP's depth (number of layers, ≥ 2).
  public var depth: Int?
  /// PatchMLP: residual MLP blocks `h + W₂·GELU(W₁·LayerNorm(h))` instead of plain layers.
  public var residualBlocks: Bool?
  /// The normalisation before each activation (ResNet and the U-Nets; PatchMLP's residual blocks use LayerNorm).
  public var normalization: Normalization
  /// The non-linearity between layers.
  public var activation: Activation
  /// How convolutions treat the border: `circular` keeps the network exactly translation-equivariant.
  public var padding: Padding
  /// σ as an extra constant input channel.
  public var noiseConditional: Bool
  /// The factor the network multiplies its input by (`DenoisingNetwork.inputScale`); nil for 1.
  public var inputScale: Float?

  /// A description; `makeNetwork(seed:)` checks it.
  public init(architecture: Architecture, channels: Int, patchSize: Int?, widths: [Int], depth: Int? = nil,
              residualBlocks: Bool? = nil, normalization: Normalization = .none, activation: Activation,
              padding: Padding = .circular, noiseConditional: Bool = false, inputScale: Float? = nil) {
    self.architecture = architecture
    self.channels = channels
    self.patchSize = patchSize
    self.widths = widths
    self.depth = depth
    self.residualBlocks = residualBlocks
    self.normalization = normalization
    self.activation = activation
    self.padding = padding
    self.noiseConditional = noiseConditional
    self.inputScale = inputScale
  }

  /// A fresh network with these hyper-parameters and weights drawn from `seed`.
  ///
  /// - Throws: `NetworkError` if the hyper-parameters are out of range (see `validate()`) or
  ///   inconsistent (e.g. read from a damaged file); nothing is allocated then.
  public func makeNetwork(seed: UInt64) throws -> any DenoisingNetwork {
    try validate()
    func required<T>(_ value: T?, _ name: String) throws -> T {
      guard let value else { throw NetworkError.invalidConfiguration("a \(architecture) description needs '\(name)'") }
      return value
    }
    func single() throws -> Int {
      guard widths.count == 1 else {
        throw NetworkError.invalidConfiguration("a \(architecture) description needs one width, got \(widths)")
      }
      return widths[0]
    }
    let network: any DenoisingNetwork
    switch architecture {
    case .patchMLP:
      network = try PatchMLP(channels: channels, patchSize: required(patchSize, "patchSize"), width: single(),
                          depth: required(depth, "depth"), residualBlocks: residualBlocks ?? false, activation: activation,
                          padding: padding, noiseConditional: noiseConditional, seed: seed)
    case .resNet:
      network = try ResNet(channels: channels, patchSize: required(patchSize, "patchSize"), width: single(),
                        normalization: normalization, activation: activation, padding: padding,
                        noiseConditional: noiseConditional, seed: seed)
    case .localUNet:
      network = try LocalUNet(channels: channels, patchSize: required(patchSize, "patchSize"), widths: widths,
                           normalization: normalization, activation: activation, padding: padding,
                           noiseConditional: noiseConditional, seed: seed)
    case .classicUNet:
      network = try UNet(channels: channels, widths: widths, normalization: normalization, activation: activation,
                         padding: padding, noiseConditional: noiseConditional, seed: seed)
    }
    network.inputScale = inputScale ?? 1
    return network
  }
}
