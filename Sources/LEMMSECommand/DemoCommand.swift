import ArgumentParser
import Experiments
import Foundation
import Tensors
import DataFiles
import NeuralNetworks

struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Train a PatchMLP on FashionMNIST denoising and compare it with the LE-MMSE (the README's main job).",
    discussion: """
      Looks for FashionMNIST in $LEMMSE_DATA, ./data, ../shared/data, then where Debian's \
      dataset-fashion-mnist package installs it; without a full copy it uses the subset shipped \
      with LEMMSE (the first 2,000 training and 16 test images).
      """)

  @Option(help: "Where to write the figure and results (missing folders are created).")
  var output: String = "lemmse-demo"
  @Option(parsing: .unconditional, help: "Threads, 1…1024 (default: all cores).")
  var threads: Int = Parallel.defaultThreadCount

  func validate() throws {
    guard ExperimentRunner.threadLimit.contains(threads) else {
      throw ValidationError("--threads must be in \(ExperimentRunner.threadLimit.lowerBound)…\(ExperimentRunner.threadLimit.upperBound) (got \(threads))")
    }
  }

  func run() throws {
    var demo = Demo(outputDirectory: fileURL(output))
    demo.threads = threads
    let bar = ProgressBar("demo")
    let report: Demo.Report
    do {
      report = try demo.run { phase, fraction, detail in bar.update(fraction, label: phase, detail: detail) }
    } catch let error as DataFileError {
      bar.finish()
      if case .dataSetNotFound = error {
        throw ValidationError("""
          \(error)
          Get it with 'apt-get install dataset-fashion-mnist', or put the four IDX files of \
          https://github.com/zalandoresearch/fashion-mnist in ./data/fashion-mnist (or set LEMMSE_DATA).
          """)
      }
      throw error
    }
    bar.finish()
    let record = report.record
    print("data: \(report.dataDirectory.path) (\(report.usedEmbeddedSubset ? "the embedded subset: first 2,000 training and 16 test images" : "full copy"))")
    print("FashionMNIST denoising, σ = \(record.sigma): PatchMLP and LE-MMSE with P = \(record.patch), N = \(record.nTrain) training images, \(record.nTest) test images")
    print(String(format: "  PSNR(measurement, truth) = %.2f dB", record.psnrMeasurementTruth))
    print(String(format: "  PSNR(network, truth)     = %.2f dB   (SSIM %.3f, trained %d epochs in %.0f s)", record.psnrNetworkTruth ?? .nan,
                 record.ssimNetworkTruth ?? .nan, record.epochs, record.secondsTrain))
    print(String(format: "  PSNR(LE-MMSE, truth)     = %.2f dB   (SSIM %.3f, %.1f s)", record.psnrLEMMSETruth,
                 record.ssimLEMMSETruth, record.secondsLEMMSE))
    let match = record.psnrNetworkLEMMSE ?? .nan
    print(String(format: "  PSNR(network, LE-MMSE)   = %.2f dB   %@", match,
                 match >= 25 ? "≥ 25 dB: the network outputs what the theory predicts" : "below the paper's ≳ 25 dB"))
    print("  figure:  \(report.figure.path)")
    print("  results: \(report.results.path)")
  }
}
