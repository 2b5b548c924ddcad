import Foundation
import NeuralNetworks
import Tensors
import DataFiles
import AnalyticMMSE

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
  ///
  /// With `train_sigma_range` the settings that differ only in σ share one network, trained
  /// once (σ-conditional) and evaluated at every σ of `sigmas`; without it each setting trains
  /// its own network at its σ.
  /// - Throws: `ExperimentError` from `validate()`, before anything is written;
  ///   `TrainingJobError` when a network diverges (its setting writes nothing).
  public func run(progress: @escaping @Sendable (String, Double, String) -> Void) throws -> [ResultRecord] {
    try validate()
    var records: [ResultRecord] = []
    let groups = trainingGroups()
    let total = groups.reduce(0) { $0 + $1.count } * config.evaluationEpochs.count
    for group in groups {
      var ranSome = false
      try run(group, numbering: records.count, of: total, progress: progress) { record, ranNow in
        records.append(record)
        if ranNow { try writeTables(records) }
        ranSome = ranSome || ranNow
      }
      // Redrawn when a σ ran now, or drawn when missing (as after `runShare`); a group that
      // finished earlier keeps its figure, even if its evaluation files are gone.
      if group.count > 1, ranSome || !FileManager.default.fileExists(atPath: sigmaFigureURL(of: group).path) {
        try writeSigmaFigure(of: group)
      }
    }
    try writeTables(records)
    try writeSummaryFigures()
    return records
  }

  /// Runs rank `rank`'s share of the networks, of `ranks` processes that run the same config
  /// into the same folder at once (`mpirun -np K lemmse experiment`): every `ranks`-th group of
  /// `trainingGroups()`, from `rank` on. Each finished setting leaves its folder as `run` would
  /// (and is skipped when it has one); tables and figures are left to one `run(progress:)`
  /// afterwards, which finds every setting finished. Each setting's numbers are those of one
  /// process, whatever `ranks` is.
  /// - Returns: the records of this rank's settings.
  public func runShare(rank: Int, of ranks: Int,
                       progress: @escaping @Sendable (String, Double, String) -> Void) throws -> [ResultRecord] {
    precondition(ranks >= 1 && (0..<ranks).contains(rank), "rank \(rank) of \(ranks)")
    try validate()
    let groups = trainingGroups()
    let mine = stride(from: rank, to: groups.count, by: ranks).map { groups[$0] }
    let total = mine.reduce(0) { $0 + $1.count } * config.evaluationEpochs.count
    var records: [ResultRecord] = []
    for group in mine {
      try run(group, numbering: records.count, of: total, progress: progress) { record, _ in records.append(record) }
    }
    return records
  }

  /// Runs the settings of one group, which share a network (trained once, or reused), and
  /// hands `finished` every record with whether it ran now (false: read back from its folder):
  /// epoch by epoch of `evaluationEpochs`, every setting of the group at each. The LE-MMSE of
  /// a setting does not change with the epoch, so it is computed once and reused.
  /// `numbering` settings of `total` came before this group, for the progress phase.
  private func run(_ group: [ExperimentSetting], numbering: Int, of total: Int,
                   progress: @escaping @Sendable (String, Double, String) -> Void,
                   finished: (ResultRecord, _ ranNow: Bool) throws -> Void) throws {
    var network: (any DenoisingNetwork, Double)?
    var data: (training: Tensor, truth: Tensor)?
    var estimates: [ExperimentSetting: [Int: Estimate]] = [:]
    var done = numbering
    for epoch in config.evaluationEpochs {
      for setting in group {
        done += 1
        let atEpoch = epoch == config.epochs ? "" : " epoch \(epoch)"
        let phase = "[\(done)/\(total)] \(setting.key)\(atEpoch)"
        let report = { @Sendable (text: String, fraction: Double, detail: String) in progress(phase + " " + text, fraction, detail) }
        let directory = evaluationDirectory(setting, epoch: epoch)
        if reusesFinishedSettings, let record = Self.finishedRecord(in: directory) {
          report("(finished earlier)", 1, "")
          try finished(record, false)
          continue
        }
        if data == nil { data = try loadData(setting) }
        if network == nil { network = try trainOrReuse(setting, training: data!.training, progress: report) }
        let (evaluated, seconds) = epoch == config.epochs ? network! : try snapshotNetwork(setting, epoch: epoch)
        let outcome = try evaluate(setting, data: data!, network: evaluated, secondsTrain: seconds, epoch: epoch,
                                   directory: directory, estimates: estimates[setting], progress: report)
        estimates[setting] = outcome.comparison?.calibration.estimates
        try finished(outcome.record, true)
      }
    }
  }

  /// The network of `setting` after `epoch` of `evaluate_epochs`, with the seconds of training
  /// up to it, from the checkpoint its training left.
  func snapshotNetwork(_ setting: ExperimentSetting, epoch: Int) throws -> (any DenoisingNetwork, Double) {
    let url = snapshotCheckpointURL(setting, epoch: epoch)
    do {
      let saved = try Checkpoint.read(from: url)
      return (saved.network, saved.description.seconds)
    } catch {
      throw ExperimentError.invalidValue(
        key: "evaluate_epochs", message: "the checkpoint of epoch \(epoch) is unreadable (\(error)); delete \(runDirectory(setting).path) to train it again")
    }
  }

  /// Where the network of `setting` after `epoch` of `evaluate_epochs` is kept.
  func snapshotCheckpointURL(_ setting: ExperimentSetting, epoch: Int) -> URL {
    runDirectory(setting).appendingPathComponent("e\(epoch)").appendingPathComponent("network.safetensors")
  }

  /// The settings in run order, grouped by the network they share: one per group at a fixed σ,
  /// every σ of a (data set, operator, input, model, N) with `train_sigma_range`.
  func trainingGroups() -> [[ExperimentSetting]] {
    let settings = config.settings()
    guard config.trainSigmaRange != nil else { return settings.map { [$0] } }
    var order: [ExperimentSetting] = [], members: [ExperimentSetting: [ExperimentSetting]] = [:]
    for setting in settings {
      let identity = setting.trainingIdentity
      if members[identity] == nil { order.append(identity) }
      members[identity, default: []].append(setting)
    }
    return order.map { members[$0]! }
  }

  /// The record a finished evaluation left, if it is readable.
  static func finishedRecord(in directory: URL) -> ResultRecord? {
    guard let data = try? Data(contentsOf: directory.appendingPathComponent("result.json")) else { return nil }
    return try? JSONDecoder().decode(ResultRecord.self, from: data)
  }

  /// The folder of a setting's network: its training key and a hash of everything else that
  /// shapes the network (for a σ-conditional network, σ is not part of either).
  func runDirectory(_ setting: ExperimentSetting) -> URL {
    struct Fingerprint: Codable {
      var setting: ExperimentSetting
      var nTest, epochs: Int
      var evaluateEpochs: [Int]?
      var batchSize: Int?
      var learningRate: Float?
      var trainSigmaRange: [Float]?
      var seed: UInt64
    }
    let conditional = config.trainSigmaRange != nil
    let identity = conditional ? setting.trainingIdentity : setting
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let data = (try? encoder.encode(Fingerprint(setting: identity, nTest: config.nTest, epochs: config.epochs,
                                                evaluateEpochs: config.evaluateEpochs, batchSize: config.batchSize, learningRate: config.learningRate,
                                                trainSigmaRange: config.trainSigmaRange, seed: config.seeds.seed))) ?? Data()
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a
    for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
    return outputDirectory.appendingPathComponent("runs")
      .appendingPathComponent((conditional ? setting.trainingKey : setting.key) + "_" + String(hash >> 40, radix: 16))
  }

  /// Where a setting's evaluation goes: its run folder, or for a σ-conditional network the
  /// subfolder `s<σ>` of the network's folder; an evaluation at an earlier epoch of
  /// `evaluate_epochs` goes into the subfolder `e<epoch>` first.
  func evaluationDirectory(_ setting: ExperimentSetting, epoch: Int? = nil) -> URL {
    var directory = runDirectory(setting)
    if let epoch, epoch != config.epochs { directory.appendPathComponent("e\(epoch)") }
    return config.trainSigmaRange == nil ? directory : directory.appendingPathComponent("s\(setting.sigma)")
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
    let directory = evaluationDirectory(setting)
    if reusesFinishedSettings, let record = Self.finishedRecord(in: directory) {
      progress("(finished earlier)", 1, "")
      return SettingOutcome(record: record, comparison: nil, directory: directory)
    }
    let data = try loadData(setting)
    let (network, secondsTrain) = try trainOrReuse(setting, training: data.training, progress: progress)
    return try evaluate(setting, data: data, network: network, secondsTrain: secondsTrain, epoch: config.epochs,
                        directory: directory, progress: progress)
  }

  /// A setting's training and test images.
  func loadData(_ setting: ExperimentSetting) throws -> (training: Tensor, truth: Tensor) {
    (try DataSets.load(DataSetRequest(source: setting.dataset.value, split: .train, count: setting.nTrain)),
     try DataSets.load(DataSetRequest(source: setting.dataset.value, split: .test, count: config.nTest)))
  }

  /// The setting's network: read from the checkpoint of an earlier (interrupted) run, or trained
  /// now and checkpointed. Returns it with the seconds its training took.
  func trainOrReuse(_ setting: ExperimentSetting, training: Tensor,
                    progress: @escaping @Sendable (String, Double, String) -> Void) throws -> (any DenoisingNetwork, Double) {
    let checkpointURL = runDirectory(setting).appendingPathComponent("network.safetensors")
    if reusesFinishedSettings, let saved = try? Checkpoint.read(from: checkpointURL) {
      return (saved.network, saved.description.seconds)
    }
    let shape = training.imageBatchShape
    var job = TrainingJob(
      model: try setting.model.description(channels: shape.channels, noiseConditional: config.trainSigmaRange != nil),
      operator: setting.operator, forwardOperator: try setting.operator.makeOperator(height: shape.height, width: shape.width),
      input: setting.input, configuration: trainingConfiguration(sigma: setting.sigma), dataset: setting.dataset.spelling)
    job.normalizesInput = setting.model.normalizesInput
    // Trained in place (`train` sets its input scale first), so the epochs of
    // `evaluate_epochs` can checkpoint it on the way.
    let network = try job.makeNetwork(seeds: config.seeds)
    let snapshots = Set(config.evaluateEpochs ?? [])
    let trained = try job.train(network, images: training, seeds: config.seeds, progress: {
      progress("training", Double($0.step) / Double(Swift.max($0.totalSteps, 1)), $0.summary)
    }, epochEnd: snapshots.isEmpty ? nil : { snapshot, description in
      guard snapshots.contains(snapshot.epochsCompleted) else { return }
      try Checkpoint.write(network: network, description: description,
                           to: snapshotCheckpointURL(setting, epoch: snapshot.epochsCompleted))
    })
    try Checkpoint.write(network: trained.network, description: trained.description, to: checkpointURL)
    return (trained.network, trained.description.seconds)
  }

  /// Compares `network`, trained for `epoch` epochs, with the estimators at the setting's σ
  /// and writes the setting's files into `directory`; `estimates`, the LE-MMSE of the sweep
  /// from an earlier evaluation of the same setting, are reused instead of computed again.
  func evaluate(_ setting: ExperimentSetting, data: (training: Tensor, truth: Tensor), network: any DenoisingNetwork,
                secondsTrain: Double, epoch: Int, directory: URL, estimates: [Int: Estimate]? = nil,
                progress: @escaping @Sendable (String, Double, String) -> Void) throws -> SettingOutcome {
    let shape = data.training.imageBatchShape
    let op = try setting.operator.makeOperator(height: shape.height, width: shape.width)
    let comparison = Comparison(setting: setting, training: data.training, truth: data.truth, forwardOperator: op,
                                seeds: config.seeds, patchSizes: config.calibration ?? NetworkCalibration.defaultPatchSizes,
                                otherEstimators: config.estimators ?? [], epochs: epoch, threads: threads)
    var outcome = try comparison.evaluate(network: network, secondsTrain: secondsTrain, reusing: estimates) { progress($0, $1, "") }
    if let range = config.trainSigmaRange {
      outcome.record.trainSigmaRange = range
      if !(Double(range[0])...Double(range[1])).contains(setting.sigma) {
        outcome.record.warnings = ["σ = \(setting.sigma) is outside the network's training range [\(range[0]), \(range[1])]"]
      }
    }
    let checkpoint = epoch == config.epochs ? runDirectory(setting).appendingPathComponent("network.safetensors")
      : snapshotCheckpointURL(setting, epoch: epoch)
    outcome.record.checkpoint = String(checkpoint.path.dropFirst(outputDirectory.path.count + 1))
    // The network's test inputs and outputs as files, so `lemmse compare` (or any tool) can
    // recompute the calibration from them.
    try NumPyFile.write(outcome.y, to: directory.appendingPathComponent("measurements.npy"))
    try NumPyFile.write(data.truth, to: directory.appendingPathComponent("truth.npy"))
    try NumPyFile.write(outcome.networkOutput, to: directory.appendingPathComponent("network.npy"))
    try NumPyFile.write(outcome.reference.images, to: directory.appendingPathComponent("lemmse.npy"))
    try writeFigures(of: setting, outcome: outcome, training: data.training, forwardOperator: op, directory: directory)
    try writeJSON(outcome.record, to: directory.appendingPathComponent("result.json"))
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
