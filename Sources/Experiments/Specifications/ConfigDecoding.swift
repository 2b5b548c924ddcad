import Foundation
import Tensors
import AnalyticMMSE
import NeuralNetworks

/// Decoding helpers for experiment configs: every error names the key path
/// (`models[0].widths[1]`) and says what was expected, where `JSONDecoder` on Linux reports a
/// fractional or out-of-range integer as "The given data was not valid JSON." without a key.
extension KeyedDecodingContainer {
  /// `models[0].patch` for `key` inside this container.
  func path(_ key: Key, index: Int? = nil) -> String {
    configKeyPath(codingPath + [key]) + (index.map { "[\($0)]" } ?? "")
  }

  /// A whole number of type `T`; a fraction or a value outside `T` is an `ExperimentError`
  /// naming the key and `expected` (e.g. "a whole number ≥ 1").
  func wholeNumber<T: FixedWidthInteger & Decodable>(_ type: T.Type, forKey key: Key, expected: String) throws -> T {
    do { return try decode(T.self, forKey: key) } catch {
      guard let value = try? decode(Double.self, forKey: key) else { throw error }
      if let exact = T(exactly: value) { return exact }
      throw ExperimentError.invalidValue(key: path(key), message: "expected \(expected), got \(describe(value))")
    }
  }

  func wholeNumberIfPresent<T: FixedWidthInteger & Decodable>(_ type: T.Type, forKey key: Key, expected: String) throws -> T? {
    guard contains(key), try !decodeNil(forKey: key) else { return nil }
    return try wholeNumber(T.self, forKey: key, expected: expected)
  }

  /// A list of whole numbers; the error names the first bad element (`n_train[2]`).
  func wholeNumbers(forKey key: Key, expected: String) throws -> [Int] {
    do { return try decode([Int].self, forKey: key) } catch {
      guard let values = try? decode([Double].self, forKey: key) else { throw error }
      return try values.enumerated().map { index, value in
        guard let exact = Int(exactly: value) else {
          throw ExperimentError.invalidValue(key: path(key, index: index), message: "expected \(expected), got \(describe(value))")
        }
        return exact
      }
    }
  }

  func wholeNumbersIfPresent(forKey key: Key, expected: String) throws -> [Int]? {
    guard contains(key), try !decodeNil(forKey: key) else { return nil }
    return try wholeNumbers(forKey: key, expected: expected)
  }

  /// A `Float` read as `Double` first, so a value beyond `Float`'s range becomes ±∞ and is
  /// refused by validation with its key, instead of a decoding error without one.
  func floatIfPresent(forKey key: Key) throws -> Float? {
    try decodeIfPresent(Double.self, forKey: key).map { Float($0) }
  }
}

/// `1.5`, `1e+30`, or `-1` for whole values.
func describe(_ value: Double) -> String {
  if value.rounded() == value, abs(value) < 1e15 { return String(Int(value)) }
  return "\(value)"
}

/// A coding path as a config key: `models[0].widths`.
func configKeyPath(_ path: [any CodingKey]) -> String {
  var text = ""
  for key in path {
    if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
  }
  return text
}

extension ExperimentConfig {
  /// What the config's whole numbers may be, for messages (validated in `ExperimentRunner.validate()`).
  enum Expected {
    static let count = "a whole number ≥ 1"
    static let epochs = "a whole number in \(TrainingConfiguration.Limits.epochs.lowerBound)…\(TrainingConfiguration.Limits.epochs.upperBound)"
    static let seed = "a whole number in 0…\(UInt64.max)"
    static let patch = "an odd whole number ≥ 1"
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      name: try container.decodeIfPresent(String.self, forKey: .name),
      datasets: try container.decode([DataSetChoice].self, forKey: .datasets),
      operators: try container.decode([OperatorChoice].self, forKey: .operators),
      sigmas: try container.decode([Double].self, forKey: .sigmas),
      inputs: try container.decode([InputChoice].self, forKey: .inputs),
      models: try container.decode([ModelSpecification].self, forKey: .models),
      nTrain: try container.wholeNumbers(forKey: .nTrain, expected: Expected.count),
      nTest: try container.wholeNumber(Int.self, forKey: .nTest, expected: Expected.count),
      epochs: try container.wholeNumber(Int.self, forKey: .epochs, expected: Expected.epochs),
      evaluateEpochs: try container.wholeNumbersIfPresent(forKey: .evaluateEpochs, expected: Expected.count),
      batchSize: try container.wholeNumberIfPresent(Int.self, forKey: .batchSize, expected: Expected.count),
      learningRate: try container.floatIfPresent(forKey: .learningRate),
      trainSigmaRange: try container.decodeIfPresent([Double].self, forKey: .trainSigmaRange)?.map { Float($0) },
      calibration: try container.wholeNumbersIfPresent(forKey: .calibration, expected: Expected.patch),
      estimators: try container.decodeIfPresent([EstimatorKind].self, forKey: .estimators),
      seed: try container.wholeNumberIfPresent(UInt64.self, forKey: .seed, expected: Expected.seed),
      threads: try container.wholeNumberIfPresent(Int.self, forKey: .threads, expected: Expected.count))
  }
}

extension ModelSpecification {
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      model: try container.decode(Architecture.self, forKey: .model),
      patch: try container.wholeNumberIfPresent(Int.self, forKey: .patch, expected: ExperimentConfig.Expected.patch),
      widths: try container.wholeNumbersIfPresent(forKey: .widths, expected: ExperimentConfig.Expected.count),
      depth: try container.wholeNumberIfPresent(Int.self, forKey: .depth, expected: "a whole number ≥ 2"),
      residualBlocks: try container.decodeIfPresent(Bool.self, forKey: .residualBlocks),
      normalization: try container.decodeIfPresent(Spelled<Normalization>.self, forKey: .normalization)?.value,
      activation: try container.decodeIfPresent(Activation.self, forKey: .activation),
      padding: try container.decodeIfPresent(Padding.self, forKey: .padding),
      noiseConditional: try container.decodeIfPresent(Bool.self, forKey: .noiseConditional),
      inputScale: try container.decodeIfPresent(InputScale.self, forKey: .inputScale))
  }
}
