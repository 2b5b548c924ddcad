import Foundation

/// The one-command demo: FashionMNIST denoising at σ = 0.2, the LE-MMSE (`P = 5`) of a few
/// thousand training images on a handful of test images, a figure and a results record.
public struct Demo: Sendable {
  public var outputDirectory: URL
  public var trainingCount = 2000
  public var testCount = 8
  public var sigma = 0.2
  public var patchSize = 5
  public var seed: UInt64 = 0
  public var threads = Parallel.defaultThreadCount

  public init(outputDirectory: URL) { self.outputDirectory = outputDirectory }

  /// What the demo produced.
  public struct Report: Sendable {
    public var record: ResultRecord
    public var dataDirectory: URL
    public var figure: URL
    public var results: URL
  }

  /// Runs the demo; `progress(phase, fraction)` reports what it is doing.
  /// - Throws: `DataFileError.dataSetNotFound` when FashionMNIST is nowhere to be found.
  public func run(progress: @escaping @Sendable (String, Double) -> Void) throws -> Report {
    guard let directory = DataLocator.find(.fashionMNIST) else {
      throw DataFileError.dataSetNotFound(name: KnownDataSet.fashionMNIST.rawValue, searched: DataLocator.searchedLocations)
    }
    progress("loading FashionMNIST", 0)
    let source = DataSetSource.fashionMNIST(directory)
    let training = try DataSets.load(DataSetRequest(source: source, split: .train, count: trainingCount))
    let truth = try DataSets.load(DataSetRequest(source: source, split: .test, count: testCount))
    progress("loading FashionMNIST", 1)

    let y = measure(truth, with: .denoising, sigma: Float(sigma), seed: seed)
    let estimator = try AnalyticEstimator(
      training: training, forwardOperator: .denoising, input: .agnostic,
      settings: EstimatorSettings(estimator: .lemmse, patchSize: patchSize, sigma: sigma, threads: threads))
    let estimate = try estimator.estimate(measurements: y) { progress("LE-MMSE", $0) }

    let record = ResultRecord(
      dataset: "fashion-mnist", operator: "denoising", sigma: sigma, input: "agnostic", model: "none", patch: patchSize,
      nTrain: trainingCount, nTest: testCount, epochs: 0,
      psnrMeasurementTruth: psnr(y, truth), psnrNetworkTruth: nil, psnrLEMMSETruth: psnr(estimate.images, truth),
      psnrNetworkLEMMSE: nil, psnrLEMMSETruthRange: psnr(estimate.images, truth, peak: .referenceRange),
      ssimLEMMSETruth: ssim(estimate.images, truth), ssimNetworkTruth: nil,
      secondsTrain: 0, secondsLEMMSE: estimate.statistics.seconds)

    let columns = (0..<testCount)
    let grid = imageGrid([columns.map { y.image($0) }, columns.map { estimate.images.image($0) }, columns.map { truth.image($0) }])
    let figure = outputDirectory.appendingPathComponent("figure1.png")
    let results = outputDirectory.appendingPathComponent("results.json")
    try PNGFile.write(grid, to: figure)
    try ResultRecord.writeJSON([record], to: results)
    try NumPyFile.write(estimate.images, to: outputDirectory.appendingPathComponent("lemmse.npy"))
    return Report(record: record, dataDirectory: directory, figure: figure, results: results)
  }
}
