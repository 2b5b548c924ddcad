import Foundation

/// Line plots as small multiples: a grid of panels (e.g. one per data set × operator), one
/// colour per series group (e.g. the model) and one dash and marker per variant inside a group
/// (e.g. σ), the same in every panel, one shared legend, labelled axes, and an optional
/// horizontal reference line — as a self-contained SVG.
///
/// ```swift
/// let plot = SmallMultiplesPlot(
///   title: "Calibration", xLabel: "patch size P", yLabel: "PSNR(network, LE-MMSE) [dB]",
///   panels: [.init(title: "fashion-mnist · denoising", series: [.init(name: "patchmlp", points: [(3, 22), (5, 26)])])],
///   reference: .init(value: 25, label: "25 dB"))
/// try Data(plot.svg().utf8).write(to: url)
/// ```
///
/// Axes are honest: every panel's y range is `[min, max]` of its finite values (and of the
/// reference line) widened by 6 % of the span on both sides (by 0.5 when the span is 0), its x
/// range that of its points; no axis is cut to exaggerate a difference. Colours are the
/// Okabe–Ito palette (safe for the common colour-vision deficiencies), in the order the groups
/// first appear (after 8 groups the colours repeat); a group's series take solid, dashed,
/// dotted, … lines and circle, square, triangle, diamond markers in the order their names first
/// appear. Panels are `panelWidth × panelHeight` (300 × 210 by default) in rows of `columns`;
/// a panel title may have two lines (`\n`); the y axis is labelled on the first column, the x
/// axis under the lowest panel of every column; the legend sits under the panels.
public struct SmallMultiplesPlot: Sendable {
  /// A line: its name in the legend, the group that picks its colour (`nil`: the name), its points.
  public struct Series: Sendable {
    /// The name in the legend; series with the same name look the same in every panel.
    public var name: String
    /// The group that picks the colour (e.g. the model); `nil` uses the name.
    public var group: String?
    /// `(x, y)` points; non-finite ones (and `x ≤ 0` on a log x axis) are left out.
    public var points: [(Double, Double)]
    /// A series `name` of colour group `group` through `points`.
    public init(name: String, group: String? = nil, points: [(Double, Double)]) {
      self.name = name
      self.group = group
      self.points = points
    }
    var colorKey: String { group ?? name }
  }

  /// One panel: a title (one or two lines) and its series; series with the same name look the
  /// same in every panel.
  public struct Panel: Sendable {
    /// The panel's title; `\n` starts a second line.
    public var title: String
    /// The lines of the panel.
    public var series: [Series]
    /// A panel titled `title` with `series`.
    public init(title: String, series: [Series]) {
      self.title = title
      self.series = series
    }
  }

  /// A horizontal line at `value` in every panel (e.g. the paper's 25 dB), labelled `label`.
  public struct ReferenceLine: Sendable {
    /// The y value of the line, in the units of the y axis.
    public var value: Double
    /// Its entry in the legend.
    public var label: String
    /// A reference line at `value` named `label`.
    public init(value: Double, label: String) {
      self.value = value
      self.label = label
    }
  }

  /// The x axis: linear, or logarithmic with ticks labelled by the values (100, 1000, …).
  public enum XScale: String, Sendable, CaseIterable { case linear, logarithmic }

  /// The figure's title, over all panels.
  public var title: String
  /// The x-axis label with its unit, under the lowest panel of every column.
  public var xLabel: String
  /// The y-axis label with its unit, left of the first panel of every row.
  public var yLabel: String
  /// The panels, row by row.
  public var panels: [Panel]
  /// A horizontal line drawn in every panel (and included in every y range), or `nil`.
  public var reference: ReferenceLine?
  /// Linear or logarithmic x axis.
  public var xScale: XScale
  /// Explicit x ticks (e.g. the patch sizes); `nil` picks round values.
  public var xTicks: [Double]?
  /// Panels per row; `nil` gives 1, 2, 3, 2 for 1…4 panels and 3 for more.
  public var columns: Int?
  /// The width of a plot area, in SVG pixels.
  public var panelWidth: Double
  /// The height of a plot area, in SVG pixels.
  public var panelHeight: Double

  /// A plot of `panels`; see the type's documentation for the layout and the axes.
  public init(title: String, xLabel: String, yLabel: String, panels: [Panel], reference: ReferenceLine? = nil,
              xScale: XScale = .linear, xTicks: [Double]? = nil, columns: Int? = nil, panelWidth: Double = 300,
              panelHeight: Double = 210) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.panels = panels
    self.reference = reference
    self.xScale = xScale
    self.xTicks = xTicks
    self.columns = columns
    self.panelWidth = panelWidth
    self.panelHeight = panelHeight
  }

  /// Okabe & Ito (2008), "Color Universal Design": blue, vermillion, bluish green, reddish
  /// purple, orange, sky blue, black, yellow (yellow last: it is faint on white).
  public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
  static let dashes = ["", "6 3", "2 2", "8 3 2 3"]

  /// The series names in order of first appearance, as the legend lists them.
  public var seriesNames: [String] { styles.names }

  /// The colour of series `name` (`#RRGGBB`), the same in every panel.
  public func color(of name: String) -> String { Self.palette[styles.style[name]?.color ?? 0] }

  /// Every series name's colour (palette index) and variant (dash and marker index), and the
  /// legend's order: groups in order of first appearance, names in order within their group.
  var styles: (names: [String], style: [String: (color: Int, variant: Int, group: Int)]) {
    var groups: [String] = [], members: [String: [String]] = [:]
    for panel in panels {
      for series in panel.series {
        if members[series.colorKey] == nil { groups.append(series.colorKey); members[series.colorKey] = [] }
        if !members[series.colorKey]!.contains(series.name) { members[series.colorKey]!.append(series.name) }
      }
    }
    var names: [String] = [], style: [String: (color: Int, variant: Int, group: Int)] = [:]
    for (g, group) in groups.enumerated() {
      for (v, name) in members[group]!.enumerated() where style[name] == nil {
        names.append(name)
        style[name] = (g % Self.palette.count, v, g)
      }
    }
    return (names, style)
  }

  /// A tick label: at most 3 decimals, no trailing zeros, never "-0".
  static func format(_ value: Double) -> String {
    let text = String(format: "%g", (value * 1000).rounded() / 1000)
    return text == "-0" ? "0" : text
  }

  /// A panel title cut to `characters` per line, with `…` where it was cut.
  static func fitted(_ line: Substring, characters: Int) -> String {
    line.count > characters ? String(line.prefix(characters - 1)) + "…" : String(line)
  }

  static func marker(_ index: Int, x: Double, y: Double, color: String) -> String {
    switch index % 4 {
    case 0: return "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"3.5\" fill=\"\(color)\"/>"
    case 1: return "<rect x=\(q(x - 3.2)) y=\(q(y - 3.2)) width=\"6.4\" height=\"6.4\" fill=\"\(color)\"/>"
    case 2: return "<path d=\"M\(x) \(y - 4.2) L\(x + 4) \(y + 3) L\(x - 4) \(y + 3) Z\" fill=\"\(color)\"/>"
    default: return "<path d=\"M\(x) \(y - 4.5) L\(x + 4) \(y) L\(x) \(y + 4.5) L\(x - 4) \(y) Z\" fill=\"\(color)\"/>"
    }
  }

  static func q(_ value: Double) -> String { "\"\(value)\"" }
}
