import Foundation
import NeuralNetworks
import AnalyticMMSE

/// A grid of settings to run: data set × operator × σ × estimator input × model × `N`.
///
/// ```json
/// {
///   "name": "denoising at a glance",
///   "datasets": ["fashion-mnist"],
///   "operators": ["denoising", "inpainting_center_15"],
///   "sigmas": [0.2],
///   "inputs": ["agnostic"],
///   "models": [{"model": "patchmlp", "patch": 5, "widths": [256]}],
///   "n_train": [2000],
///   "n_test": 8,
///   "epochs": 20,
///   "calibration": [3, 5, 7, 9, 11]
/// }
/// ```
/// `inputs` takes `agnostic`, `physics-aware` (the paper's: `adjoint` for inpainting,
/// `inverse:1e-7` for deconvolution, `agnostic` for denoising) or any explicit mode
/// (`adjoint`, `wiener:λ`, `inverse:ε`). Unknown keys are errors, so a typo never passes.
public struct ExperimentConfig: Codable, Equatable, Sendable {
  /// A title for `results.md`.
  public var name: String?
  /// The data sets: `fashion-mnist`, `cifar10`, `ffhq`, or any `--data` spelling.
  public var datasets: [DataSetChoice]
  /// The operators: `denoising` or presets of `OperatorPreset` (`inpainting_center_15`, …).
  public var operators: [OperatorChoice]
  /// The noise levels σ of the test measurements (and of training, unless `trainSigmaRange`).
  public var sigmas: [Double]
  /// The estimator inputs `B` (what the network and the estimators see).
  public var inputs: [InputChoice]
  /// The networks.
  public var models: [ModelSpecification]
  /// Training set sizes `N`: the first `N` images of the training split.
  public var nTrain: [Int]
  /// Test images: the first `n_test` of the test split.
  public var nTest: Int
  /// Training epochs of every network.
  public var epochs: Int
  /// Earlier epochs at which every network is also evaluated (ascending, each below
  /// `epochs`): the match against training time, from one training run per network (its
  /// cosine schedule spans all `epochs`), one record per (setting, epoch).
  public var evaluateEpochs: [Int]?
  /// Images per step (default 32).
  public var batchSize: Int?
  /// Peak learning rate of the cosine schedule (default 1e-3).
  public var learningRate: Float?
  /// Train over σ ~ U[A, B] (noise-conditional networks) instead of the setting's σ.
  public var trainSigmaRange: [Float]?
  /// Patch sizes of the calibration sweep (default 3, 5, …, 13 and the nominal `P`).
  public var calibration: [Int]?
  /// Analytic estimators to report besides the LE-MMSE.
  public var estimators: [EstimatorKind]?
  /// The seed of every stream (`SeedStreams`; default 0).
  public var seed: UInt64?
  /// Threads of the estimators and training (default: all cores).
  public var threads: Int?

  enum CodingKeys: String, CodingKey, CaseIterable {
    case name, datasets, operators, sigmas, inputs, models, epochs, calibration, estimators, seed, threads
    case nTrain = "n_train", nTest = "n_test", batchSize = "batch_size", learningRate = "learning_rate"
    case trainSigmaRange = "train_sigma_range", evaluateEpochs = "evaluate_epochs"
  }

  /// A grid built in code, key for key as a config file (`nil` = the key's default, as above).
  /// Nothing is checked here: `ExperimentRunner.validate()` checks the values and combinations.
  public init(name: String? = nil, datasets: [DataSetChoice], operators: [OperatorChoice], sigmas: [Double], inputs: [InputChoice],
              models: [ModelSpecification], nTrain: [Int], nTest: Int, epochs: Int, evaluateEpochs: [Int]? = nil, batchSize: Int? = nil,
              learningRate: Float? = nil, trainSigmaRange: [Float]? = nil, calibration: [Int]? = nil,
              estimators: [EstimatorKind]? = nil, seed: UInt64? = nil, threads: Int? = nil) {
    self.name = name
    self.datasets = datasets
    self.operators = operators
    self.sigmas = sigmas
    self.inputs = inputs
    self.models = models
    self.nTrain = nTrain
    self.nTest = nTest
    self.epochs = epochs
    self.evaluateEpochs = evaluateEpochs
    self.batchSize = batchSize
    self.learningRate = learningRate
    self.trainSigmaRange = trainSigmaRange
    self.calibration = calibration
    self.estimators = estimators
    self.seed = seed
    self.threads = threads
  }

  /// Reads a config, rejecting unknown keys (at the top level and in `models`).
  /// - Throws: `ExperimentError.unreadableConfig` for a missing or unreadable file or a
  ///   folder; otherwise as `decode(_:name:)`.
  public static func read(contentsOf url: URL) throws -> ExperimentConfig {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
      throw ExperimentError.unreadableConfig("\(url.path): no such file, expected a JSON config file")
    }
    guard !isDirectory.boolValue else {
      throw ExperimentError.unreadableConfig("\(url.path): is a directory, expected a JSON config file")
    }
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
      throw ExperimentError.unreadableConfig("\(url.path): cannot read the config (\(error.localizedDescription))")
    }
    return try decode(data, name: url.path)
  }

  /// Decodes a config from JSON; `name` (the file) appears in messages.
  /// - Throws: `ExperimentError` naming the key of the first unknown key, missing value or
  ///   value that does not parse.
  public static func decode(_ data: Data, name: String) throws -> ExperimentConfig {
    let parsed: Any
    do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
      throw ExperimentError.unreadableConfig("\(name): not valid JSON (\(error.localizedDescription))")
    }
    guard let object = parsed as? [String: Any] else {
      throw ExperimentError.unreadableConfig("\(name): expected a JSON object {\"datasets\": …} at the top level")
    }
    let allowed = CodingKeys.allCases.map(\.stringValue)
    if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
      throw ExperimentError.unknownKey(unknown, allowed: allowed)
    }
    let modelKeys = ["model", "patch", "widths", "depth", "residual_blocks", "normalization", "activation", "padding",
                     "noise_conditional", "input_scale"]
    for model in object["models"] as? [[String: Any]] ?? [] {
      if let unknown = model.keys.sorted().first(where: { !modelKeys.contains($0) }) {
        throw ExperimentError.unknownKey("models." + unknown, allowed: modelKeys.map { "models." + $0 })
      }
    }
    do {
      return try JSONDecoder().decode(ExperimentConfig.self, from: data)
    } catch let DecodingError.keyNotFound(key, context) {
      throw ExperimentError.invalidValue(key: configKeyPath(context.codingPath + [key]), message: "is missing")
    } catch let DecodingError.typeMismatch(type, context) {
      throw ExperimentError.invalidValue(key: configKeyPath(context.codingPath), message: "expected \(expectedName(type)); \(context.debugDescription)")
    } catch let DecodingError.valueNotFound(type, context) {
      throw ExperimentError.invalidValue(key: configKeyPath(context.codingPath), message: "expected \(expectedName(type)), got null")
    } catch let DecodingError.dataCorrupted(context) {
      throw ExperimentError.invalidValue(key: context.codingPath.isEmpty ? name : configKeyPath(context.codingPath),
                                         message: context.debugDescription)
    }
  }

  /// `a list`, `a string`, `a number` for a decoding type.
  static func expectedName(_ type: Any.Type) -> String {
    let name = String(describing: type)
    if name.hasPrefix("Array") { return "a list" }
    if name.hasPrefix("Dictionary") { return "an object" }
    if name == "String" { return "a string" }
    if name == "Bool" { return "true or false" }
    if ["Int", "UInt64", "Double", "Float"].contains(name) { return "a number" }
    return name
  }

  /// Every setting of the grid, in a fixed order.
  public func settings() -> [ExperimentSetting] {
    var result: [ExperimentSetting] = []
    for dataset in datasets {
      for op in operators {
        for input in inputs {
          for sigma in sigmas {
            for model in models {
              for count in nTrain {
                result.append(ExperimentSetting(dataset: dataset, operator: op, sigma: sigma,
                                                input: input.resolved(for: op.specification), model: model, nTrain: count))
              }
            }
          }
        }
      }
    }
    return result
  }

  /// The epochs at which every network is evaluated, ascending: `evaluate_epochs`, then `epochs`.
  public var evaluationEpochs: [Int] { (evaluateEpochs ?? []) + [epochs] }

  /// The seed streams of every setting.
  public var seeds: SeedStreams { SeedStreams(seed: seed ?? 0) }
}
