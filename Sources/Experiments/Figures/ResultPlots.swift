import Foundation

/// The plots of an experiment grid as small multiples: one panel per data set × operator (in
/// the order of the records), one colour per model in every panel and one line style per σ, N
/// or input of that model.
///
/// | file | x | y | when |
/// | --- | --- | --- | --- |
/// | `density.svg` | log-density bin | PSNR(network, LE-MMSE) | records have density bins |
/// | `calibration.svg` | patch size P | PSNR(network, LE-MMSE) | records have a calibration sweep |
/// | `psnr_n.svg` | N (log) | the match and both PSNRs against the truth, 3 panels per row | N varies |
/// | `psnr_sigma.svg` | σ | PSNR(network, truth) per model and PSNR(LE-MMSE, truth) per P | σ varies |
/// | `psnr_epochs.svg` | training epochs | the match at the nominal and at the best P | `evaluate_epochs` |
///
/// Only the last epoch of a network enters the first four. All but `psnr_n.svg` and
/// `psnr_sigma.svg` draw the paper's 25 dB as a reference line.
public enum ResultPlots {
  /// Every plot that `records` can fill, with its file name, in the order of the table.
  public static func all(_ records: [ResultRecord]) -> [(name: String, plot: SmallMultiplesPlot)] {
    let last = lastEpochs(records)
    return [("density.svg", density(last)), ("calibration.svg", calibration(last)),
            ("psnr_n.svg", psnrAgainstTrainingSize(last)), ("psnr_sigma.svg", psnrAgainstSigma(last)),
            ("psnr_epochs.svg", matchAgainstEpochs(records))]
      .compactMap { name, plot in plot.map { (name, $0) } }
  }

  /// The key of the network and evaluation a record belongs to, whatever its epoch.
  static func curveKey(_ record: ResultRecord) -> String {
    "\(record.dataset) \(record.operator) \(record.model) \(record.input) σ=\(record.sigma) N=\(record.nTrain)"
  }

  /// The records of every network's last evaluated epoch (all of them without `evaluate_epochs`).
  static func lastEpochs(_ records: [ResultRecord]) -> [ResultRecord] {
    var last: [String: Int] = [:]
    for record in records { last[curveKey(record)] = Swift.max(last[curveKey(record)] ?? 0, record.epochs) }
    return records.filter { $0.epochs == last[curveKey($0)] }
  }

  /// The match at the nominal P (solid) and at the best P of the sweep (dashed) against the
  /// epochs of training, one panel per data set × operator × σ and one colour per model (and
  /// input and N, where they vary); `nil` when no network was evaluated at several epochs.
  public static func matchAgainstEpochs(_ records: [ResultRecord]) -> SmallMultiplesPlot? {
    let curves = ordered(records, by: curveKey).filter { Set($0.map(\.epochs)).count > 1 }.map { $0.sorted { $0.epochs < $1.epochs } }
    guard !curves.isEmpty else { return nil }
    let firsts = curves.map { $0[0] }
    let panels = ordered(firsts) { "\($0.dataset) · \($0.operator) · \($0.sigma)" }.map { group in
      let dataset = group[0].dataset.split(separator: "/").last.map(String.init) ?? group[0].dataset
      return SmallMultiplesPlot.Panel(
        title: "\(dataset) · \(group[0].operator)\nσ = \(group[0].sigma)",
        series: group.flatMap { record -> [SmallMultiplesPlot.Series] in
          let curve = curves.first { $0[0] == record }!
          let name = record.model + variant(record, among: group, varying: [.input, .trainingSize])
          return [.init(name: name + (record.nominalPatch.map { " P=\($0)" } ?? " its P"), group: name,
                        points: curve.map { (Double($0.epochs), $0.psnrNetworkLEMMSE ?? .nan) }),
                  .init(name: name + " best P", group: name,
                        points: curve.map { (Double($0.epochs), $0.psnrNetworkLEMMSEBest ?? .nan) })]
        })
    }
    return SmallMultiplesPlot(
      title: "Convergence toward the theory: the match against training epochs", xLabel: "training epochs",
      yLabel: "PSNR(network, LE-MMSE) [dB]", panels: panels, reference: paperReference,
      xTicks: Set(curves.flatMap { $0.map { Double($0.epochs) } }).sorted())
  }

  /// What may tell the lines of one model apart within a panel.
  enum Variation { case input, sigma, trainingSize }

  static let paperReference = SmallMultiplesPlot.ReferenceLine(value: 25, label: "25 dB (the paper's match)")

  /// The match against the log-density of the query patch; `nil` without density bins.
  public static func density(_ records: [ResultRecord]) -> SmallMultiplesPlot? {
    let withDensity = records.filter { ($0.density?.count ?? 0) > 1 }
    guard !withDensity.isEmpty else { return nil }
    return SmallMultiplesPlot(
      title: "Match against the density of the query patch", xLabel: "log-density log Σ exp(logit) (bin mean)",
      yLabel: "PSNR(network, LE-MMSE) [dB]",
      panels: panels(withDensity) { record, group in
        [.init(name: record.model + variant(record, among: group), group: record.model,
               points: record.density!.map { ($0.logDensity, $0.psnrNetworkLEMMSE) })]
      }, reference: paperReference)
  }

  /// The match against the patch size P of the LE-MMSE; `nil` without calibration sweeps.
  public static func calibration(_ records: [ResultRecord]) -> SmallMultiplesPlot? {
    let calibrated = records.filter { ($0.calibration?.count ?? 0) > 1 }
    guard !calibrated.isEmpty else { return nil }
    return SmallMultiplesPlot(
      title: "Calibration: PSNR(network, LE-MMSE) against P", xLabel: "patch size P [pixels]", yLabel: "PSNR(network, LE-MMSE) [dB]",
      panels: panels(calibrated) { record, group in
        [.init(name: record.model + variant(record, among: group), group: record.model,
               points: record.calibration!.map { (Double($0.patch), $0.psnrNetworkLEMMSE) })]
      }, reference: paperReference,
      xTicks: Set(calibrated.flatMap { $0.calibration!.map { Double($0.patch) } }).sorted())
  }

  /// The match and both PSNRs against the truth over the training-set size, one row of three
  /// panels per data set × operator; `nil` when no setting has several N.
  public static func psnrAgainstTrainingSize(_ records: [ResultRecord]) -> SmallMultiplesPlot? {
    let curves = ordered(records) { "\($0.dataset) \($0.operator) \($0.model) \($0.input) σ=\($0.sigma)" }
      .filter { Set($0.map(\.nTrain)).count > 1 }.map { $0.sorted { $0.nTrain < $1.nTrain } }
    guard !curves.isEmpty else { return nil }
    // Every curve is drawn once, for its first (smallest-N) record.
    func series(_ value: @escaping (ResultRecord) -> Double?) -> (ResultRecord, [ResultRecord]) -> [SmallMultiplesPlot.Series] {
      { record, group in
        guard let curve = curves.first(where: { $0[0] == record }) else { return [] }
        return [.init(name: record.model + variant(record, among: group, varying: [.input, .sigma]), group: record.model,
                      points: curve.map { (Double($0.nTrain), value($0) ?? .nan) })]
      }
    }
    let sized = curves.flatMap { $0 }
    let match = panels(sized, quantity: "PSNR(network, LE-MMSE)", series: series { $0.psnrNetworkLEMMSE })
    let network = panels(sized, quantity: "PSNR(network, truth)", series: series { $0.psnrNetworkTruth })
    let theory = panels(sized, quantity: "PSNR(LE-MMSE at the model's P, truth)", series: series { $0.psnrLEMMSETruth })
    return SmallMultiplesPlot(title: "Training-set size", xLabel: "training images N (log scale)", yLabel: "PSNR [dB]",
                              panels: (0..<match.count).flatMap { [match[$0], network[$0], theory[$0]] },
                              xScale: .logarithmic, columns: 3)
  }

  /// The PSNR of networks and LE-MMSE against the truth over σ; `nil` when no setting has several σ.
  public static func psnrAgainstSigma(_ records: [ResultRecord]) -> SmallMultiplesPlot? {
    let curves = ordered(records) { "\($0.dataset) \($0.operator) \($0.model) \($0.input) N=\($0.nTrain)" }
      .filter { Set($0.map(\.sigma)).count > 1 }.map { $0.sorted { $0.sigma < $1.sigma } }
    guard !curves.isEmpty else { return nil }
    return SmallMultiplesPlot(
      title: "PSNR against the noise level", xLabel: "noise level σ (images in [0, 1])", yLabel: "PSNR(·, truth) [dB]",
      panels: panels(curves.map { $0[0] }) { record, group in
        let curve = curves.first { $0[0] == record }!
        let suffix = variant(record, among: group, varying: [.input, .trainingSize])
        var lines = [SmallMultiplesPlot.Series(name: record.model + suffix, group: record.model,
                                               points: curve.map { ($0.sigma, $0.psnrNetworkTruth ?? .nan) })]
        // The LE-MMSE does not depend on the model: one line per P, input and N.
        let first = group.first { $0.patch == record.patch && $0.input == record.input && $0.nTrain == record.nTrain }!
        if first == record {
          lines.append(.init(name: "LE-MMSE P=\(record.patch)" + suffix, group: "LE-MMSE P=\(record.patch)",
                             points: curve.map { ($0.sigma, $0.psnrLEMMSETruth) }))
        }
        return lines
      })
  }

  /// `records` grouped by `key`, groups and their members in the order of `records`.
  static func ordered(_ records: [ResultRecord], by key: (ResultRecord) -> String) -> [[ResultRecord]] {
    var keys: [String] = [], groups: [String: [ResultRecord]] = [:]
    for record in records {
      let k = key(record)
      if groups[k] == nil { keys.append(k) }
      groups[k, default: []].append(record)
    }
    return keys.map { groups[$0]! }
  }

  /// One panel per data set × operator, titled by both (and `quantity` on a second line).
  static func panels(_ records: [ResultRecord], quantity: String = "",
                     series: (ResultRecord, [ResultRecord]) -> [SmallMultiplesPlot.Series]) -> [SmallMultiplesPlot.Panel] {
    ordered(records) { "\($0.dataset) · \($0.operator)" }.map { group in
      // A data set given by a path is named by its file or folder.
      let dataset = group[0].dataset.split(separator: "/").last.map(String.init) ?? group[0].dataset
      return SmallMultiplesPlot.Panel(title: "\(dataset) · \(group[0].operator)" + (quantity.isEmpty ? "" : "\n" + quantity),
                                      series: group.flatMap { series($0, group) })
    }
  }

  /// What tells this record's line from the others of its model in the panel: input, σ, N.
  static func variant(_ record: ResultRecord, among group: [ResultRecord],
                      varying: Set<Variation> = [.input, .sigma, .trainingSize]) -> String {
    let others = group.filter { $0.model == record.model }
    var parts: [String] = []
    if varying.contains(.input), Set(others.map(\.input)).count > 1 { parts.append(record.input) }
    if varying.contains(.sigma), Set(others.map(\.sigma)).count > 1 { parts.append("σ=\(record.sigma)") }
    if varying.contains(.trainingSize), Set(others.map(\.nTrain)).count > 1 { parts.append("N=\(record.nTrain)") }
    return parts.map { " " + $0 }.joined()
  }
}
