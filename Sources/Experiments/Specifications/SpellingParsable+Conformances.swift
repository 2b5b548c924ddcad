import DataFiles
import NeuralNetworks
import Physics

extension DataSetSource: SpellingParsable {
  /// `fashion-mnist`, `cifar10:DIR`, `npy:FILE`, … as `DataSetSource(parsing:)` reads them.
  public init(spelling: String) throws { try self.init(parsing: spelling) }
}

extension OperatorSpecification: SpellingParsable {
  /// An operator that needs no mask or kernel file: `denoising` or a preset such as `inpainting_center_15`.
  public init(spelling: String) throws { try self.init(name: spelling) }
}

extension EstimatorInput: SpellingParsable {
  /// `agnostic`, `adjoint`, `wiener:λ` or `inverse:ε`.
  public init(spelling: String) throws { try self.init(parsing: spelling) }
}

extension Normalization: SpellingParsable {
  /// `none`, `batch` or `group:G`.
  public init(spelling: String) throws { try self.init(parsing: spelling) }
}
