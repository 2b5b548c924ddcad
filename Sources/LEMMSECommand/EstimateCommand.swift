import ArgumentParser
import Experiments
import Foundation
import Tensors
import DataFiles
import Physics
import AnalyticMMSE
import NeuralNetworks
import Cluster

struct EstimateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "estimate",
    abstract: "Compute an analytic estimator (LE-MMSE, L-MMSE, E-MMSE, MMSE) of measurements.",
    discussion: """
      --measurements holds y (not B y); the command applies the --input map itself. The output \
      is float32 .npy of the measurements' shape; OUT.json beside it records the settings, the \
      kernel that ran, timings, and how many candidates pruning skipped with a bound on their \
      weight. With several patch sizes (--patch 3,5,7,9,11) OUT.npy stacks one estimate per \
      size, K×M×C×H×W in the order given (the circular box kernel computes them in one pass), \
      and OUT.json lists "patches" and one "statistics" entry per size. --diagnostics DIR writes the effective number of candidates 1/Σw² and the \
      log-density log Σ exp(logit) per pixel (.npy and PNG), and with --inspect ROW,COLUMN the \
      top contributing training patches of that pixel (JSON).

      Example:
        lemmse measure --images fashion-mnist --split test --count 4 --operator denoising --sigma 0.2 --output y.npy
        lemmse estimate --train fashion-mnist --count 10000 --measurements y.npy --operator denoising --sigma 0.2 --patch 5 --output lemmse.npy
        lemmse estimate --train fashion-mnist --count 10000 --measurements y.npy --operator denoising --sigma 0.2 --patch 3,5,7,9,11 --output sweep.npy

      Sharded over a scheduler's job array (task I of K writes its part; merge gives the same bits):
        lemmse estimate … --shard I/K --partial part_I.npz
        lemmse merge part_*.npz --output lemmse.npy
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
  @Option(parsing: .unconditional,
          help: "Patch size P (odd, at most the image size), for le-mmse and l-mmse; or several, e.g. 3,5,7,9,11, stacked in OUT.npy as K×M×C×H×W.")
  var patch: CommaSeparated<Int> = CommaSeparated([5])
  @Option(help: "circular or zeros.")
  var padding: Padding = .circular
  @Option(parsing: .unconditional, help: "Threads, 1 … 1024 (default: all cores, shared among the ranks of mpirun on this machine). Results do not depend on it.")
  var threads: Int?
  @Option(name: .customLong("prune-threshold"), parsing: .unconditional,
          help: "Skip candidates more than T (in [1, 10000]) below the running maximum log-weight (each weighs below e^-T of the best; OUT.json bounds their total).")
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
  var output: String?
  @Option(help: ArgumentHelp("Compute only part I of K of the training set (0 ≤ I < K) into --partial; 'lemmse merge' of all K parts writes the estimate.", valueName: "I/K"))
  var shard: String?
  @Option(help: "With --shard: the .npz file for this shard's part (--output, if given, is left to 'lemmse merge').")
  var partial: String?

  func validate() throws {
    guard AnalyticEstimator.sigmaRange.contains(sigma) else {
      throw ValidationError("--sigma must be in [1e-6, 1000] for the estimators (got \(sigma))")
    }
    try validatePatchSizes()
    if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be in 1 … 1024 (got \(threads))") }
    guard AnalyticEstimator.pruneThresholdRange.contains(pruneThreshold) else {
      throw ValidationError("--prune-threshold must be in [1, 10000] (got \(pruneThreshold))")
    }
    guard (1...10_000).contains(topK) else { throw ValidationError("--top-k must be in 1 … 10000 (got \(topK))") }
    try validateDestination()
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

  /// `--output OUT.npy`, or with `--shard` a `--partial PART.npz` and no outputs of the estimate.
  func validateDestination() throws {
    if let shard {
      do {
        _ = try TrainingShard(parsing: shard)
      } catch let error as AnalyticMMSEError {
        throw ValidationError("--shard: \(error.description)")
      }
      guard let partial else { throw ValidationError("--shard needs --partial PART.npz for its part") }
      guard partial.lowercased().hasSuffix(".npz") else { throw ValidationError("--partial must name a .npz file (got \(partial))") }
      guard diagnostics == nil else {
        throw ValidationError("--diagnostics needs the whole estimate; give it to the single command (or run it after 'lemmse merge')")
      }
      if let output, !output.lowercased().hasSuffix(".npy") { throw ValidationError("--output must name a .npy file (got \(output))") }
      return
    }
    guard partial == nil else { throw ValidationError("--partial needs --shard I/K") }
    guard let output else { throw ValidationError("missing --output OUT.npy (or --shard I/K with --partial PART.npz)") }
    guard output.lowercased().hasSuffix(".npy") else { throw ValidationError("--output must name a .npy file (got \(output))") }
  }

  /// `--threads`, or this machine's cores divided among the ranks running on it (`LEMMSE.main`
  /// shares them out under mpirun).
  var threadCount: Int { threads ?? Parallel.defaultThreadCount }

  /// The patch sizes, in the order given.
  var patchSizes: [Int] { patch.values }

  /// Every size odd and positive, none twice; several only for the patch estimators. Sizes
  /// against the image are checked once the measurements are read.
  func validatePatchSizes() throws {
    for size in patchSizes where size <= 0 || size % 2 == 0 {
      throw ValidationError("--patch must be odd and positive (got \(size))")
    }
    var seen = Set<Int>()
    for size in patchSizes where !seen.insert(size).inserted {
      throw ValidationError("--patch lists \(size) twice; list each size once")
    }
    if patchSizes.count > 1 && !estimator.usesPatches {
      throw ValidationError("--patch lists several sizes, but \(estimator.rawValue) does not use patches; give one size, or use le-mmse or l-mmse")
    }
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

  var outputURL: URL { fileURL(output ?? "") }
  var metadataURL: URL { outputURL.deletingPathExtension().appendingPathExtension("json") }

  func run() throws {
    let world = Cluster.world
    guard world.size == 1 else { return try runDistributed(on: world) }
    let prepared = try prepare()
    if let shard, let partial {
      let part = try TrainingShard(parsing: shard)
      let bar = ProgressBar(progressLabel(prepared) + ", shard \(part)")
      let result = try prepared.analytic.partialEstimate(measurements: prepared.y, patchSizes: patchSizes, shard: part) { bar.update($0) }
      bar.finish()
      var outputs = OutputFiles()
      outputs.add(try PartialFile.encode(result, record: prepared.record, name: partial), to: fileURL(partial))
      try outputs.commit()
      let later = output.map { " into \($0)" } ?? ""
      printError("wrote \(partial) (shard \(part); 'lemmse merge' of all \(part.count) parts writes the estimate\(later))")
      return
    }
    let bar = ProgressBar(progressLabel(prepared))
    let start = Date()
    let results = try prepared.analytic.estimate(measurements: prepared.y, patchSizes: patchSizes) { bar.update($0) }
    bar.finish()
    try write(results, prepared, seconds: Date().timeIntervalSince(start))
  }

  /// The validated inputs of an estimate: measurements, training set, operator, input map, the
  /// estimator of the first patch size, and what OUT.json will record.
  struct Prepared {
    var y: Tensor
    var training: Tensor
    var op: ForwardOperator
    var input: EstimatorInput
    var analytic: AnalyticEstimator
    var record: EstimateRecord
  }

  /// Every check that can fail, before any work: destinations, files, shapes, values, settings.
  func prepare() throws -> Prepared {
    if let partial {
      try OutputFiles.checkFile(fileURL(partial), flag: "--partial")
    } else {
      try OutputFiles.checkFile(outputURL, flag: "--output")
      try OutputFiles.checkFile(metadataURL, flag: "--output (its .json)")
    }
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
    for size in patchSizes where estimator.usesPatches && size > max(batch.height, batch.width) {
      throw CommandError("--patch: \(AnalyticMMSEError.patchTooLarge(patchSize: size, height: batch.height, width: batch.width).description)")
    }
    let op = try physics.makeOperator(height: batch.height, width: batch.width)
    let input = try physics.estimatorInput
    let analytic = try makeEstimator(training: training, operator: op, input: input, patchSize: patchSizes[0])
    do {
      try analytic.checkMeasurements(y)
    } catch let error as AnalyticMMSEError {
      throw CommandError("\(measurements): \(error.description)")
    }
    return Prepared(y: y, training: training, op: op, input: input, analytic: analytic,
                    record: record(shape: y.shape, training: training, operator: op, input: input))
  }

  func progressLabel(_ prepared: Prepared) -> String {
    let count = prepared.y.asImageBatch.imageBatchShape.count
    return "\(estimator.rawValue) of \(count) image\(count == 1 ? "" : "s")" + (patchSizes.count == 1 ? "" : " at P = \(patch)")
  }

  /// OUT.npy, OUT.json and the diagnostics, all renamed into place together; then the summary.
  func write(_ results: [Estimate], _ prepared: Prepared, seconds: Double) throws {
    var outputs = OutputFiles()
    try prepared.record.addEstimates(results, output: outputURL, to: &outputs)
    if let diagnostics {
      let u = try prepared.input.map(prepared.y.asImageBatch, for: prepared.op)
      try addDiagnostics(results, inputs: u, folder: fileURL(diagnostics), to: &outputs) { size in
        size == patchSizes[0] ? prepared.analytic
          : try makeEstimator(training: prepared.training, operator: prepared.op, input: prepared.input, patchSize: size)
      }
    }
    try outputs.commit()
    printError(Self.summary(results, output: output ?? "", seconds: seconds))
  }

  /// The estimator for one patch size, its errors naming the training set.
  func makeEstimator(training: Tensor, operator op: ForwardOperator, input: EstimatorInput, patchSize: Int) throws -> AnalyticEstimator {
    let settings = EstimatorSettings(estimator: estimator, patchSize: patchSize, padding: padding, sigma: sigma,
                                     pruneThreshold: exact ? nil : pruneThreshold, threads: threadCount)
    do {
      return try AnalyticEstimator(training: training, forwardOperator: op, input: input, settings: settings)
    } catch let error as AnalyticMMSEError {
      throw CommandError("\(train): \(error.description)")
    }
  }

  /// One line: kernels, time, pairs, the pruned fraction and the largest skipped-weight bound.
  static func summary(_ results: [Estimate], output: String, seconds: Double) -> String {
    let statistics = results.map(\.statistics)
    let kernels = Array(Set(statistics.map(\.kernel.rawValue))).sorted().joined(separator: ", ")
    let pairs = statistics.reduce(0) { $0 + $1.candidatePairs }, skipped = statistics.reduce(0) { $0 + $1.skippedPairs }
    let sizes = results.count == 1 ? "" : "\(results.count) patch sizes, "
    return String(format: "wrote %@ (%@%@, %.2f s, %@ pairs, %.2f%% pruned, skipped weight ≤ %.1e)", output, sizes, kernels,
                  results.count == 1 ? statistics[0].seconds : seconds, "\(pairs)",
                  100 * Double(skipped) / Double(max(pairs, 1)), statistics.map(\.skippedWeightBound).max() ?? 0)
  }
}
