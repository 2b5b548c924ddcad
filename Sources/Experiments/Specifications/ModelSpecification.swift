import Foundation
import NeuralNetworks
import Tensors

/// The hyper-parameters of a network, before the data fixes its channel count.
///
/// Defaults: PatchMLP width 256, depth 3, GELU; ResNet width 64, ReLU, no normalisation;
/// U-Nets widths 32, 64, 128, SiLU, GroupNorm(8).
public struct ModelSpecification: Codable, Equatable, Hashable, Sendable {
  /// The network family (`model` in configs, `--model` on the command line).
  public var model: Architecture
  /// The receptive field `P` (not for `unet-classic`).
  public var patch: Int?
  /// Widths: one for PatchMLP and ResNet, one per level for the U-Nets.
  public var widths: [Int]?
  /// PatchMLP layers (≥ 2).
  public var depth: Int?
  /// PatchMLP: residual MLP blocks with LayerNorm instead of plain layers (default false).
  public var residualBlocks: Bool?
  /// `none`, `batch` or `group:G` in configs (default none for PatchMLP and ResNet, group:8 for the U-Nets).
  public var normalization: Normalization?
  /// relu, gelu or silu (default gelu for PatchMLP, relu for ResNet, silu for the U-Nets).
  public var activation: Activation?
  /// circular (default) or zeros.
  public var padding: Padding?
  /// σ as an extra input channel (needed when training over a σ range).
  public var noiseConditional: Bool?
  /// Input normalisation: `auto` (`1 / RMS` of the training inputs) or a fixed factor;
  /// nil for none.
  public var inputScale: InputScale?

  enum CodingKeys: String, CodingKey {
    case model, patch, widths, depth, normalization, activation, padding
    case residualBlocks = "residual_blocks", noiseConditional = "noise_conditional", inputScale = "input_scale"
  }

  /// A specification as a config's `models` entry; `nil` leaves a hyper-parameter at its
  /// default (above). Nothing is checked until `validate()`.
  public init(model: Architecture, patch: Int? = nil, widths: [Int]? = nil, depth: Int? = nil, residualBlocks: Bool? = nil,
              normalization: Normalization? = nil, activation: Activation? = nil, padding: Padding? = nil,
              noiseConditional: Bool? = nil, inputScale: InputScale? = nil) {
    self.model = model
    self.patch = patch
    self.widths = widths
    self.depth = depth
    self.residualBlocks = residualBlocks
    self.normalization = normalization
    self.activation = activation
    self.padding = padding
    self.noiseConditional = noiseConditional
    self.inputScale = inputScale
  }

  /// Whether training computes the input scale (`input_scale: auto`).
  public var normalizesInput: Bool { inputScale == .auto }

  /// A short name for tables and folders, e.g. `patchmlp-P5-w256`.
  public var label: String {
    var parts = [model.rawValue]
    if let patch { parts.append("P\(patch)") }
    parts.append("w" + resolvedWidths.map(String.init).joined(separator: "-"))
    switch inputScale {
    case .auto?: parts.append("norm")
    case .fixed(let value)?: parts.append("x\(value)")
    case nil: break
    }
    return parts.joined(separator: "-")
  }

  var resolvedWidths: [Int] {
    widths ?? {
      switch model {
      case .patchMLP: return [256]
      case .resNet: return [64]
      case .localUNet, .classicUNet: return [32, 64, 128]
      }
    }()
  }

  /// Checks the hyper-parameters, with `ModelDescription.validate()`'s ranges; the message names
  /// the offending key (`patch`, `widths`, `depth`, `normalization`).
  /// - Throws: `ExperimentError.invalidValue` naming the key.
  public func validate() throws {
    if model.hasPatchSize {
      guard let patch else { throw ExperimentError.invalidValue(key: "patch", message: "\(model.rawValue) needs a patch size P") }
      guard patch > 0, patch % 2 == 1 else { throw ExperimentError.invalidValue(key: "patch", message: "must be odd (got \(patch))") }
      if model == .resNet && patch < 3 { throw ExperimentError.invalidValue(key: "patch", message: "a ResNet's P is 3 + 2L ≥ 3 (got \(patch))") }
    }
    guard resolvedWidths.allSatisfy({ $0 > 0 }), !resolvedWidths.isEmpty else {
      throw ExperimentError.invalidValue(key: "widths", message: "must be positive")
    }
    if (model == .patchMLP || model == .resNet) && resolvedWidths.count != 1 {
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
    case "inputScale": return "input_scale"
    default: return name
    }
  }

  var resolvedNormalization: Normalization {
    normalization ?? {
      switch model {
      case .patchMLP, .resNet: return .none
      case .localUNet, .classicUNet: return .group(groups: 8)
      }
    }()
  }

  /// Encodes as a config writes it (`"normalization": "group:8"`).
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(model, forKey: .model)
    try container.encodeIfPresent(patch, forKey: .patch)
    try container.encodeIfPresent(widths, forKey: .widths)
    try container.encodeIfPresent(depth, forKey: .depth)
    try container.encodeIfPresent(residualBlocks, forKey: .residualBlocks)
    try container.encodeIfPresent(normalization?.description, forKey: .normalization)
    try container.encodeIfPresent(activation, forKey: .activation)
    try container.encodeIfPresent(padding, forKey: .padding)
    try container.encodeIfPresent(noiseConditional, forKey: .noiseConditional)
    try container.encodeIfPresent(inputScale, forKey: .inputScale)
  }

  /// The network description for images of `channels` channels, defaults filled in (an
  /// `auto` input scale is left to `TrainingJob`, which computes it from the data).
  /// `noiseConditional` applies unless the specification sets `noise_conditional` itself.
  /// - Throws: `ExperimentError.invalidValue` naming the key out of range.
  public func description(channels: Int, noiseConditional conditional: Bool) throws -> ModelDescription {
    try validate()
    let description = try unvalidatedDescription(channels: channels, noiseConditional: conditional)
    do { try description.validate() } catch let NetworkError.invalidValue(name, message) {
      throw ExperimentError.invalidValue(key: Self.key(forDescriptionField: name), message: message)
    }
    return description
  }

  func unvalidatedDescription(channels: Int, noiseConditional conditional: Bool) throws -> ModelDescription {
    ModelDescription(
      architecture: model, channels: channels, patchSize: model == .classicUNet ? nil : patch,
      widths: resolvedWidths, depth: model == .patchMLP ? (depth ?? 3) : nil,
      residualBlocks: model == .patchMLP ? (residualBlocks ?? false) : nil, normalization: resolvedNormalization,
      activation: activation ?? (model == .patchMLP ? .gelu : model == .resNet ? .relu : .silu),
      padding: padding ?? .circular, noiseConditional: noiseConditional ?? conditional,
      inputScale: { if case .fixed(let value)? = inputScale { return value } else { return nil } }())
  }
}

