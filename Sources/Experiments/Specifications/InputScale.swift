/// How a network scales its input (`DenoisingNetwork.inputScale`): a config's
/// `"input_scale": "auto"` or a number, `lemmse train --input-scale auto|S`.
///
/// `auto` is input normalisation: before training, `TrainingJob` measures a fixed sample of
/// the training images at the top of the training σ range, maps it to the network's input
/// and takes `1 / RMS(u)`, so the network sees inputs of unit scale whatever the input map
/// does to the noise (the inverse filter amplifies it a hundredfold and more). The scale is
/// then a fixed part of the network, recorded in its description. The LE-MMSE does not
/// depend on it: `E[x | s u] = E[x | u]` for any `s > 0`.
public enum InputScale: Hashable, Sendable, CustomStringConvertible {
  /// `1 / RMS` of the training inputs, computed before training.
  case auto
  /// This factor, finite and `> 0` (checked with the description).
  case fixed(Float)

  /// `auto` or the number.
  public var description: String {
    switch self {
    case .auto: return "auto"
    case .fixed(let value): return "\(value)"
    }
  }

  /// Parses `auto` or a number; nil otherwise.
  public init?(_ text: String) {
    if text == "auto" { self = .auto } else if let value = Float(text) { self = .fixed(value) } else { return nil }
  }
}

extension InputScale: Codable {
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let text = try? container.decode(String.self) {
      guard text == "auto" else {
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected \"auto\" or a number > 0 (got \"\(text)\")")
      }
      self = .auto
      return
    }
    guard let value = try? container.decode(Double.self) else {
      throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected \"auto\" or a number > 0")
    }
    self = .fixed(Float(value))
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .auto: try container.encode("auto")
    case .fixed(let value): try container.encode(value)
    }
  }
}
