import Physics

/// An estimator input as an experiment config names it: one explicit input, or `physics-aware`,
/// which stands for the paper's input for each operator.
public enum InputChoice: Codable, Hashable, SpellingParsable, CustomStringConvertible {
  /// The paper's choice per operator: `adjoint` for inpainting, `inverse:1e-7` for
  /// deconvolution, `agnostic` for denoising.
  case physicsAware
  /// The same input for every operator.
  case fixed(EstimatorInput)

  /// Parses `physics-aware` or any `EstimatorInput` spelling.
  /// - Throws: `PhysicsError.invalidSpecification` naming the text.
  public init(parsing text: String) throws {
    self = text == "physics-aware" ? .physicsAware : .fixed(try EstimatorInput(parsing: text))
  }

  /// The input for `specification`'s operator.
  public func resolved(for specification: OperatorSpecification) -> EstimatorInput {
    switch (self, specification) {
    case let (.fixed(input), _): return input
    case (.physicsAware, .inpainting): return .adjoint
    case (.physicsAware, .deconvolution): return .inverse(epsilon: 1e-7)
    case (.physicsAware, .denoising): return .agnostic
    }
  }

  public var description: String {
    switch self {
    case .physicsAware: return "physics-aware"
    case let .fixed(input): return input.description
    }
  }

  /// `physics-aware` or an input's spelling.
  public init(spelling: String) throws { try self.init(parsing: spelling) }

  public init(from decoder: any Decoder) throws { self = try Spelled<InputChoice>(from: decoder).value }

  public func encode(to encoder: any Encoder) throws { try Spelled(spelling: description, value: self).encode(to: encoder) }
}
