import Foundation
import NeuralNetworks
import Tensors
import DataFiles

/// Runs an experiment grid: per setting, train (or reuse) the network (`TrainingJob`), compare
/// it with the analytic estimators on seeded test measurements (`Comparison`), and record.
///
/// Every finished setting leaves `runs/KEY/result.json` and its checkpoint; a later run with
/// the same config reuses both, so an interrupted run loses nothing that was finished.
public struct ExperimentRunner: Sendable {
  /// The grid.
  public let config: ExperimentConfig
  /// Where `results.*`, `figures/` and `runs/` go.
  public let outputDirectory: URL
  /// Whether a setting finished by an earlier run is read back instead of run again.
  public var reusesFinishedSettings = true

  /// A runner of `config` that writes into `outputDirectory`; nothing is checked or written
  /// until `run(progress:)` (or `validate()`).
  public init(config: ExperimentConfig, outputDirectory: URL) {
    self.config = config
    self.outputDirectory = outputDirectory
  }

  var threads: Int { config.threads ?? Parallel.defaultThreadCount }

  /// The most threads a config may ask for.
  public static let threadLimit = 1...1024

  /// The training configuration of every setting at `sigma` (the grid's σ, or its train range).
  func trainingConfiguration(sigma: Double) -> TrainingConfiguration {
    let sampling: SigmaSampling = config.trainSigmaRange.map { .uniform(lower: $0[0], upper: $0[1]) } ?? .fixed(Float(sigma))
    return TrainingConfiguration(epochs: config.epochs, batchSize: config.batchSize ?? 32, sigma: sampling,
                                 learningRate: config.learningRate ?? 1e-3, seed: config.seeds.training)
  }

  /// Runs every setting; `progress(phase, fraction, detail)` reports the work.
  /// - Throws: `ExperimentError` from `validate()`, before anything is written;
  ///   `TrainingJobError` when a network diverges (its setting writes nothing).
  public func run(progress: @escaping @Sendable (String, Double, String) -> Void) throws -> [ResultRecord] {
    try validate()
    var records: [ResultRecord] = []
    let settings = config.settings()
    for (index, setting) in settings.enumerated() {
      let phase = "[\(index + 1)/\(settings.count)] \(setting.key)"
      records.append(try run(setting, progress: { progress(phase + " " + $0, $1, $2) }).record)
      try writeTables(records)
    }
    return records
  }

  /// The folder of a setting: its key and a hash of everything else that shapes its result.
  func runDirectory(_ setting: ExperimentSetting) -> URL {
    struct Fingerprint: Codable {
      var setting: ExperimentSetting
      var nTest, epochs: Int
      var batchSize: Int?
      var learningRate: Float?
      var trainSigmaRange: [Float]?
      var seed: UInt64
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let data = (try? encoder.encode(Fingerprint(setting: setting, nTest: config.nTest, epochs: config.epochs,
                                                batchSize: config.batchSize, learningRate: config.learningRate,
                                                trainSigmaRange: config.trainSigmaRange, seed: config.seeds.seed))) ?? Data()
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a
    for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
    return outputDirectory.appendingPathComponent("runs")
      .appendingPathComponent(setting.key + "_" + String(hash >> 40, radix: 16))
  }

  /// What one setting produced: its record, and everything else when it ran now (not when its
  /// record was read back from an earlier run).
  public struct SettingOutcome {
    /// The record of `results.json`.
    public var record: ResultRecord
    /// The comparison's tensors; nil when the setting had finished earlier.
    public var comparison: Comparison.Outcome?
    /// The setting's folder.
    public var directory: URL
  }

  /// Runs one setting: train or reuse → checkpoint → seeded test measurements → network
  /// output → analytic estimates → record, figures and files.
  public func run(_ setting: ExperimentSetting, progress: @escaping @Sendable (String, Double, String) -> Void) throws -> SettingOutcome {
    let directory = runDirectory(setting)
    let resultURL = directory.appendingPathComponent("result.json")
    if reusesFinishedSettings, let data = try? Data(contentsOf: resultURL),
       let record = try? JSONDecoder().decode(ResultRecord.self, from: data) {
      progress("(finished earlier)", 1, "")
      return SettingOutcome(record: record, comparison: nil, directory: directory)
    }
    let training = try DataSets.load(DataSetRequest(source: setting.dataset.value, split: .train, count: setting.nTrain))
    let truth = try DataSets.load(DataSetRequest(source: setting.dataset.value, split: .test, count: config.nTest))
    let shape = training.imageBatchShape
    let op = try setting.operator.makeOperator(height: shape.height, width: shape.width)

    // The network: trained here, or reused from the checkpoint of an interrupted run.
    let checkpointURL = directory.appendingPathComponent("network.safetensors")
    let network: any DenoisingNetwork
    let secondsTrain: Double
    if reusesFinishedSettings, let saved = try? Checkpoint.read(from: checkpointURL) {
      (network, secondsTrain) = (saved.network, saved.description.seconds)
    } else {
      let job = TrainingJob(
        model: try setting.model.description(channels: shape.channels, noiseConditional: config.trainSigmaRange != nil),
        operator: setting.operator, forwardOperator: op, input: setting.input,
        configuration: trainingConfiguration(sigma: setting.sigma), dataset: setting.dataset.spelling)
      let trained = try job.train(images: training, seeds: config.seeds) {
        progress("training", Double($0.step) / Double(Swift.max($0.totalSteps, 1)), $0.summary)
      }
      try Checkpoint.write(network: trained.network, description: trained.description, to: checkpointURL)
      (network, secondsTrain) = (trained.network, trained.description.seconds)
    }

    let comparison = Comparison(setting: setting, training: training, truth: truth, forwardOperator: op, seeds: config.seeds,
                                patchSizes: config.calibration ?? NetworkCalibration.defaultPatchSizes,
                                otherEstimators: config.estimators ?? [], epochs: config.epochs, threads: threads)
    let outcome = try comparison.evaluate(network: network, secondsTrain: secondsTrain) { progress($0, $1, "") }
    // The network's test inputs and outputs as files, so `lemmse compare` (or any tool) can
    // recompute the calibration from them.
    try NumPyFile.write(outcome.y, to: directory.appendingPathComponent("measurements.npy"))
    try NumPyFile.write(truth, to: directory.appendingPathComponent("truth.npy"))
    try NumPyFile.write(outcome.networkOutput, to: directory.appendingPathComponent("network.npy"))
    try writeFigures(of: setting, outcome: outcome, training: training, forwardOperator: op, directory: directory)
    try writeJSON(outcome.record, to: resultURL)
    return SettingOutcome(record: outcome.record, comparison: outcome, directory: directory)
  }

  /// results.json, results.csv, results.md and the plots, rewritten after every setting.
  func writeTables(_ records: [ResultRecord]) throws {
    try writeJSON(records, to: outputDirectory.appendingPathComponent("results.json"))
    try AtomicFile.write(Data(ResultTables.csv(records).utf8), to: outputDirectory.appendingPathComponent("results.csv"))
    try AtomicFile.write(Data(ResultTables.markdown(records, title: config.name).utf8),
                         to: outputDirectory.appendingPathComponent("results.md"))
    for (name, plot) in ResultPlots.all(records) {
      try AtomicFile.write(Data(plot.svg().utf8), to: outputDirectory.appendingPathComponent(name))
    }
  }
}
