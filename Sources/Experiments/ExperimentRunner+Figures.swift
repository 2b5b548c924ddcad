import Foundation
import DataFiles
import Tensors
import Physics
import AnalyticMMSE

extension ExperimentRunner {
  /// A setting's figures: measurement / LE-MMSE / network / truth (in its folder and in
  /// `figures/`), the maps of effective candidates and log-density, and the training patches
  /// that win at the centre pixel of the first test image (with `top_contributors.json`).
  func writeFigures(of setting: ExperimentSetting, outcome: Comparison.Outcome, training: Tensor,
                    forwardOperator: ForwardOperator, directory: URL) throws {
    let figures = outputDirectory.appendingPathComponent("figures")
    let reference = outcome.reference
    let columns = 0 ..< Swift.min(config.nTest, 8)
    let maps = MapFigure(columnHeaders: columns.map { "test image \($0)" }, rows: [
      .init(name: "candidates", maps: columns.map { reference.effectiveCandidates.image($0) }, scale: .logarithmic),
      .init(name: "log-density", maps: columns.map { reference.logDensity.image($0) }, scale: .linear)])
    try maps.write(to: figures.appendingPathComponent(setting.key + "_maps.png"))

    let shape = training.imageBatchShape
    let (row, column) = (shape.height / 2, shape.width / 2)
    let patch = outcome.record.patch
    let winners = try AnalyticEstimator(
      training: training, forwardOperator: forwardOperator, input: setting.input,
      settings: EstimatorSettings(estimator: .lemmse, patchSize: patch, sigma: setting.sigma, threads: threads))
      .topContributors(input: outcome.u.image(0), row: row, column: column, count: 8)
    try writeJSON(winners, to: directory.appendingPathComponent("top_contributors.json"))
    let radius = patch / 2
    let strip = [outcome.u.image(0).circularPatch(row: row, column: column, radius: radius)]
      + winners.map { training.image($0.image).circularPatch(row: $0.row, column: $0.column, radius: radius) }
    let topK = FigureGrid(columnHeaders: ["query"] + winners.indices.map { "top \($0 + 1)" }, rows: [
      .init(name: "", panels: zip(strip, [""] + winners.map { String(format: "image %d\nw %.3f", $0.image, $0.weight) })
        .map { FigureGrid.Panel($0, caption: $1) })])
    try topK.write(to: figures.appendingPathComponent(setting.key + "_topk.png"))

    let grid = FigureGrid.comparison(measurement: outcome.u, lemmse: reference.images, network: outcome.networkOutput,
                                     truth: outcome.truth,
                                     columns: columns, columnHeader: { "test image \($0)" },
                                     measurementName: setting.input == .agnostic ? "measurement" : "input")
    try grid.write(to: directory.appendingPathComponent("figure.png"))
    try grid.write(to: figures.appendingPathComponent(setting.key + ".png"))
  }

  /// The paper's Figure 1 for one σ-conditional network: one column per σ of `group`, rows
  /// measurement / LE-MMSE / network / ground truth of the first test image, each panel with
  /// its PSNR against the truth (and the network's match). Read from the files every σ's
  /// evaluation left, so it is drawn also when some σ finished in an earlier run.
  /// Skipped when some σ has not left its files (its run folder was pruned to `result.json`).
  func writeSigmaFigure(of group: [ExperimentSetting]) throws {
    let names = ["measurements.npy", "lemmse.npy", "network.npy", "truth.npy"]
    let drawable = group.allSatisfy { setting in
      names.allSatisfy { FileManager.default.fileExists(atPath: evaluationDirectory(setting).appendingPathComponent($0).path) }
    }
    guard drawable else { return }
    func first(_ name: String, _ setting: ExperimentSetting) throws -> Tensor {
      try NumPyFile.read(contentsOf: evaluationDirectory(setting).appendingPathComponent(name)).asImageBatch.image(0)
    }
    let y = try Tensor.stack(group.map { try first("measurements.npy", $0) })
    let lemmse = try Tensor.stack(group.map { try first("lemmse.npy", $0) })
    let network = try Tensor.stack(group.map { try first("network.npy", $0) })
    let truth = try Tensor.stack(group.map { try first("truth.npy", $0) })
    let grid = FigureGrid.comparison(measurement: y, lemmse: lemmse, network: network, truth: truth, columns: group.indices,
                                     columnHeader: { "σ = \(group[$0].sigma)" })
    try grid.write(to: sigmaFigureURL(of: group))
  }

  /// Where `writeSigmaFigure(of:)` puts the group's figure (and its SVG beside it).
  func sigmaFigureURL(of group: [ExperimentSetting]) -> URL {
    outputDirectory.appendingPathComponent("figures").appendingPathComponent(group[0].trainingKey + "_sigmas.png")
  }
}
