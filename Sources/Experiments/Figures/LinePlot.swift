import Foundation

/// A line chart as a self-contained SVG: axes with ticks and labels, one coloured line with
/// markers per series (Okabe–Ito colours, repeating after 8), and a legend. For several panels
/// with colours kept per series name, use `SmallMultiplesPlot`.
public struct LinePlot: Sendable {
  /// One line of the plot: its legend entry and its points.
  public struct Series: Sendable {
    /// The legend entry; a name longer than 52 characters is cut to 51 and "…".
    public var name: String
    /// `(x, y)` pairs in data units, in any order (drawn sorted by `x`); a pair with a NaN or
    /// ±∞ is left out.
    public var points: [(Double, Double)]
    /// A series `name` through `points`.
    public init(name: String, points: [(Double, Double)]) {
      self.name = name
      self.points = points
    }
  }

  /// The heading centred above the plot.
  public var title: String
  /// The label under the x axis, with its unit (`"patch size P"`).
  public var xLabel: String
  /// The label along the y axis, rotated, with its unit (`"PSNR [dB]"`).
  public var yLabel: String
  /// The lines, coloured in order from the Okabe–Ito palette (repeating after 8) and listed
  /// in that order in the legend.
  public var series: [Series]

  /// A plot of `series` with these labels; text is XML-escaped when drawn.
  public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.series = series
  }

  static let palette = SmallMultiplesPlot.palette

  /// "Nice" tick values covering `low ... high`.
  static func ticks(_ low: Double, _ high: Double, count: Int = 6) -> [Double] {
    let span = Swift.max(high - low, 1e-9)
    let raw = span / Double(count)
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= raw } ?? raw
    var values: [Double] = []
    var value = ceil(low / step) * step
    while value <= high + step * 1e-9 {
      values.append(value)
      value += step
    }
    return values
  }

  /// The plot as an SVG document of `width × height` px, the legend in the right 340 px.
  ///
  /// The axes cover the finite points: the y range is widened by 8 % of its span (at least 0.5)
  /// on each side, an x range of a single value by ±1; without finite points both ranges start
  /// from `0 … 1`.
  public func svg(width: Double = 900, height: Double = 440) -> String {
    let finite = series.flatMap(\.points).filter { $0.0.isFinite && $0.1.isFinite }
    let xs = finite.map(\.0), ys = finite.map(\.1)
    var (xLow, xHigh) = (xs.min() ?? 0, xs.max() ?? 1)
    var (yLow, yHigh) = (ys.min() ?? 0, ys.max() ?? 1)
    if xHigh - xLow < 1e-9 { xLow -= 1; xHigh += 1 }
    let margin = Swift.max((yHigh - yLow) * 0.08, 0.5)
    yLow -= margin
    yHigh += margin
    let (left, right, top, bottom) = (70.0, width - 340.0, 40.0, height - 60.0)
    func px(_ x: Double) -> Double { left + (x - xLow) / (xHigh - xLow) * (right - left) }
    func py(_ y: Double) -> Double { bottom - (y - yLow) / (yHigh - yLow) * (bottom - top) }
    func escape(_ text: String) -> String {
      text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(width / 2)" y="22" text-anchor="middle" font-size="15">\(escape(title))</text>

      """
    for tick in Self.ticks(yLow, yHigh) {
      svg += "<line x1=\"\(left)\" y1=\"\(py(tick))\" x2=\"\(right)\" y2=\"\(py(tick))\" stroke=\"#e5e5e5\"/>\n"
      svg += "<text x=\"\(left - 6)\" y=\"\(py(tick) + 4)\" text-anchor=\"end\">\(String(format: "%g", (tick * 1000).rounded() / 1000))</text>\n"
    }
    for tick in Self.ticks(xLow, xHigh) {
      svg += "<line x1=\"\(px(tick))\" y1=\"\(bottom)\" x2=\"\(px(tick))\" y2=\"\(bottom + 5)\" stroke=\"black\"/>\n"
      svg += "<text x=\"\(px(tick))\" y=\"\(bottom + 18)\" text-anchor=\"middle\">\(String(format: "%g", (tick * 1000).rounded() / 1000))</text>\n"
    }
    svg += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
    svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(bottom)\" stroke=\"black\"/>\n"
    svg += "<text x=\"\((left + right) / 2)\" y=\"\(height - 20)\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
    svg += "<text x=\"18\" y=\"\((top + bottom) / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 18 \((top + bottom) / 2))\">\(escape(yLabel))</text>\n"
    for (index, line) in series.enumerated() {
      let color = Self.palette[index % Self.palette.count]
      let points = line.points.filter { $0.0.isFinite && $0.1.isFinite }.sorted { $0.0 < $1.0 }
      if points.count > 1 {
        svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.map { "\(px($0.0)),\(py($0.1))" }.joined(separator: " "))\"/>\n"
      }
      for point in points { svg += "<circle cx=\"\(px(point.0))\" cy=\"\(py(point.1))\" r=\"3.5\" fill=\"\(color)\"/>\n" }
      let legendY = top + 8 + Double(index) * 18
      svg += "<line x1=\"\(right + 15)\" y1=\"\(legendY)\" x2=\"\(right + 35)\" y2=\"\(legendY)\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
      let name = line.name.count > 52 ? String(line.name.prefix(51)) + "…" : line.name
      svg += "<text x=\"\(right + 40)\" y=\"\(legendY + 4)\" font-size=\"11\">\(escape(name))</text>\n"
    }
    return svg + "</svg>\n"
  }
}
