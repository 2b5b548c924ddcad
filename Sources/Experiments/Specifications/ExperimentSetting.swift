import Physics

/// One cell of an experiment grid: a data set, an operator, σ, the estimator input, a network
/// and a training set size.
public struct ExperimentSetting: Codable, Equatable, Hashable, Sendable {
  /// The data set, as the config names it.
  public var dataset: DataSetChoice
  /// The forward operator `A`.
  public var `operator`: OperatorChoice
  /// The noise level of the test measurements (and of training at a fixed σ).
  public var sigma: Double
  /// The input `B`, resolved for the operator (`physics-aware` is never stored).
  public var input: EstimatorInput
  /// The network.
  public var model: ModelSpecification
  /// Training images `N`.
  public var nTrain: Int

  /// A setting from its parts; `ExperimentConfig.settings()` builds every cell of a grid,
  /// with `input` resolved for the operator by `InputChoice.resolved(for:)`.
  public init(dataset: DataSetChoice, operator: OperatorChoice, sigma: Double, input: EstimatorInput,
              model: ModelSpecification, nTrain: Int) {
    self.dataset = dataset
    self.operator = `operator`
    self.sigma = sigma
    self.input = input
    self.model = model
    self.nTrain = nTrain
  }

  // `operatorName` keeps the run folders' hashes of earlier versions.
  enum CodingKeys: String, CodingKey {
    case dataset, `operator` = "operatorName", sigma, input, model, nTrain
  }

  /// A folder name that identifies the setting (used to resume).
  public var key: String {
    let raw = "\(dataset)_\(self.operator)_s\(sigma)_\(input)_\(model.label)_n\(nTrain)"
    return String(raw.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "-" })
  }

  /// The setting without its σ: what the settings sharing one σ-conditional network have in common.
  public var trainingIdentity: ExperimentSetting {
    var identity = self
    identity.sigma = 0
    return identity
  }

  /// The folder name of a σ-conditional network: the key without σ.
  public var trainingKey: String {
    let raw = "\(dataset)_\(self.operator)_\(input)_\(model.label)_n\(nTrain)"
    return String(raw.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "-" })
  }
}
