import ArgumentParser
import Experiments
import Foundation

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
      in --output; a finished setting (runs/KEY/result.json) is never recomputed.

      Example:
        lemmse experiment --config experiments/table.json --output results/table
        lemmse experiment --data fashion-mnist --operator denoising --sigma 0.2 --model patchmlp --patch 5 --output results/one
      """)

  @Option(help: "An experiment config (JSON).")
  var config: String?
  @Option(help: "Where to write results.")
  var output: String

  @Option(help: ArgumentHelp("One setting: the data set. " + dataReferenceHelp, valueName: "DATA"))
  var data: String?
  @Option(name: .customLong("operator"), help: "One setting: an operator preset.")
  var operatorName: String?
  @Option(help: "One setting: σ.")
  var sigma: Double?
  @Option(help: "One setting: agnostic, physics-aware, adjoint, wiener:λ or inverse:ε.")
  var input: String = "agnostic"
  @Option(help: "One setting: patchmlp, resnet, unet or unet-classic.")
  var model: ModelKind?
  @Option(help: "One setting: the network's P.")
  var patch: Int?
  @Option(help: "One setting: width(s), comma-separated.")
  var width: String?
  @Option(name: .customLong("n-train"), help: "One setting: training images.")
  var nTrain: Int = 2000
  @Option(name: .customLong("n-test"), help: "One setting: test images.")
  var nTest: Int = 8
  @Option(help: "One setting: epochs.")
  var epochs: Int = 20
  @Option(help: "One setting: the calibration sweep of P, comma-separated.")
  var calibration: String?
  @Option(help: "Seed of training, noise and test measurements.")
  var seed: UInt64 = 0
  @Flag(name: .customLong("dry-run"), help: "Check the config and list its settings without running them.")
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
    let widths = try width.map { text -> [Int] in
      let values = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard !values.isEmpty else { throw ValidationError("--width expects integers (got \(text))") }
      return values
    }
    let sweep = try calibration.map { text -> [Int] in
      let values = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard !values.isEmpty else { throw ValidationError("--calibration expects odd integers (got \(text))") }
      return values
    }
    return ExperimentConfig(datasets: [data], operators: [operatorName], sigmas: [sigma], inputs: [input],
                            models: [ModelSpecification(model: model, patch: patch, widths: widths)], nTrain: [nTrain],
                            nTest: nTest, epochs: epochs, calibration: sweep, seed: seed)
  }

  func validate() throws { _ = try makeConfig() }

  func run() throws {
    let runner = ExperimentRunner(config: try makeConfig(), outputDirectory: fileURL(output))
    do {
      try runner.validate()
    } catch let error as ExperimentError {
      throw ValidationError(error.description)
    }
    if dryRun {
      let settings = runner.config.settings()
      print("\(settings.count) setting\(settings.count == 1 ? "" : "s"), all valid:")
      for setting in settings { print("  " + setting.key) }
      return
    }
    let bar = ProgressBar("experiment")
    let records = try runner.run { phase, fraction, detail in bar.update(fraction, label: phase, detail: detail) }
    bar.finish()
    print(ResultTables.markdown(records, title: runner.config.name))
    print("wrote \(output)/results.json, results.csv, results.md, figures/")
  }
}
