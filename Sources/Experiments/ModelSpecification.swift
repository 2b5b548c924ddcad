import Foundation
import NeuralNetworks

/// A network as the command line and experiment configs name it.
public enum ModelKind: String, CaseIterable, Codable, Sendable {
  case patchmlp, resnet, unet
  case unetClassic = "unet-classic"
}

/// The hyper-parameters of a network, before the data fixes its channel count.
///
/// Defaults: PatchMLP width 256, depth 3, GELU; ResNet width 64, ReLU, no normalisation;
/// U-Nets widths 32, 64, 128, SiLU, GroupNorm(8).
public struct ModelSpecification: Codable, Equatable, Hashable, Sendable {
  public var model: ModelKind
  /// The receptive field `P` (not for `unet-classic`).
  public var patch: Int?
  /// Widths: one for PatchMLP and ResNet, one per level for the U-Nets.
  public var widths: [Int]?
  /// PatchMLP layers (≥ 2).
  public var depth: Int?
  public var residualBlocks: Bool?
  /// `none`, `batch` or `group:G`.
  public var normalization: String?
  public var activation: Activation?
  public var padding: Padding?
  /// σ as an extra input channel (needed when training over a σ range).
  public var noiseConditional: Bool?

  enum CodingKeys: String, CodingKey {
    case model, patch, widths, depth, normalization, activation, padding
    case residualBlocks = "residual_blocks", noiseConditional = "noise_conditional"
  }

  public init(model: ModelKind, patch: Int? = nil, widths: [Int]? = nil, depth: Int? = nil, residualBlocks: Bool? = nil,
              normalization: String? = nil, activation: Activation? = nil, padding: Padding? = nil,
              noiseConditional: Bool? = nil) {
    self.model = model
    self.patch = patch
    self.widths = widths
    self.depth = depth
    self.residualBlocks = residualBlocks
    self.normalization = normalization
    self.activation = activation
    self.padding = padding
    self.noiseConditional = noiseConditional
  }

  /// A short name for tables and folders, e.g. `patchmlp-P5-w256`.
  public var label: String {
    var parts = [model.rawValue]
    if let patch { parts.append("P\(patch)") }
    parts.append("w" + resolvedWidths.map(String.init).joined(separator: "-"))
    return parts.joined(separator: "-")
  }

  var resolvedWidths: [Int] {
    widths ?? {
      switch model {
      case .patchmlp: return [256]
      case .resnet: return [64]
      case .unet, .unetClassic: return [32, 64, 128]
      }
    }()
  }

  /// Checks the hyper-parameters, with `ModelDescription.validate()`'s ranges; the message names
  /// the offending key (`patch`, `widths`, `depth`, `normalization`).
  public func validate() throws {
    if model != .unetClassic {
      guard let patch else { throw ExperimentError.invalidValue(key: "patch", message: "\(model.rawValue) needs a patch size P") }
      guard patch > 0, patch % 2 == 1 else { throw ExperimentError.invalidValue(key: "patch", message: "must be odd (got \(patch))") }
      if model == .resnet && patch < 3 { throw ExperimentError.invalidValue(key: "patch", message: "a ResNet's P is 3 + 2L ≥ 3 (got \(patch))") }
    }
    guard resolvedWidths.allSatisfy({ $0 > 0 }), !resolvedWidths.isEmpty else {
      throw ExperimentError.invalidValue(key: "widths", message: "must be positive")
    }
    if (model == .patchmlp || model == .resnet) && resolvedWidths.count != 1 {
      throw ExperimentError.invalidValue(key: "widths", message: "\(model.rawValue) takes one width (got \(resolvedWidths))")
    }
    if let depth, depth < 2 { throw ExperimentError.invalidValue(key: "depth", message: "must be ≥ 2 (got \(depth))") }
    // The ranges of the description itself (one channel stands for any: the bounds on the
    // channels are checked again when the data fixes them).
    do {
      try unvalidatedDescription(channels: 1, noiseConditional: noiseConditional ?? false).validate()
    } catch let NetworkError.invalidValue(name, message) {
      throw ExperimentError.invalidValue(key: Self.key(forDescriptionField: name), message: message)
    }
  }

  /// The key of this type that sets `ModelDescription`'s field `name`.
  static func key(forDescriptionField name: String) -> String {
    switch name {
    case "patchSize": return "patch"
    default: return name
    }
  }

  func resolvedNormalization() throws -> Normalization {
    guard let normalization else {
      switch model {
      case .patchmlp, .resnet: return .none
      case .unet, .unetClassic: return .group(groups: 8)
      }
    }
    if normalization == "none" { return .none }
    if normalization == "batch" { return .batch }
    if normalization.hasPrefix("group:"), let groups = Int(normalization.dropFirst(6)), groups > 0 { return .group(groups: groups) }
    throw ExperimentError.invalidValue(key: "normalization", message: "expected none, batch or group:G (got \(normalization))")
  }

  /// The network description for images of `channels` channels.
  public func description(channels: Int, noiseConditional conditional: Bool) throws -> ModelDescription {
    try validate()
    let description = try unvalidatedDescription(channels: channels, noiseConditional: conditional)
    do { try description.validate() } catch let NetworkError.invalidValue(name, message) {
      throw ExperimentError.invalidValue(key: Self.key(forDescriptionField: name), message: message)
    }
    return description
  }

  func unvalidatedDescription(channels: Int, noiseConditional conditional: Bool) throws -> ModelDescription {
    let architecture: ModelDescription.Architecture
    switch model {
    case .patchmlp: architecture = .patchMLP
    case .resnet: architecture = .resNet
    case .unet: architecture = .localUNet
    case .unetClassic: architecture = .unet
    }
    return ModelDescription(
      architecture: architecture, channels: channels, patchSize: model == .unetClassic ? nil : patch,
      widths: resolvedWidths, depth: model == .patchmlp ? (depth ?? 3) : nil,
      residualBlocks: model == .patchmlp ? (residualBlocks ?? false) : nil, normalization: try resolvedNormalization(),
      activation: activation ?? (model == .patchmlp ? .gelu : model == .resnet ? .relu : .silu),
      padding: padding ?? .circular, noiseConditional: noiseConditional ?? conditional)
  }
}

/// A problem with an experiment's configuration or data, found before any work starts.
public enum ExperimentError: Error, Equatable, CustomStringConvertible {
  case unknownKey(String, allowed: [String])
  case invalidValue(key: String, message: String)
  case unreadableConfig(String)

  public var description: String {
    switch self {
    // Keys and values come from the config file: escaped, so no config can break the one line.
    case let .unknownKey(key, allowed): return "unknown key '\(key.quotedForMessage())' in the config; allowed keys: \(allowed.joined(separator: ", "))"
    case let .invalidValue(key, message): return "config key '\(key.quotedForMessage())': \(message.escapingControlCharacters)"
    case let .unreadableConfig(message): return message.escapingControlCharacters
    }
  }
}
