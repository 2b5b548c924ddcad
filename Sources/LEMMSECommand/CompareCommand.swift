import ArgumentParser
import Experiments
import Foundation
import Tensors
import DataFiles
import Physics
import AnalyticMMSE
import NeuralNetworks

struct CompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Calibrate any network's outputs against the LE-MMSE over a sweep of patch sizes.",
    discussion: """
      --network holds the outputs of your network (M×C×H×W float .npy, e.g. saved from PyTorch \
      with numpy.save(f, out.detach().cpu().numpy())) and --measurements the y they came from, \
      in the same order. The LE-MMSE of every P of --patch is computed on the same inputs \
      (the --input map of y) and compared with the network: PSNR(network, LE-MMSE_P) with \
      peak 1, per image then averaged, and the cosine similarity. DIR receives results.json \
      ({"best_patch": P, "calibration": [{"patch", "psnr_network_lemmse", \
      "cosine_network_lemmse", …}]}), results.md, per_image.csv, the LE-MMSE at the best P \
      (lemmse_best.npy), figure.png and calibration.svg.

      Example:
        lemmse compare --network net.npy --measurements y.npy --train fashion-mnist --count 2000 \\
          --operator denoising --sigma 0.2 --output calibration
      """)

  @Option(help: "The network's outputs, .npy of M×C×H×W (or C×H×W), in the measurements' order.")
  var network: String
  @Option(help: "Measurements y, .npy of the same shape.")
  var measurements: String
  @Option(help: "Optional clean images x of the same shape, for PSNR against the truth and the figure.")
  var truth: String?
  @Option(help: ArgumentHelp("The clean training images. " + dataReferenceHelp, valueName: "TRAIN"))
  var train: String
  @OptionGroup var selection: SelectionOptions
  @OptionGroup var physics: OperatorOptions
  @Option(parsing: .unconditional, help: "Noise level σ of the measurements, in [1e-6, 1000].")
  var sigma: Double
  @Option(parsing: .unconditional, help: "Patch sizes of the sweep, odd, comma-separated (default 3,5,7,9,11,13, those that fit the images).")
  var patch: CommaSeparated<Int>?
  @Option(parsing: .unconditional, help: "Threads, 1 … 1024 (default: all cores). Results do not depend on it.")
  var threads: Int = Parallel.defaultThreadCount
  @Option(help: "The folder for the results (created when missing).")
  var output: String

  func validate() throws {
    guard AnalyticEstimator.sigmaRange.contains(sigma) else {
      throw ValidationError("--sigma must be in [1e-6, 1000] (got \(sigma))")
    }
    guard (1...1024).contains(threads) else { throw ValidationError("--threads must be in 1 … 1024 (got \(threads))") }
    if let patch {
      guard !patch.values.isEmpty else { throw ValidationError("--patch needs at least one patch size") }
      for size in patch.values where size <= 0 || size % 2 == 0 {
        throw ValidationError("--patch sizes must be odd and positive (got \(size) in \(patch))")
      }
    }
  }

  func run() throws {
    let folder = fileURL(output)
    try OutputFiles.checkFolder(folder, flag: "--output")
    for name in CalibrationReport.fileNames { try OutputFiles.checkFile(folder.appendingPathComponent(name), flag: "--output") }
    let outputs = try readImages(network, flag: "--network")
    let y = try readImages(measurements, flag: "--measurements")
    guard y.shape == outputs.shape else {
      throw CommandError("--network \(network) is \(outputs.shape.map(String.init).joined(separator: "×")) but --measurements \(measurements) is \(y.shape.map(String.init).joined(separator: "×")); expected the outputs of the network on these measurements, same shape")
    }
    let truthImages = try truth.map { try readTruth($0, shape: y.shape) }
    let shape = y.imageBatchShape
    let largest = Swift.max(shape.height, shape.width)
    let sweep = patch?.values ?? NetworkCalibration.defaultPatchSizes.filter { $0 <= largest }
    for size in sweep where size > largest {
      throw CommandError("--patch \(size) is larger than the \(shape.height)×\(shape.width) images; use odd sizes of at most \(largest % 2 == 1 ? largest : largest - 1)")
    }
    let (training, _) = try selection.load(train)
    let trainingShape = training.imageBatchShape
    guard trainingShape.channels == shape.channels, trainingShape.height == shape.height, trainingShape.width == shape.width else {
      throw CommandError("--train \(train) has images of \(trainingShape.channels)×\(trainingShape.height)×\(trainingShape.width); expected the measurements' C×H×W = \(shape.channels)×\(shape.height)×\(shape.width)")
    }
    let op = try physics.makeOperator(height: shape.height, width: shape.width)
    let input = physics.input
    let u: Tensor
    do {
      u = try input.map(y, for: op)
    } catch let error as PhysicsError {
      throw CommandError("--input: \(error.description)")
    }
    let bar = ProgressBar("LE-MMSE sweep P = \(sweep.map(String.init).joined(separator: ","))")
    let calibration: NetworkCalibration
    do {
      calibration = try NetworkCalibration.run(
        networkOutput: outputs, inputs: u, training: training, forwardOperator: op, input: input, sigma: sigma,
        patchSizes: sweep, threads: threads) { _, fraction in bar.update(fraction, label: "LE-MMSE, every P") }
    } catch let error as AnalyticMMSEError {
      bar.finish()
      throw CommandError("\(train): \(error.description)")
    }
    bar.finish()

    let report = CalibrationReport(
      calibration: calibration, networkFile: network, measurementsFile: measurements, training: train,
      trainingCount: trainingShape.count, operatorDescription: op.description, input: input.description, sigma: sigma,
      networkOutput: outputs, inputs: u, truth: truthImages)
    var files = OutputFiles()
    for (name, data) in try report.files() { files.add(data, to: folder.appendingPathComponent(name)) }
    try files.commit()
    let best = calibration.best
    print(String(format: "best P = %d: PSNR(network, LE-MMSE) = %.2f dB, cosine %.4f", best.patch, best.psnrNetworkLEMMSE, best.cosineNetworkLEMMSE))
    for point in calibration.points {
      print(String(format: "  P = %2d: %6.2f dB, cosine %.4f", point.patch, point.psnrNetworkLEMMSE, point.cosineNetworkLEMMSE))
    }
    print("results: \(folder.appendingPathComponent("results.json").path)")
  }

  /// Reads `--truth`: images of the measurements' `shape`.
  func readTruth(_ path: String, shape: [Int]) throws -> Tensor {
    let x = try readImages(path, flag: "--truth")
    guard x.shape == shape else {
      throw CommandError("--truth \(path) is \(x.shape.map(String.init).joined(separator: "×")); expected the measurements' shape \(shape.map(String.init).joined(separator: "×"))")
    }
    return x
  }

  /// Reads an `.npy` of images (`M × C × H × W` or `C × H × W`) with finite values, naming the flag.
  func readImages(_ path: String, flag: String) throws -> Tensor {
    let tensor = try NumPyFile.read(contentsOf: fileURL(path))
    guard tensor.rank == 3 || tensor.rank == 4, tensor.count > 0 else {
      throw CommandError("\(flag) \(path) has shape \(tensor.shape); expected M×C×H×W or C×H×W with every extent ≥ 1")
    }
    if let bad = tensor.firstNonFiniteDescription { throw CommandError("\(flag) \(path) has \(bad); expected finite values") }
    return tensor.asImageBatch
  }
}
