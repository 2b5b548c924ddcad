import Foundation

/// The one-command demo: FashionMNIST denoising at σ = 0.2 — train a PatchMLP (`P = 5`) on a
/// few thousand images, compute the LE-MMSE (`P = 5`, the same training images) on a handful of
/// test images, and compare the two: the theory predicts PSNR(network, LE-MMSE) ≳ 25 dB.
public struct Demo: Sendable {
  public var outputDirectory: URL
  public var trainingCount = 2000
  public var testCount = 8
  public var sigma = 0.2
  public var patchSize = 5
  public var epochs = 20
  public var width = 256
  public var seed: UInt64 = 0
  public var threads = Parallel.defaultThreadCount

  public init(outputDirectory: URL) { self.outputDirectory = outputDirectory }

  /// What the demo produced.
  public struct Report: Sendable {
    public var record: ResultRecord
    public var dataDirectory: URL
    /// Whether the data came from the embedded subset (`DemoData`) rather than a full copy.
    public var usedEmbeddedSubset: Bool
    public var figure: URL
    public var results: URL
  }

  /// Runs the demo; `progress(phase, fraction, detail)` reports what it is doing.
  /// Uses a full copy of FashionMNIST when `DataLocator` finds one, the embedded subset of
  /// `DemoData` otherwise.
  /// - Throws: `DataFileError.dataSetNotFound` when neither is there.
  public func run(progress: @escaping @Sendable (String, Double, String) -> Void) throws -> Report {
    let (directory, isSubset) = try DemoData.fashionMNIST()
    if isSubset && (trainingCount > DemoData.trainingCount || testCount > DemoData.testCount) {
      throw DataFileError.outOfRange(dataSet: "the embedded FashionMNIST subset", requested: "\(trainingCount) + \(testCount)",
                                     available: DemoData.trainingCount + DemoData.testCount)
    }
    progress("loading FashionMNIST", 0, "")
    let source = DataSetSource.fashionMNIST(directory)
    let training = try DataSets.load(DataSetRequest(source: source, split: .train, count: trainingCount))
    let truth = try DataSets.load(DataSetRequest(source: source, split: .test, count: testCount))
    progress("loading FashionMNIST", 1, "")

    // The network: PatchMLP(P, width, depth 3), Adam with cosine decay, fresh noise every step.
    let model = ModelDescription(architecture: .patchMLP, channels: 1, patchSize: patchSize, widths: [width], depth: 3,
                                 residualBlocks: false, activation: .gelu)
    let network = try model.makeNetwork(seed: seed)
    let configuration = TrainingConfiguration(epochs: epochs, batchSize: 32, sigma: .fixed(Float(sigma)), seed: seed)
    let trainingStart = Date()
    let trained = try NeuralNetworks.train(network, images: training, configuration: configuration,
                                           makeInput: NetworkTraining.inputMaker(operator: .denoising, input: .agnostic)) {
      progress("training PatchMLP", Double($0.step) / Double(Swift.max($0.totalSteps, 1)),
               String(format: "epoch %d, loss %.5f, %.0f img/s", $0.epoch + 1, $0.loss, $0.imagesPerSecond))
    }
    let secondsTrain = Date().timeIntervalSince(trainingStart)

    let y = measure(truth, with: .denoising, sigma: Float(sigma), seed: seed)
    let networkOutput = try trained.network.predict(y, sigma: Float(sigma))
    let estimator = try AnalyticEstimator(
      training: training, forwardOperator: .denoising, input: .agnostic,
      settings: EstimatorSettings(estimator: .lemmse, patchSize: patchSize, sigma: sigma, threads: threads))
    let estimate = try estimator.estimate(measurements: y) { progress("LE-MMSE", $0, "") }

    let record = ResultRecord(
      dataset: "fashion-mnist", operator: "denoising", sigma: sigma, input: "agnostic", model: "patchmlp", patch: patchSize,
      nTrain: trainingCount, nTest: testCount, epochs: epochs,
      psnrMeasurementTruth: psnr(y, truth), psnrNetworkTruth: psnr(networkOutput, truth),
      psnrLEMMSETruth: psnr(estimate.images, truth), psnrNetworkLEMMSE: psnr(networkOutput, estimate.images),
      psnrLEMMSETruthRange: psnr(estimate.images, truth, peak: .referenceRange),
      ssimLEMMSETruth: ssim(estimate.images, truth), ssimNetworkTruth: ssim(networkOutput, truth),
      secondsTrain: secondsTrain, secondsLEMMSE: estimate.statistics.seconds)

    // The paper's Figure 1: measurement / LE-MMSE / network / truth, one test image per column.
    let columns = (0..<testCount)
    let grid = FigureGrid.comparison(measurement: y, lemmse: estimate.images, network: networkOutput, truth: truth,
                                     columns: columns, columnHeader: { "test image \($0)" })
    let figure = outputDirectory.appendingPathComponent("figure1.png")
    let results = outputDirectory.appendingPathComponent("results.json")
    try grid.write(to: figure)  // figure1.png and figure1.svg
    try ResultRecord.writeJSON([record], to: results)
    try NumPyFile.write(estimate.images, to: outputDirectory.appendingPathComponent("lemmse.npy"))
    try NumPyFile.write(networkOutput, to: outputDirectory.appendingPathComponent("network.npy"))
    try Checkpoint.write(network: trained.network, description: CheckpointDescription(
      model: model, operatorName: "denoising", mask: nil, kernel: nil, input: "agnostic", sigma: .fixed(Float(sigma)),
      training: configuration, dataset: "fashion-mnist", trainingCount: trainingCount, imageShape: [1, 28, 28],
      finalLoss: trained.lossHistory.last, seconds: secondsTrain),
      to: outputDirectory.appendingPathComponent("patchmlp.safetensors"))
    return Report(record: record, dataDirectory: directory, usedEmbeddedSubset: isSubset, figure: figure, results: results)
  }
}
