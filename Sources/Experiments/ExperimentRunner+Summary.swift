import DataFiles
import Foundation
import ImageQuality
import Tensors

extension ExperimentRunner {
  /// The σ of the grid the summary figures show: the first, the middle and the last.
  var summarySigmas: [Double] {
    let sigmas = config.sigmas
    return Array(Set([sigmas.first!, sigmas[sigmas.count / 2], sigmas.last!])).sorted()
  }

  /// The paper's teaser, per data set and σ of `summarySigmas`: one row per operator, and the
  /// first test image as measured, as the LE-MMSE of every architecture's `P` computes it,
  /// as every architecture outputs it (captioned with its match), and as it truly is
  /// (`figures/summary_DATASET_sSIGMA.png`). Drawn from the files the settings left; a
  /// figure whose settings are not all finished is skipped.
  func writeSummaryFigures() throws {
    guard config.models.count > 1 || config.operators.count > 1 else { return }
    let input = config.inputs[0], count = config.nTrain[0]
    for dataset in config.datasets {
      figure: for sigma in summarySigmas {
        var headers: [String] = [], rows: [FigureGrid.Row] = []
        for op in config.operators {
          let settings = config.models.map {
            ExperimentSetting(dataset: dataset, operator: op, sigma: sigma, input: input.resolved(for: op.specification),
                              model: $0, nTrain: count)
          }
          guard let (titles, row) = summaryRow(op.name, settings: settings) else { continue figure }
          if headers.isEmpty { headers = titles }
          rows.append(row)
        }
        let name = "summary_\(dataset.spelling)_s\(sigma)".map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "-" }
        try FigureGrid(columnHeaders: headers, rows: rows)
          .write(to: outputDirectory.appendingPathComponent("figures").appendingPathComponent(String(name) + ".png"))
      }
    }
  }

  /// One operator's row of the summary and its column titles, or nil when a setting has not
  /// left its files.
  func summaryRow(_ name: String, settings: [ExperimentSetting]) -> (titles: [String], row: FigureGrid.Row)? {
    func first(_ file: String, _ setting: ExperimentSetting) -> Tensor? {
      let url = evaluationDirectory(setting).appendingPathComponent(file)
      return (try? NumPyFile.read(contentsOf: url))?.asImageBatch.image(0)
    }
    guard let y = first("measurements.npy", settings[0]), let truth = first("truth.npy", settings[0]) else { return nil }
    func decibels(_ value: Double) -> String { value.isFinite ? String(format: "%.1f dB", value) : "exact" }
    var panels = [FigureGrid.Panel(y, caption: decibels(psnr(y, truth)))], titles = ["measurement"]
    var shownPatches: Set<Int> = []
    for setting in settings {
      guard let network = first("network.npy", setting), let lemmse = first("lemmse.npy", setting),
            let record = Self.finishedRecord(in: evaluationDirectory(setting)) else { return nil }
      if shownPatches.insert(record.patch).inserted {
        panels.append(FigureGrid.Panel(lemmse, caption: decibels(psnr(lemmse, truth))))
        titles.append("LE-MMSE P=\(record.patch)")
      }
      panels.append(FigureGrid.Panel(network, caption: decibels(psnr(network, truth)) + "\nmatch " + decibels(psnr(network, lemmse))))
      titles.append(setting.model.model.rawValue)
    }
    panels.append(FigureGrid.Panel(truth))
    titles.append("ground truth")
    return (titles, FigureGrid.Row(name: name, panels: panels))
  }
}
