import Foundation
import Tensors
import DataFiles
import ImageQuality

/// The files `lemmse compare` writes for one calibration: `results.json`, `results.md`,
/// `per_image.csv`, `lemmse_best.npy`, `figure.png`, `figure.svg` and `calibration.svg`.
///
/// `results.json` holds `{"best_patch": P, "calibration": [{"patch": P,
/// "psnr_network_lemmse": dB, "cosine_network_lemmse": c, "per_image_psnr_network_lemmse":
/// [dB, …]}, …], …}` with PSNR of peak 1, per image then averaged.
public struct CalibrationReport: Sendable {
  /// The names of the files `files()` returns, for checking destinations before any work.
  public static let fileNames = ["results.json", "results.md", "per_image.csv", "lemmse_best.npy", "figure.png", "figure.svg",
                                 "calibration.svg"]

  /// The sweep: per `P` the match of the network with the LE-MMSE and the LE-MMSE estimate;
  /// its `best` is the report's best `P`.
  public var calibration: NetworkCalibration
  /// The `.npy` of the network outputs as given (`--network`); `network` in `results.json`.
  public var networkFile: String
  /// The `.npy` of the measurements `y` the inputs were computed from (`--measurements`);
  /// `measurements` in `results.json`.
  public var measurementsFile: String
  /// The LE-MMSE's training images as the user named them (`--train`); `training` in
  /// `results.json`.
  public var training: String
  /// Training images `N` of the LE-MMSE; `n_train` in `results.json`.
  public var trainingCount: Int
  /// `A` as `ForwardOperator.description` prints it (`inpainting (559 of 784 pixels
  /// observed)`); `operator` in `results.json`, and in the titles.
  public var operatorDescription: String
  /// The estimator input `B` in its spelling (`agnostic`, `wiener:0.01`, …): `agnostic` names
  /// the figure's first row "measurement", any other input "input".
  public var input: String
  /// The noise level `σ` of the measurements, which the LE-MMSE assumes.
  public var sigma: Double
  /// The network's outputs, `M × C × H × W`.
  public var networkOutput: Tensor
  /// The estimator inputs `u = B y`, `M × C × H × W`.
  public var inputs: Tensor
  /// The clean images, when given.
  public var truth: Tensor?

  /// A report of `calibration`, with the names of its sources for the files and titles.
  /// `networkOutput` and `inputs` are `M × C × H × W`; `truth`, when given, the same shape.
  public init(calibration: NetworkCalibration, networkFile: String, measurementsFile: String, training: String,
              trainingCount: Int, operatorDescription: String, input: String, sigma: Double, networkOutput: Tensor,
              inputs: Tensor, truth: Tensor?) {
    self.calibration = calibration
    self.networkFile = networkFile
    self.measurementsFile = measurementsFile
    self.training = training
    self.trainingCount = trainingCount
    self.operatorDescription = operatorDescription
    self.input = input
    self.sigma = sigma
    self.networkOutput = networkOutput
    self.inputs = inputs
    self.truth = truth
  }

  /// What `results.json` holds.
  public struct Summary: Codable, Equatable, Sendable {
    /// The `P` of the highest mean `PSNR(network, LE-MMSE_P)`.
    public var bestPatch: Int
    /// `PSNR(network, LE-MMSE)` at the best `P`, dB.
    public var psnrNetworkLEMMSEBest: Double
    /// Every `P` of the sweep, increasing: `PSNR(network, LE-MMSE_P)` (peak 1, mean and per
    /// image, dB) and the cosine similarity.
    public var calibration: [NetworkCalibration.Point]
    /// `PSNR(network, truth)`: the network outputs against the clean images, peak 1, dB;
    /// nil without `--truth`.
    public var psnrNetworkTruth: Double?
    /// `PSNR(LE-MMSE_best, truth)`: the LE-MMSE at `bestPatch` against the clean images,
    /// peak 1, dB; nil without `--truth`.
    public var psnrLEMMSETruth: Double?
    /// The file of the network outputs (`networkFile`).
    public var network: String
    /// The file of the measurements (`measurementsFile`).
    public var measurements: String
    /// The LE-MMSE's training images as the user named them.
    public var training: String
    /// Training images `N` of the LE-MMSE.
    public var nTrain: Int
    /// Measurements `M` compared: the number of network outputs.
    public var nTest: Int
    /// `A` as `ForwardOperator.description` prints it.
    public var `operator`: String
    /// The estimator input `B` in its spelling (`agnostic`, `adjoint`, …).
    public var input: String
    /// The noise level `σ` of the measurements and of the LE-MMSE.
    public var sigma: Double

    enum CodingKeys: String, CodingKey {
      case bestPatch = "best_patch", psnrNetworkLEMMSEBest = "psnr_network_lemmse_best", calibration
      case psnrNetworkTruth = "psnr_network_truth", psnrLEMMSETruth = "psnr_lemmse_truth"
      case network, measurements, training, nTrain = "n_train", nTest = "n_test", `operator`, input, sigma
    }
  }

  /// The summary written to `results.json`.
  public var summary: Summary {
    let best = calibration.best
    let bestEstimate = calibration.estimates[best.patch]!.images
    return Summary(
      bestPatch: best.patch, psnrNetworkLEMMSEBest: best.psnrNetworkLEMMSE, calibration: calibration.points,
      psnrNetworkTruth: truth.map { psnr(networkOutput, $0) }, psnrLEMMSETruth: truth.map { psnr(bestEstimate, $0) },
      network: networkFile, measurements: measurementsFile, training: training, nTrain: trainingCount,
      nTest: networkOutput.imageBatchShape.count, operator: operatorDescription, input: input, sigma: sigma)
  }

  /// Every file's name and contents.
  public func files() throws -> [(String, Data)] {
    let summary = summary
    let best = calibration.best
    let bestEstimate = calibration.estimates[best.patch]!.images
    let figure = self.figure(bestEstimate: bestEstimate, patch: best.patch)
    return [
      ("results.json", try encodedJSON(summary)),
      ("results.md", Data(markdown(summary).utf8)),
      ("per_image.csv", Data(perImageCSV().utf8)),
      ("lemmse_best.npy", NumPyFile.encode(bestEstimate)),
      ("figure.png", try PNGFile.encode(figure.png())),
      ("figure.svg", Data(try figure.svg().utf8)),
      ("calibration.svg", Data(calibrationPlot().svg().utf8)),
    ]
  }

  func markdown(_ summary: Summary) -> String {
    var text = """
      # Calibration of \(networkFile) against the LE-MMSE

      \(summary.nTest) measurements (\(measurementsFile)), \(operatorDescription), σ = \(sigma), input \(input); \
      LE-MMSE from \(trainingCount) training images (\(training)).
      PSNR with peak 1, per image then averaged.

      **Best P = \(summary.bestPatch): PSNR(network, LE-MMSE) = \(String(format: "%.2f", summary.psnrNetworkLEMMSEBest)) dB**

      | P | PSNR(network, LE-MMSE) [dB] | cosine | worst image [dB] |
      |--:|--:|--:|--:|

      """
    for point in summary.calibration {
      text += String(format: "| %d | %.2f | %.4f | %.2f |\n", point.patch, point.psnrNetworkLEMMSE, point.cosineNetworkLEMMSE,
                     point.perImagePSNRNetworkLEMMSE.min() ?? .nan)
    }
    if let network = summary.psnrNetworkTruth, let lemmse = summary.psnrLEMMSETruth {
      text += String(format: "\nAgainst the truth: PSNR(network, truth) = %.2f dB, PSNR(LE-MMSE at P = %d, truth) = %.2f dB.\n",
                     network, summary.bestPatch, lemmse)
    }
    return text
  }

  func perImageCSV() -> String {
    var text = "image," + calibration.points.map { "psnr_network_lemmse_p\($0.patch)" }.joined(separator: ",") + "\n"
    for image in 0..<networkOutput.imageBatchShape.count {
      text += "\(image)," + calibration.points.map { String(format: "%.4f", $0.perImagePSNRNetworkLEMMSE[image]) }.joined(separator: ",") + "\n"
    }
    return text
  }

  /// Rows: input / LE-MMSE at the best P / network (/ truth), one column per image (at most
  /// 8); captions give the PSNR against the truth when it is known and the network's match.
  func figure(bestEstimate: Tensor, patch: Int) -> FigureGrid {
    let columns = Array(0..<Swift.min(networkOutput.imageBatchShape.count, 8))
    let header = { (k: Int) in "image \(k)" }
    if let truth {
      return FigureGrid.comparison(measurement: inputs, lemmse: bestEstimate, network: networkOutput, truth: truth,
                                   columns: columns, columnHeader: header,
                                   measurementName: input == "agnostic" ? "measurement" : "input")
    }
    func decibels(_ value: Double) -> String { value.isFinite ? String(format: "%.1f dB", value) : "exact" }
    return FigureGrid(columnHeaders: columns.map(header), rows: [
      FigureGrid.Row(name: input == "agnostic" ? "measurement" : "input", panels: columns.map { FigureGrid.Panel(inputs.image($0)) }),
      FigureGrid.Row(name: "LE-MMSE P=\(patch)", panels: columns.map { FigureGrid.Panel(bestEstimate.image($0)) }),
      FigureGrid.Row(name: "network", panels: columns.map { k in
        FigureGrid.Panel(networkOutput.image(k), caption: "match " + decibels(psnr(networkOutput.image(k), bestEstimate.image(k))))
      }),
    ])
  }

  func calibrationPlot() -> SmallMultiplesPlot {
    let points = calibration.points.map { (Double($0.patch), $0.psnrNetworkLEMMSE) }
    return SmallMultiplesPlot(
      title: "Calibration of \(URL(fileURLWithPath: networkFile).lastPathComponent) against the LE-MMSE",
      xLabel: "patch size P", yLabel: "PSNR(network, LE-MMSE) [dB]",
      panels: [SmallMultiplesPlot.Panel(title: "\(operatorDescription), σ = \(sigma)", series: [SmallMultiplesPlot.Series(name: "network", points: points)])],
      reference: SmallMultiplesPlot.ReferenceLine(value: 25, label: "25 dB"),
      xTicks: calibration.points.map { Double($0.patch) })
  }
}
