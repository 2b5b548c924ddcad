import Foundation
import NeuralNetworks

/// A calibration point: how well the network matches the LE-MMSE of patch size `patch`.
public struct CalibrationPoint: Codable, Equatable, Sendable {
  public var patch: Int
  public var psnrNetworkLEMMSE: Double
  public var cosineNetworkLEMMSE: Double

  enum CodingKeys: String, CodingKey {
    case patch
    case psnrNetworkLEMMSE = "psnr_network_lemmse"
    case cosineNetworkLEMMSE = "cosine_network_lemmse"
  }
}

/// Runs an experiment grid: per setting, train (or reuse) the network, measure the test
/// images, compute the LE-MMSE at the nominal `P` and over the calibration sweep, and record.
///
/// Every finished setting leaves `runs/KEY/result.json` and its checkpoint; a later run with
/// the same config reuses both, so an interrupted run loses nothing that was finished.
public struct ExperimentRunner: Sendable {
  public let config: ExperimentConfig
  public let outputDirectory: URL

  public init(config: ExperimentConfig, outputDirectory: URL) {
    self.config = config
    self.outputDirectory = outputDirectory
  }

  var seed: UInt64 { config.seed ?? 0 }
  var threads: Int { config.threads ?? Parallel.defaultThreadCount }

  /// The most threads a config may ask for.
  public static let threadLimit = 1...1024

  /// The training configuration of every setting at `sigma` (the grid's σ, or its train range).
  func trainingConfiguration(sigma: Double) -> TrainingConfiguration {
    let sampling: SigmaSampling = config.trainSigmaRange.map { .uniform(lower: $0[0], upper: $0[1]) } ?? .fixed(Float(sigma))
    return TrainingConfiguration(epochs: config.epochs, batchSize: config.batchSize ?? 32, sigma: sampling,
                                 learningRate: config.learningRate ?? 1e-3, seed: seed)
  }

  /// Checks the whole grid before any work — keys, values, combinations, and that every data
  /// set has `n_train` training and `n_test` test images — and writes nothing. `run` and
  /// `lemmse experiment --dry-run` both call it, so a dry run passes exactly when a run would
  /// get past its checks.
  /// - Returns: the image shape `C, H, W` of every data set.
  @discardableResult
  public func validate() throws -> [String: [Int]] {
    func fail(_ key: String, _ message: String) -> ExperimentError { .invalidValue(key: key, message: message) }
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
    for operatorName in config.operators {
      do { _ = try OperatorSpecification(name: operatorName) } catch {
        throw fail("operators", "\(error)")
      }
    }
    for model in config.models { try model.validate() }
    var shapes: [String: [Int]] = [:]
    for dataset in config.datasets {
      let source: DataSetSource
      do { source = try DataSetSource(parsing: dataset) } catch {
        throw fail("datasets", "\(error)")
      }
      // The last image each split must have: one image each, not the whole set.
      func probe(_ split: DataSplit, count: Int, key: String) throws -> [Int] {
        let images: Tensor
        do {
          images = try DataSets.load(DataSetRequest(source: source, split: split, count: 1, offset: count - 1))
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
      shapes[dataset] = shape
    }
    for setting in config.settings() {
      let shape = shapes[setting.dataset]!
      let input: EstimatorInput
      do { input = try EstimatorInput(parsing: setting.input) } catch {
        throw fail("inputs", "\(error)")
      }
      let op: ForwardOperator
      do { op = try OperatorSpecification(name: setting.operatorName).makeOperator(height: shape[1], width: shape[2]) } catch {
        throw fail("operators", "\(setting.operatorName) on the \(shape[1])×\(shape[2]) images of \(setting.dataset): \(error)")
      }
      do { try input.validate(for: op) } catch {
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
    return shapes
  }

  /// Runs every setting; `progress(phase, fraction, detail)` reports the work.
  public func run(progress: @escaping @Sendable (String, Double, String) -> Void) throws -> [ResultRecord] {
    try validate()
    var records: [ResultRecord] = []
    let settings = config.settings()
    for (index, setting) in settings.enumerated() {
      let phase = "[\(index + 1)/\(settings.count)] \(setting.key)"
      records.append(try run(setting, progress: { progress(phase + " " + $0, $1, $2) }))
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
                                                trainSigmaRange: config.trainSigmaRange, seed: seed))) ?? Data()
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a
    for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
    return outputDirectory.appendingPathComponent("runs")
      .appendingPathComponent(setting.key + "_" + String(hash >> 40, radix: 16))
  }

  func run(_ setting: ExperimentSetting, progress: @escaping @Sendable (String, Double, String) -> Void) throws -> ResultRecord {
    let directory = runDirectory(setting)
    let resultURL = directory.appendingPathComponent("result.json")
    if let data = try? Data(contentsOf: resultURL), let record = try? JSONDecoder().decode(ResultRecord.self, from: data) {
      progress("(finished earlier)", 1, "")
      return record
    }
    let source = try DataSetSource(parsing: setting.dataset)
    let training = try DataSets.load(DataSetRequest(source: source, split: .train, count: setting.nTrain))
    let truth = try DataSets.load(DataSetRequest(source: source, split: .test, count: config.nTest))
    let shape = training.imageBatchShape
    let op = try OperatorSpecification(name: setting.operatorName).makeOperator(height: shape.height, width: shape.width)
    let input = try EstimatorInput(parsing: setting.input)
    let sigma = Float(setting.sigma)

    // The network: trained here, or reused from the checkpoint of an interrupted run.
    let checkpointURL = directory.appendingPathComponent("network.safetensors")
    let network: any DenoisingNetwork
    var secondsTrain = 0.0
    if let saved = try? Checkpoint.read(from: checkpointURL) {
      network = saved.network
      secondsTrain = saved.description.seconds
    } else {
      let conditional = config.trainSigmaRange != nil
      let description = try setting.model.description(channels: shape.channels, noiseConditional: conditional)
      let fresh = try description.makeNetwork(seed: seed)
      let configuration = trainingConfiguration(sigma: setting.sigma)
      let sampling = configuration.sigma
      let start = Date()
      let trained: TrainingResult
      do {
        trained = try NeuralNetworks.train(fresh, images: training, configuration: configuration,
                                           makeInput: NetworkTraining.inputMaker(operator: op, input: input)) {
          progress("training", Double($0.step) / Double(Swift.max($0.totalSteps, 1)),
                   String(format: "epoch %d, loss %.5f, %.0f img/s", $0.epoch + 1, $0.loss, $0.imagesPerSecond))
        }
      } catch let NetworkError.diverged(step, epoch, loss) {
        throw ExperimentError.invalidValue(
          key: "learning_rate",
          message: "training \(setting.key) diverged (loss \(loss) at step \(step), epoch \(epoch)); wrote no checkpoint for it; lower it (now \(configuration.learningRate))")
      }
      secondsTrain = Date().timeIntervalSince(start)
      network = trained.network
      try Checkpoint.write(network: network, description: CheckpointDescription(
        model: description, operatorName: setting.operatorName, mask: nil, kernel: nil, input: setting.input,
        sigma: sampling, training: configuration, dataset: setting.dataset, trainingCount: shape.count,
        imageShape: [shape.channels, shape.height, shape.width], finalLoss: trained.lossHistory.last, seconds: secondsTrain),
        to: checkpointURL)
    }

    // Test measurements, seeded, and what every estimator makes of them.
    let y = measure(truth, with: op, sigma: sigma, seed: seed &+ 1)
    let u = try input.map(y, for: op)
    let networkOutput = try network.predict(u, sigma: sigma)
    let nominal = setting.model.patch
    let largest = Swift.max(shape.height, shape.width)
    var sweep = Set(config.calibration ?? NetworkCalibration.defaultPatchSizes)
    if let nominal { sweep.insert(nominal) }
    // The same calibration as `lemmse compare`, so both report identical numbers.
    let sweepResult = try NetworkCalibration.run(
      networkOutput: networkOutput, inputs: u, training: training, forwardOperator: op, input: input, sigma: setting.sigma,
      patchSizes: sweep.filter { $0 <= largest }, threads: threads) { patch, fraction in progress("LE-MMSE P=\(patch)", fraction, "") }
    let calibration = sweepResult.points.map {
      CalibrationPoint(patch: $0.patch, psnrNetworkLEMMSE: $0.psnrNetworkLEMMSE, cosineNetworkLEMMSE: $0.cosineNetworkLEMMSE)
    }
    let estimates = sweepResult.estimates
    let best = sweepResult.best
    // The network's test inputs and outputs as files, so `lemmse compare` (or any tool) can
    // recompute the calibration from them.
    try NumPyFile.write(y, to: directory.appendingPathComponent("measurements.npy"))
    try NumPyFile.write(truth, to: directory.appendingPathComponent("truth.npy"))
    try NumPyFile.write(networkOutput, to: directory.appendingPathComponent("network.npy"))
    let reference = estimates[nominal ?? best.patch]!
    var others: [String: Double] = [:]
    for kind in config.estimators ?? [] where kind != .lemmse {
      let patch = nominal ?? best.patch
      let estimate = try AnalyticEstimator(training: training, forwardOperator: op, input: input,
                                           settings: EstimatorSettings(estimator: kind, patchSize: patch, sigma: setting.sigma, threads: threads))
        .estimate(inputs: u) { progress(kind.rawValue, $0, "") }
      others["psnr_\(kind.rawValue)_truth"] = psnr(estimate.images, truth)
      others["psnr_network_\(kind.rawValue)"] = psnr(networkOutput, estimate.images)
    }

    var record = ResultRecord(
      dataset: setting.dataset, operator: setting.operatorName, sigma: setting.sigma, input: setting.input,
      model: setting.model.label, patch: nominal ?? best.patch, nTrain: shape.count, nTest: config.nTest,
      epochs: config.epochs, psnrMeasurementTruth: psnr(u, truth), psnrNetworkTruth: psnr(networkOutput, truth),
      psnrLEMMSETruth: psnr(reference.images, truth), psnrNetworkLEMMSE: psnr(networkOutput, reference.images),
      psnrLEMMSETruthRange: psnr(reference.images, truth, peak: .referenceRange),
      ssimLEMMSETruth: ssim(reference.images, truth), ssimNetworkTruth: ssim(networkOutput, truth),
      secondsTrain: secondsTrain, secondsLEMMSE: reference.statistics.seconds)
    record.nominalPatch = nominal
    record.calibration = calibration
    record.bestPatch = best.patch
    record.psnrNetworkLEMMSEBest = best.psnrNetworkLEMMSE
    record.psnrNetworkLEMMSERange = psnr(networkOutput, reference.images, peak: .referenceRange)
    record.otherEstimators = others.isEmpty ? nil : others
    record.density = densityStudy(network: networkOutput, estimate: reference)

    // Diagnostics: effective candidates and log-density maps, and the patches that win.
    let figures = outputDirectory.appendingPathComponent("figures")
    let mapColumns = 0 ..< Swift.min(config.nTest, 8)
    let maps = MapFigure(columnHeaders: mapColumns.map { "test image \($0)" }, rows: [
      .init(name: "candidates", maps: mapColumns.map { reference.effectiveCandidates.image($0) }, scale: .logarithmic),
      .init(name: "log-density", maps: mapColumns.map { reference.logDensity.image($0) }, scale: .linear)])
    try maps.write(to: figures.appendingPathComponent(setting.key + "_maps.png"))
    let (row, column) = (shape.height / 2, shape.width / 2)
    let winners = try AnalyticEstimator(
      training: training, forwardOperator: op, input: input,
      settings: EstimatorSettings(estimator: .lemmse, patchSize: nominal ?? best.patch, sigma: setting.sigma, threads: threads))
      .topContributors(input: u.image(0), row: row, column: column, count: 8)
    try writeJSON(winners, to: directory.appendingPathComponent("top_contributors.json"))
    let radius = (nominal ?? best.patch) / 2
    let strip = [patchImage(u.image(0), row: row, column: column, radius: radius)]
      + winners.map { patchImage(training.image($0.image), row: $0.row, column: $0.column, radius: radius) }
    let topK = FigureGrid(columnHeaders: ["query"] + winners.indices.map { "top \($0 + 1)" }, rows: [
      .init(name: "", panels: zip(strip, [""] + winners.map { String(format: "image %d\nw %.3f", $0.image, $0.weight) })
        .map { FigureGrid.Panel($0, caption: $1) })])
    try topK.write(to: figures.appendingPathComponent(setting.key + "_topk.png"))

    // The figure of this setting: measurement / LE-MMSE / network / truth.
    let columns = 0 ..< Swift.min(config.nTest, 8)
    let grid = FigureGrid.comparison(measurement: u, lemmse: reference.images, network: networkOutput, truth: truth,
                                     columns: columns, columnHeader: { "test image \($0)" },
                                     measurementName: setting.input == "agnostic" ? "measurement" : "input")
    try grid.write(to: directory.appendingPathComponent("figure.png"))
    try grid.write(to: outputDirectory.appendingPathComponent("figures").appendingPathComponent(setting.key + ".png"))
    try writeJSON(record, to: resultURL)
    return record
  }

  /// results.json, results.csv, results.md and the plots, rewritten after every setting.
  func writeTables(_ records: [ResultRecord]) throws {
    try ResultRecord.writeJSON(records, to: outputDirectory.appendingPathComponent("results.json"))
    try AtomicFile.write(Data(ResultTables.csv(records).utf8), to: outputDirectory.appendingPathComponent("results.csv"))
    try AtomicFile.write(Data(ResultTables.markdown(records, title: config.name).utf8),
                         to: outputDirectory.appendingPathComponent("results.md"))
    for (name, plot) in ResultPlots.all(records) {
      try AtomicFile.write(Data(plot.svg().utf8), to: outputDirectory.appendingPathComponent(name))
    }
  }
}

/// A bin of the density study: pixels grouped by the log-density of their query patch.
public struct DensityBin: Codable, Equatable, Sendable {
  public var logDensity: Double
  public var psnrNetworkLEMMSE: Double
  public var pixels: Int

  enum CodingKeys: String, CodingKey {
    case logDensity = "log_density", psnrNetworkLEMMSE = "psnr_network_lemmse", pixels
  }
}

/// The match between network and LE-MMSE in 8 equal-count bins of the query's log-density:
/// the theory says networks follow the LE-MMSE best where training patches are dense.
func densityStudy(network: Tensor, estimate: Estimate, bins: Int = 8) -> [DensityBin] {
  let shape = network.imageBatchShape
  var pixels: [(density: Double, error: Double)] = []
  for n in 0..<shape.count {
    for p in 0..<shape.planeSize {
      var error = 0.0
      for c in 0..<shape.channels {
        let index = (n * shape.channels + c) * shape.planeSize + p
        let difference = Double(network.scalars[index] - estimate.images.scalars[index])
        error += difference * difference
      }
      pixels.append((Double(estimate.logDensity.scalars[n * shape.planeSize + p]), error / Double(shape.channels)))
    }
  }
  pixels.sort { $0.density < $1.density }
  let size = Swift.max(1, pixels.count / bins)
  return stride(from: 0, to: pixels.count, by: size).map { start in
    let slice = pixels[start ..< Swift.min(pixels.count, start + size)]
    let meanError = slice.reduce(0) { $0 + $1.error } / Double(slice.count)
    return DensityBin(logDensity: slice.reduce(0) { $0 + $1.density } / Double(slice.count),
                      psnrNetworkLEMMSE: 10 * log10(1 / Swift.max(meanError, 1e-20)), pixels: slice.count)
  }
}

/// The circular `P × P` patch of a `C × H × W` image centred at `(row, column)`.
func patchImage(_ image: Tensor, row: Int, column: Int, radius: Int) -> Tensor {
  let (channels, height, width) = (image.shape[0], image.shape[1], image.shape[2])
  let size = 2 * radius + 1
  return Tensor(shape: [channels, size, size], generator: { index in
    let c = index / (size * size), a = (index / size) % size, b = index % size
    return image[c, ((row + a - radius) % height + height) % height, ((column + b - radius) % width + width) % width]
  })
}

/// `⟨a, b⟩ / (‖a‖ ‖b‖)` per image, averaged.
public func cosineSimilarity(_ a: Tensor, _ b: Tensor) -> Double {
  let batchA = a.asImageBatch, batchB = b.asImageBatch
  let count = batchA.imageBatchShape.count
  return (0..<count).map { n in
    let x = batchA.image(n), y = batchB.image(n)
    return x.dot(y) / (x.dot(x).squareRoot() * y.dot(y).squareRoot())
  }.reduce(0, +) / Double(count)
}
