import Foundation

/// `results.csv` and `results.md` from result records.
public enum ResultTables {
  static let columns: [(String, @Sendable (ResultRecord) -> String)] = [
    ("dataset", { $0.dataset }), ("operator", { $0.operator }), ("sigma", { format($0.sigma, 3) }), ("input", { $0.input }),
    ("model", { $0.model }), ("patch", { "\($0.patch)" }), ("n_train", { "\($0.nTrain)" }), ("n_test", { "\($0.nTest)" }),
    ("epochs", { "\($0.epochs)" }),
    ("psnr_measurement_truth", { format($0.psnrMeasurementTruth) }),
    ("psnr_network_truth", { format($0.psnrNetworkTruth) }),
    ("psnr_lemmse_truth", { format($0.psnrLEMMSETruth) }),
    ("psnr_network_lemmse", { format($0.psnrNetworkLEMMSE) }),
    ("best_patch", { $0.bestPatch.map(String.init) ?? "" }),
    ("psnr_network_lemmse_best", { format($0.psnrNetworkLEMMSEBest) }),
    ("ssim_network_truth", { format($0.ssimNetworkTruth, 3) }),
    ("ssim_lemmse_truth", { format($0.ssimLEMMSETruth, 3) }),
    ("seconds_train", { format($0.secondsTrain, 1) }),
    ("seconds_lemmse", { format($0.secondsLEMMSE, 1) }),
    ("psnr_network_lemmse_observed", { format($0.regionMatch?.observed) }),
    ("psnr_network_lemmse_band", { format($0.regionMatch?.band) }),
    ("psnr_network_lemmse_deep", { format($0.regionMatch?.deep) }),
  ]

  static func format(_ value: Double?, _ digits: Int = 2) -> String {
    guard let value else { return "" }
    return String(format: "%.\(digits)f", value)
  }

  /// `results.csv`: a header of `results.json`'s keys and one line per record.
  ///
  /// The columns are the setting (`dataset` … `epochs`), the PSNRs against the truth
  /// (`psnr_measurement_truth`, `psnr_network_truth`, `psnr_lemmse_truth`) and of the match
  /// (`psnr_network_lemmse`, `best_patch`, `psnr_network_lemmse_best`) in dB with peak 1 and 2
  /// decimals, the SSIMs with 3 and the seconds with 1; σ has 3 decimals; for inpainting, the
  /// match over the observed pixels, the band and the deep hole at `patch` (`RegionMatch`),
  /// empty otherwise. The `range` PSNRs,
  /// `psnr_input_truth`, the sweep and the density bins are only in `results.json`. A missing
  /// value is an empty cell; a cell holding a comma is quoted.
  public static func csv(_ records: [ResultRecord]) -> String {
    var lines = [columns.map(\.0).joined(separator: ",")]
    for record in records {
      lines.append(columns.map { name, value in
        let text = value(record)
        return text.contains(",") ? "\"\(text)\"" : text
      }.joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// A readable table: the match at the nominal `P` and at the calibrated `P`, beside the
  /// paper's claim (≳ 25 dB). PSNRs in dB with peak 1.
  public static func markdown(_ records: [ResultRecord], title: String?) -> String {
    var text = "# \(title ?? "Results")\n\n"
    text += "PSNR in dB, peak 1, per image then averaged. *match* = PSNR(network, LE-MMSE): at the network's nominal "
      + "receptive field P, and at the best P of the calibration sweep; *sd* and *p10* are the standard deviation and "
      + "the 10th percentile of the per-image match over the test images. The paper's claim: ≳ 25 dB.\n\n"
    text += "| data | operator | σ | input | model | N | epochs | PSNR(y, x) | PSNR(net, x) | PSNR(LE-MMSE, x) "
      + "| match at P | sd | p10 | best P | match at best P | sd | p10 | ≥ 25 dB |\n"
    text += "|---|---|--:|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|:-:|\n"
    for record in records {
      let nominal = record.nominalPatch.map { "\(format(record.psnrNetworkLEMMSE)) (P=\($0))" } ?? "–"
      let best = record.psnrNetworkLEMMSEBest ?? record.psnrNetworkLEMMSE ?? .nan
      func spread(_ statistics: MatchStatistics?) -> String {
        statistics.map { "\(format($0.standardDeviation)) | \(format($0.percentile10))" } ?? "– | –"
      }
      text += "| \(record.dataset) | \(record.operator) | \(format(record.sigma, 2)) | \(record.input) | \(record.model) | "
        + "\(record.nTrain) | \(record.epochs) | \(format(record.psnrMeasurementTruth)) | \(format(record.psnrNetworkTruth)) | "
        + "\(format(record.psnrLEMMSETruth)) | \(nominal) | \(record.nominalPatch == nil ? "– | –" : spread(record.matchAtPatch)) | "
        + "\(record.bestPatch.map(String.init) ?? "–") | \(format(best)) | \(spread(record.matchAtBestPatch)) | "
        + "\(best >= 25 ? "yes" : "no") |\n"
    }
    let inpainting = records.filter { $0.regions != nil }
    if !inpainting.isEmpty {
      text += "\n## Inpainting by region\n\nThe match over the observed pixels, the hole pixels within P/2 of an observed one "
        + "(*band*) and the rest of the hole (*deep*: the query patch holds no observed pixel), at the nominal P and at the best P.\n\n"
      text += "| data | operator | σ | input | model | epochs | P | observed | band | deep | best P | observed | band | deep |\n"
      text += "|---|---|--:|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n"
      for record in inpainting {
        let cells = { (match: RegionMatch?) in
          [match?.observed, match?.band, match?.deep].map { $0.map { format($0) } ?? "–" }.joined(separator: " | ")
        }
        let best = record.regions!.first { $0.patch == record.bestPatch } ?? record.regionMatch
        text += "| \(record.dataset) | \(record.operator) | \(format(record.sigma, 2)) | \(record.input) | \(record.model) | "
          + "\(record.epochs) | \(record.patch) | \(cells(record.regionMatch)) | \(best?.patch.description ?? "–") | \(cells(best)) |\n"
      }
    }
    return text
  }
}
