import ArgumentParser
import Experiments
import Foundation

struct EstimateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "estimate",
    abstract: "Compute an analytic estimator (LE-MMSE, L-MMSE, E-MMSE, MMSE) of measurements.",
    discussion: """
      --measurements holds y (not B y); the command applies the --input map itself. The output \
      is float32 .npy of the measurements' shape; OUT.json beside it records the settings, the \
      kernel that ran, timings, and how many candidates pruning skipped with a bound on their \
      weight. --diagnostics DIR writes the effective number of candidates 1/Σw² and the \
      log-density log Σ exp(logit) per pixel (.npy and PNG), and with --inspect ROW,COLUMN the \
      top contributing training patches of that pixel (JSON).

      Example:
        lemmse measure --images fashion-mnist --split test --count 4 --operator denoising --sigma 0.2 --output y.npy
        lemmse estimate --train fashion-mnist --count 10000 --measurements y.npy --operator denoising --sigma 0.2 --patch 5 --output lemmse.npy
      """)

  @Option(help: ArgumentHelp("The clean training images. " + dataReferenceHelp, valueName: "TRAIN"))
  var train: String
  @OptionGroup var selection: SelectionOptions
  @Option(help: "Measurements y, .npy of M×C×H×W (or C×H×W).")
  var measurements: String
  @OptionGroup var physics: OperatorOptions
  @Option(parsing: .unconditional, help: "Noise level σ of the measurements, in [1e-6, 1000].")
  var sigma: Double
  @Option(help: "le-mmse, l-mmse, e-mmse or mmse.")
  var estimator: EstimatorKind = .lemmse
  @Option(parsing: .unconditional, help: "Patch size P (odd, at most the image size), for le-mmse and l-mmse.")
  var patch: Int = 5
  @Option(help: "circular or zeros.")
  var padding: Padding = .circular
  @Option(parsing: .unconditional, help: "Threads, 1 … 1024 (default: all cores). Results do not depend on it.")
  var threads: Int = Parallel.defaultThreadCount
  @Option(name: .customLong("prune-threshold"), parsing: .unconditional,
          help: "Skip candidates more than T (in [1, 10000]) below the running maximum log-weight (where skipping pays: not in the circular box kernel, which computes every exponential).")
  var pruneThreshold: Double = 30
  @Flag(help: "Compute every exponential (no pruning).")
  var exact = false
  @Option(help: "A folder for diagnostic maps and top contributing patches (created when missing).")
  var diagnostics: String?
  @Option(parsing: .unconditionalSingleValue,
          help: "A pixel ROW,COLUMN whose top contributing training patches go to the diagnostics (repeatable; le-mmse and l-mmse).")
  var inspect: [String] = []
  @Flag(help: "With --diagnostics: the patchwork map of every image (the winning training image per pixel and how many candidates hold half the weight; le-mmse and l-mmse; about twice the cost of an exact estimate).")
  var patchwork = false
  @Option(name: .customLong("top-k"), parsing: .unconditional, help: "How many contributing patches to list per inspected pixel (1 … 10000).")
  var topK: Int = 8
  @Option(help: "Where to write the .npy estimate; OUT.json goes beside it (missing folders are created).")
  var output: String

  func validate() throws {
    guard AnalyticEstimator.sigmaRange.contains(sigma) else {
      throw ValidationError("--sigma must be in [1e-6, 1000] for the estimators (got \(sigma))")
    }
    guard patch > 0, patch % 2 == 1 else { throw ValidationError("--patch must be odd and positive (got \(patch))") }
    guard (1...1024).contains(threads) else { throw ValidationError("--threads must be in 1 … 1024 (got \(threads))") }
    guard AnalyticEstimator.pruneThresholdRange.contains(pruneThreshold) else {
      throw ValidationError("--prune-threshold must be in [1, 10000] (got \(pruneThreshold))")
    }
    guard (1...10_000).contains(topK) else { throw ValidationError("--top-k must be in 1 … 10000 (got \(topK))") }
    guard output.lowercased().hasSuffix(".npy") else { throw ValidationError("--output must name a .npy file (got \(output))") }
    if estimator == .emmse && padding == .zeros {
      throw ValidationError(AnalyticMMSEError.equivariantNeedsCircularPadding.description)
    }
    if !inspect.isEmpty && diagnostics == nil { throw ValidationError("--inspect needs --diagnostics DIR") }
    if patchwork && diagnostics == nil { throw ValidationError("--patchwork needs --diagnostics DIR") }
    if patchwork && !estimator.usesPatches {
      throw ValidationError("--patchwork is defined for le-mmse and l-mmse, not \(estimator.rawValue)")
    }
    if !inspect.isEmpty && !estimator.usesPatches {
      throw ValidationError("--inspect lists contributing patches of le-mmse and l-mmse, not \(estimator.rawValue)")
    }
    _ = try inspectedPixels()
  }

  func inspectedPixels() throws -> [(row: Int, column: Int)] {
    try inspect.map { text in
      let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard parts.count == 2, let row = parts[0], let column = parts[1], row >= 0, column >= 0 else {
        throw ValidationError("--inspect expects ROW,COLUMN with non-negative integers (got \(text))")
      }
      return (row, column)
    }
  }

  var outputURL: URL { fileURL(output) }
  var metadataURL: URL { outputURL.deletingPathExtension().appendingPathExtension("json") }

  func run() throws {
    // Every check that can fail runs before the estimate; every file is written at the end.
    try OutputFiles.checkFile(outputURL, flag: "--output")
    try OutputFiles.checkFile(metadataURL, flag: "--output (its .json)")
    if let diagnostics { try OutputFiles.checkFolder(fileURL(diagnostics), flag: "--diagnostics") }
    let y = try NumPyFile.read(contentsOf: fileURL(measurements))
    guard y.rank == 3 || y.rank == 4, y.count > 0 else {
      throw CommandError("\(measurements) has shape \(y.shape); expected M×C×H×W or C×H×W measurements with every extent ≥ 1")
    }
    if let bad = y.firstNonFiniteDescription { throw CommandError("\(measurements) has \(bad); expected finite measurements") }
    let (training, _) = try selection.load(train)
    let batch = y.asImageBatch.imageBatchShape
    for pixel in try inspectedPixels() where pixel.row >= batch.height || pixel.column >= batch.width {
      throw CommandError("--inspect \(pixel.row),\(pixel.column) is outside the \(batch.height)×\(batch.width) measurements; expected ROW < \(batch.height), COLUMN < \(batch.width)")
    }
    let op = try physics.makeOperator(height: batch.height, width: batch.width)
    let input = try physics.estimatorInput
    let settings = EstimatorSettings(estimator: estimator, patchSize: patch, padding: padding, sigma: sigma,
                                     pruneThreshold: exact ? nil : pruneThreshold, threads: threads)
    let analytic: AnalyticEstimator
    do {
      analytic = try AnalyticEstimator(training: training, forwardOperator: op, input: input, settings: settings)
    } catch let error as AnalyticMMSEError {
      throw CommandError("\(train): \(error.description)")
    }
    do {
      try analytic.checkMeasurements(y)
    } catch let error as AnalyticMMSEError {
      throw CommandError("\(measurements): \(error.description)")
    }
    let bar = ProgressBar("\(estimator.rawValue) of \(batch.count) image\(batch.count == 1 ? "" : "s")")
    let result = try analytic.estimate(measurements: y) { bar.update($0) }
    bar.finish()

    var outputs = OutputFiles()
    outputs.add(NumPyFile.encode(result.images.reshaped(y.shape)), to: outputURL)
    let metadata = EstimateMetadata(
      estimator: estimator.rawValue, patch: patch, padding: padding.rawValue, sigma: sigma, input: input.description,
      operator: op.description, training: train, trainingCount: training.imageBatchShape.count,
      measurements: measurements, statistics: result.statistics)
    outputs.add(try encodedJSON(metadata), to: metadataURL)
    if let diagnostics {
      let folder = fileURL(diagnostics)
      outputs.add(NumPyFile.encode(result.effectiveCandidates), to: folder.appendingPathComponent("effective_candidates.npy"))
      outputs.add(NumPyFile.encode(result.logDensity), to: folder.appendingPathComponent("log_density.npy"))
      // Maps with a viridis colour bar on their real scale (candidates on a log scale).
      let columns = 0..<batch.count
      let headers = columns.map { "image \($0)" }
      let candidateMaps = MapFigure(columnHeaders: headers, rows: [
        .init(name: "candidates", maps: columns.map { result.effectiveCandidates.image($0) }, scale: .logarithmic)])
      let densityMaps = MapFigure(columnHeaders: headers, rows: [
        .init(name: "log-density", maps: columns.map { result.logDensity.image($0) }, scale: .linear)])
      outputs.add(try PNGFile.encode(candidateMaps.png()), to: folder.appendingPathComponent("effective_candidates.png"))
      outputs.add(try PNGFile.encode(densityMaps.png()), to: folder.appendingPathComponent("log_density.png"))
      let u = try input.map(y.asImageBatch, for: op)
      var inspected: [InspectedPixel] = []
      for t in 0..<batch.count {
        for (row, column) in try inspectedPixels() {
          let contributors = try analytic.topContributors(input: u.image(t), row: row, column: column, count: topK)
          inspected.append(InspectedPixel(image: t, row: row, column: column, contributors: contributors))
        }
      }
      if !inspected.isEmpty { outputs.add(try encodedJSON(inspected), to: folder.appendingPathComponent("top_contributors.json")) }
      if patchwork {
        var winners: [Float] = [], counts: [Float] = []
        for t in 0..<batch.count {
          let map = try analytic.patchwork(input: u.image(t))
          winners += map.winningImages.map(Float.init)
          counts += map.halfWeightCounts.scalars
          let figure = PatchworkFigure(winners: map.winningImages, height: batch.height, width: batch.width,
                                       halfWeightCounts: map.halfWeightCounts)
          outputs.add(try PNGFile.encode(figure.png()), to: folder.appendingPathComponent("patchwork_\(t).png"))
          outputs.add(Data(try figure.svg().utf8), to: folder.appendingPathComponent("patchwork_\(t).svg"))
        }
        let mapShape = [batch.count, 1, batch.height, batch.width]
        outputs.add(NumPyFile.encode(Tensor(shape: mapShape, scalars: winners)), to: folder.appendingPathComponent("winning_image.npy"))
        outputs.add(NumPyFile.encode(Tensor(shape: mapShape, scalars: counts)), to: folder.appendingPathComponent("half_weight_counts.npy"))
      }
    }
    try outputs.commit()
    let statistics = result.statistics
    printError(String(format: "wrote %@ (%@, %.2f s, %@ pairs, %.2f%% pruned, skipped weight ≤ %.1e)", output,
                      statistics.kernel.rawValue, statistics.seconds, "\(statistics.candidatePairs)",
                      100 * Double(statistics.skippedPairs) / Double(max(statistics.candidatePairs, 1)),
                      statistics.skippedWeightBound))
  }
}

struct EstimateMetadata: Codable {
  var estimator: String
  var patch: Int
  var padding: String
  var sigma: Double
  var input: String
  var `operator`: String
  var training: String
  var trainingCount: Int
  var measurements: String
  var statistics: EstimateStatistics
}

struct InspectedPixel: Codable {
  var image: Int
  var row: Int
  var column: Int
  var contributors: [Contributor]
}
