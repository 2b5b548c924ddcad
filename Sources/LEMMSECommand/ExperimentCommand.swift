import ArgumentParser
import Experiments
import Foundation
import Physics
import NeuralNetworks
import Cluster

struct ExperimentCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "experiment",
    abstract: "Run the paper's comparison over a grid of settings: train, measure, LE-MMSE, calibrate, record.",
    discussion: """
      Either --config FILE.json (see experiments/ in the repository) or the flags of one setting. \
      For every setting: train the network (or reuse its checkpoint), measure --n-test seeded test \
      images, compute the LE-MMSE at the network's P and over a calibration sweep of P, and record \
      PSNR(network, truth), PSNR(LE-MMSE, truth) and PSNR(network, LE-MMSE). Writes results.json, \
      results.csv, results.md, figures/*.png, calibration.svg (and psnr_sigma.svg for several σ) \
      in --output; a finished setting (runs/KEY/result.json) is never recomputed. Config keys beyond \
      the grid: "train_sigma_range": [A, B] trains one σ-conditional network per setting and \
      evaluates it at every σ (figures/KEY_sigmas.png); "evaluate_epochs": [5, 10, 20] also evaluates \
      every network at those epochs of its training (psnr_epochs.svg); a model's "input_scale": "auto" \
      normalises the network's input (for the inverse filter's amplified noise).

      Example:
        lemmse experiment --config experiments/table.json --output results/table
        lemmse experiment --data fashion-mnist --operator denoising --sigma 0.2 --model patchmlp --patch 5 --output results/one
      """)

  @Option(help: "An experiment config (JSON).")
  var config: String?
  @Option(help: "Where to write results (missing folders are created).")
  var output: String

  @Option(help: ArgumentHelp("One setting: the data set. " + dataReferenceHelp, valueName: "DATA"))
  var data: String?
  @Option(name: .customLong("operator"), help: "One setting: an operator preset.")
  var operatorName: String?
  @Option(parsing: .unconditional, help: "One setting: σ (1e-06…1000).")
  var sigma: Double?
  @Option(help: "One setting: agnostic, physics-aware, adjoint, wiener:λ or inverse:ε.")
  var input: String = "agnostic"
  @Option(help: "One setting: patchmlp, resnet, unet or unet-classic.")
  var model: Architecture?
  @Option(parsing: .unconditional, help: "One setting: the network's P (odd, at most the image size).")
  var patch: Int?
  @Option(parsing: .unconditional, help: "One setting: width(s) in 1…4096, comma-separated.")
  var width: CommaSeparated<Int>?
  @Option(name: .customLong("n-train"), parsing: .unconditional, help: "One setting: training images (≥ 1, at most the train split).")
  var nTrain: Int = 2000
  @Option(name: .customLong("n-test"), parsing: .unconditional, help: "One setting: test images (≥ 1, at most the test split).")
  var nTest: Int = 8
  @Option(parsing: .unconditional, help: "One setting: epochs (1…100000).")
  var epochs: Int = 20
  @Option(parsing: .unconditional, help: "One setting: the calibration sweep of P, comma-separated odd numbers.")
  var calibration: CommaSeparated<Int>?
  @Option(parsing: .unconditional, help: "Seed of training, noise and test measurements.")
  var seed: UInt64 = 0
  @Flag(name: .customLong("dry-run"), help: "Run every check of a real run (config, values, data sets and their sizes) and list the settings; write nothing.")
  var dryRun = false

  func makeConfig() throws -> ExperimentConfig {
    if let config {
      guard data == nil, operatorName == nil, sigma == nil, model == nil else {
        throw ValidationError("give either --config or the flags of one setting, not both")
      }
      return try ExperimentConfig.read(contentsOf: fileURL(config))
    }
    guard let data, let operatorName, let sigma, let model else {
      throw ValidationError("give --config FILE.json, or --data, --operator, --sigma and --model for one setting")
    }
    func parsed<Value>(_ flag: String, _ parse: () throws -> Value) throws -> Value {
      do { return try parse() } catch { throw ValidationError("\(flag): \(LEMMSE.message(for: error))") }
    }
    return ExperimentConfig(
      datasets: [try parsed("--data") { try DataSetChoice(data) }],
      operators: [try parsed("--operator") { try OperatorChoice(name: operatorName) }], sigmas: [sigma],
      inputs: [try parsed("--input") { try InputChoice(parsing: input) }],
      models: [ModelSpecification(model: model, patch: patch, widths: width?.values)], nTrain: [nTrain],
      nTest: nTest, epochs: epochs, calibration: calibration?.values, seed: seed)
  }

  /// The flag of one setting that sets config key `key` (`n_train[0]` → `--n-train`).
  static func flag(forKey key: String) -> String? {
    let base = String(key.prefix { $0 != "[" })
    return ["datasets": "--data", "operators": "--operator", "sigmas": "--sigma", "inputs": "--input", "models": "--model",
            "models.patch": "--patch", "patch": "--patch", "widths": "--width", "n_train": "--n-train",
            "n_test": "--n-test", "epochs": "--epochs", "calibration": "--calibration"][base]
  }

  /// An `ExperimentError` as the user wrote the input: a config key, or the flag of one setting.
  func validationError(_ error: ExperimentError) -> ValidationError {
    guard config == nil, case let .invalidValue(key, message) = error, let flag = Self.flag(forKey: key) else {
      return ValidationError(error.description)
    }
    let joined = message.hasPrefix("must") || message.hasPrefix("is ") ? " " : ": "
    return ValidationError(flag + joined + message)
  }

  /// Flags are checked here; a config file's contents are not flags, so its errors print
  /// without the usage text.
  func validate() throws {
    do { _ = try makeConfig() } catch let error as ExperimentError {
      if config != nil { throw CommandError(error.description) }
      throw validationError(error)
    }
  }

  /// `--dry-run`'s listing: every setting's key.
  static func listSettings(of runner: ExperimentRunner) {
    let settings = runner.config.settings()
    print("\(settings.count) setting\(settings.count == 1 ? "" : "s"), all valid:")
    for setting in settings { print("  " + setting.key) }
  }

  /// The runner of the config, after every check of a real run.
  func makeRunner() throws -> ExperimentRunner {
    do {
      let runner = ExperimentRunner(config: try makeConfig(), outputDirectory: fileURL(output))
      try runner.validate()
      return runner
    } catch let error as ExperimentError {
      throw CommandError(validationError(error).message)
    }
  }

  func run() throws {
    let world = Cluster.world
    if world.size > 1 { return try runDistributed(on: world) }
    let runner = try makeRunner()
    if dryRun { return Self.listSettings(of: runner) }
    let bar = ProgressBar("experiment")
    let records: [ResultRecord]
    do {
      records = try runner.run { phase, fraction, detail in bar.update(fraction, label: phase, detail: detail) }
    } catch let error as ExperimentError {
      bar.finish()
      throw CommandError(validationError(error).message)
    }
    bar.finish()
    print(ResultTables.markdown(records, title: runner.config.name))
    print("wrote \(output)/results.json, results.csv, results.md, figures/")
  }

  /// `mpirun -np K lemmse experiment …`: every rank checks the config, then trains and
  /// evaluates every K-th network of the grid (`ExperimentRunner.runShare`) into the shared
  /// output folder; once all have finished, rank 0 reads every setting back and writes the
  /// tables and figures. A failure on any rank ends all ranks with one line from rank 0, and
  /// rank 0 writes no tables.
  func runDistributed(on world: any Communicator) throws {
    var runner: ExperimentRunner?, failure = ""
    do { runner = try makeRunner() } catch { failure = LEMMSE.oneLine(LEMMSE.message(for: error)) }
    try agree(on: failure, world: world)
    guard let runner else { preconditionFailure("every rank checked the config") }
    let isRoot = world.rank == 0
    if dryRun {
      if isRoot { ExperimentCommand.listSettings(of: runner) }
      return
    }
    let bar = isRoot ? ProgressBar("experiment, rank 0 of \(world.size)") : nil
    do {
      _ = try runner.runShare(rank: world.rank, of: world.size) { phase, fraction, detail in
        bar?.update(fraction, label: phase, detail: detail)
      }
    } catch let error as ExperimentError {
      failure = validationError(error).message
    } catch {
      failure = LEMMSE.oneLine(LEMMSE.message(for: error))
    }
    bar?.finish()
    try agree(on: failure, world: world)
    guard isRoot else { return }
    let records = try runner.run { _, _, _ in }
    print(ResultTables.markdown(records, title: runner.config.name))
    print("wrote \(output)/results.json, results.csv, results.md, figures/ (\(world.size) ranks)")
  }
}
