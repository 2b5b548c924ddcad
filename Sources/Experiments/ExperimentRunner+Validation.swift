import Foundation
import NeuralNetworks
import Tensors
import DataFiles
import Physics

extension ExperimentRunner {
  /// Checks the whole grid before any work — keys, values, combinations, and that every data
  /// set has `n_train` training and `n_test` test images — and writes nothing. `run` and
  /// `lemmse experiment --dry-run` both call it, so a dry run passes exactly when a run would
  /// get past its checks.
  /// - Returns: the image shape `C, H, W` of every data set, by its spelling.
  /// - Throws: `ExperimentError.invalidValue` naming the key.
  @discardableResult
  public func validate() throws -> [String: [Int]] {
    try validateValues()
    var shapes: [String: [Int]] = [:]
    for dataset in config.datasets { shapes[dataset.spelling] = try probeShape(of: dataset) }
    for setting in config.settings() { try validate(setting, shape: shapes[setting.dataset.spelling]!) }
    return shapes
  }

  static func fail(_ key: String, _ message: String) -> ExperimentError { .invalidValue(key: key, message: message) }

  /// The checks that need no data.
  func validateValues() throws {
    let fail = Self.fail
    for (key, list) in [("datasets", config.datasets.count), ("operators", config.operators.count), ("sigmas", config.sigmas.count),
                        ("inputs", config.inputs.count), ("models", config.models.count), ("n_train", config.nTrain.count)]
      where list == 0 {
      throw fail(key, "is empty; give at least one value")
    }
    for (index, sigma) in config.sigmas.enumerated() {
      if let problem = SigmaSampling.problem(with: sigma, allowingZero: false) {
        throw fail("sigmas[\(index)]", problem + "; the estimators need σ > 0")
      }
    }
    if let index = config.nTrain.firstIndex(where: { $0 < 1 }) {
      throw fail("n_train[\(index)]", "must be ≥ 1 (got \(config.nTrain[index]))")
    }
    guard config.nTest >= 1 else { throw fail("n_test", "must be ≥ 1 (got \(config.nTest))") }
    if let threads = config.threads, !Self.threadLimit.contains(threads) {
      throw fail("threads", "must be in \(Self.threadLimit.lowerBound)…\(Self.threadLimit.upperBound) (got \(threads))")
    }
    if let range = config.trainSigmaRange, range.count != 2 {
      throw fail("train_sigma_range", "expected [A, B] with 0 ≤ A ≤ B (got \(range.count) values)")
    }
    if let list = config.evaluateEpochs {
      if list.isEmpty { throw fail("evaluate_epochs", "is empty; leave it out to evaluate after the last epoch only") }
      if let index = list.indices.first(where: { list[$0] < 1 || list[$0] >= config.epochs || ($0 > 0 && list[$0] <= list[$0 - 1]) }) {
        throw fail("evaluate_epochs[\(index)]", "must be ascending epochs in 1…\(config.epochs - 1), below \"epochs\" (got \(list[index]))")
      }
    }
    if let calibration = config.calibration {
      if calibration.isEmpty { throw fail("calibration", "is empty; leave it out for the default sweep 3, 5, …, 13") }
      let limit = ModelDescription.Limits.patchSize
      if let index = calibration.firstIndex(where: { !limit.contains($0) || $0 % 2 == 0 }) {
        throw fail("calibration[\(index)]", "patch sizes must be odd in \(limit.lowerBound)…\(limit.upperBound) (got \(calibration[index]))")
      }
    }
    // The training hyper-parameters, with the ranges `train` itself enforces.
    do { try trainingConfiguration(sigma: config.sigmas[0]).validate() } catch let NetworkError.invalidValue(name, message) {
      let key = ["epochs": "epochs", "batchSize": "batch_size", "learningRate": "learning_rate", "sigma": "train_sigma_range"][name] ?? name
      throw fail(key, message)
    }
    for model in config.models { try model.validate() }
  }

  /// `C, H, W` of a data set, after checking it has `n_train` and `n_test` images of one
  /// shape: one image of each split is read, not the whole set.
  func probeShape(of dataset: DataSetChoice) throws -> [Int] {
    let fail = Self.fail
    func probe(_ split: DataSplit, count: Int, key: String) throws -> [Int] {
      let images: Tensor
      do {
        images = try DataSets.load(DataSetRequest(source: dataset.value, split: split, count: 1, offset: count - 1))
      } catch let DataFileError.outOfRange(_, _, available) {
        throw fail(key, "\(count) images requested, but \(dataset) has \(available) in its \(split.rawValue) split")
      } catch {
        throw fail("datasets", "\(dataset) (\(split.rawValue) split): \(error)")
      }
      let shape = images.imageBatchShape
      return [shape.channels, shape.height, shape.width]
    }
    let shape = try probe(.train, count: config.nTrain.max()!, key: "n_train")
    let testShape = try probe(.test, count: config.nTest, key: "n_test")
    guard shape[1] > 0, shape[2] > 0 else {
      throw fail("datasets", "\(dataset) has \(shape[1])×\(shape[2]) images; they must be at least 1×1")
    }
    guard testShape == shape else {
      throw fail("datasets", "\(dataset): its test images are \(testShape.map(String.init).joined(separator: "×")), its training images \(shape.map(String.init).joined(separator: "×"))")
    }
    if let calibration = config.calibration, let patch = calibration.first(where: { $0 > min(shape[1], shape[2]) }) {
      throw fail("calibration", "P = \(patch) is larger than the \(shape[1])×\(shape[2]) images of \(dataset)")
    }
    return shape
  }

  /// The checks of one setting on images of `shape` (`C, H, W`).
  func validate(_ setting: ExperimentSetting, shape: [Int]) throws {
    let fail = Self.fail
    let op: ForwardOperator
    do { op = try setting.operator.makeOperator(height: shape[1], width: shape[2]) } catch {
      throw fail("operators", "\(setting.operator) on the \(shape[1])×\(shape[2]) images of \(setting.dataset): \(error)")
    }
    do { try setting.input.validate(for: op) } catch {
      throw fail("inputs", "\(error)")
    }
    if let patch = setting.model.patch, patch > min(shape[1], shape[2]) {
      throw fail("models.patch", "P = \(patch) is larger than the \(shape[1])×\(shape[2]) images of \(setting.dataset)")
    }
    let description = try setting.model.description(channels: shape[0], noiseConditional: config.trainSigmaRange != nil)
    do { try description.makeNetwork(seed: 0).validate(height: shape[1], width: shape[2]) } catch {
      throw fail("models", "\(setting.model.label) on \(setting.dataset): \(error)")
    }
  }
}
