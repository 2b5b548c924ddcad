import Foundation
import NeuralNetworks
import Tensors
import DataFiles

/// The one-command demo: FashionMNIST denoising at σ = 0.2 — train a PatchMLP (`P = 5`) on a
/// few thousand images, compute the LE-MMSE (`P = 5`, the same training images) on a handful of
/// test images, and compare the two: the theory predicts PSNR(network, LE-MMSE) ≳ 25 dB.
///
/// It is a one-setting experiment (`ExperimentRunner` with calibration `[P]`, always run
/// afresh) plus the paper's Figure 1 and the estimates as `.npy` at the top of the folder.
public struct Demo: Sendable {
  /// Where `figure1.png`, `results.*`, the `.npy` files and `runs/` go.
  public var outputDirectory: URL
  /// Training images `N` (at most 2,000 with the embedded subset).
  public var trainingCount = 2000
  /// Test images `M` (at most 16 with the embedded subset).
  public var testCount = 8
  /// The noise level σ.
  public var sigma = 0.2
  /// The network's and the LE-MMSE's patch size `P`.
  public var patchSize = 5
  /// Training epochs.
  public var epochs = 20
  /// The PatchMLP's width.
  public var width = 256
  /// The seed of every stream (`SeedStreams`).
  public var seed: UInt64 = 0
  /// Threads of training and the estimator.
  public var threads = Parallel.defaultThreadCount

  /// The demo with the defaults above, writing into `outputDirectory`; change the fields
  /// before `run(progress:)` to vary it.
  public init(outputDirectory: URL) { self.outputDirectory = outputDirectory }

  /// What the demo produced.
  public struct Report: Sendable {
    /// The setting's record (also in `results.json`).
    public var record: ResultRecord
    /// Where the FashionMNIST files came from.
    public var dataDirectory: URL
    /// Whether the data came from the embedded subset (`DemoData`) rather than a full copy.
    public var usedEmbeddedSubset: Bool
    /// `figure1.png` (a `figure1.svg` is beside it).
    public var figure: URL
    /// `results.json`.
    public var results: URL
  }

  /// The demo as an experiment config: one setting, calibrated at its own `P` only.
  public func config(dataSet: DataSetChoice) -> ExperimentConfig {
    ExperimentConfig(
      name: "lemmse demo", datasets: [dataSet], operators: [try! OperatorChoice(name: "denoising")], sigmas: [sigma],
      inputs: [.fixed(.agnostic)], models: [ModelSpecification(model: .patchMLP, patch: patchSize, widths: [width])],
      nTrain: [trainingCount], nTest: testCount, epochs: epochs, calibration: [patchSize], seed: seed, threads: threads)
  }

  /// Runs the demo; `progress(phase, fraction, detail)` reports what it is doing.
  /// Uses a full copy of FashionMNIST when `DataLocator` finds one, the embedded subset of
  /// `DemoData` otherwise.
  /// - Throws: `DataFileError.dataSetNotFound` when neither is there; `DataFileError.outOfRange`
  ///   when the subset has too few images; `TrainingJobError` when training diverges.
  public func run(progress: @escaping @Sendable (String, Double, String) -> Void) throws -> Report {
    let (directory, isSubset) = try DemoData.fashionMNIST()
    if isSubset && (trainingCount > DemoData.trainingCount || testCount > DemoData.testCount) {
      throw DataFileError.outOfRange(dataSet: "the embedded FashionMNIST subset", requested: "\(trainingCount) + \(testCount)",
                                     available: DemoData.trainingCount + DemoData.testCount)
    }
    let dataSet = DataSetChoice(spelling: "fashion-mnist", value: .fashionMNIST(directory))
    let config = config(dataSet: dataSet)
    var runner = ExperimentRunner(config: config, outputDirectory: outputDirectory)
    runner.reusesFinishedSettings = false
    try runner.validate()
    let outcome = try runner.run(config.settings()[0]) { phase, fraction, detail in progress(phase, fraction, detail) }
    try runner.writeTables([outcome.record])
    let comparison = outcome.comparison!

    // The paper's Figure 1: measurement / LE-MMSE / network / truth, one test image per column.
    let grid = FigureGrid.comparison(measurement: comparison.y, lemmse: comparison.reference.images,
                                     network: comparison.networkOutput, truth: comparison.truth,
                                     columns: 0..<testCount, columnHeader: { "test image \($0)" })
    let figure = outputDirectory.appendingPathComponent("figure1.png")
    try grid.write(to: figure)  // figure1.png and figure1.svg
    try NumPyFile.write(comparison.reference.images, to: outputDirectory.appendingPathComponent("lemmse.npy"))
    try NumPyFile.write(comparison.networkOutput, to: outputDirectory.appendingPathComponent("network.npy"))
    return Report(record: outcome.record, dataDirectory: directory, usedEmbeddedSubset: isSubset, figure: figure,
                  results: outputDirectory.appendingPathComponent("results.json"))
  }
}
