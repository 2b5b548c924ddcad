import Foundation

extension SmallMultiplesPlot {
  /// Where everything goes: cells of `cellWidth × cellHeight` (the plot area plus room for the
  /// panel title, tick labels and axis labels) in `columns` columns, under the title, above the legend.
  struct Layout {
    var columns: Int
    var panelRows: Int
    var leftRoom: Double, topRoom: Double
    var cellWidth: Double, cellHeight: Double
    /// Characters per line of a panel title (about 7 px per character at 13 px).
    var titleCharacters: Int
    /// Legend slots (column, row), in the order of `names` and then the reference line.
    var slots: [(column: Int, row: Int)]
    var legendRows: Int
    let titleHeight = 34.0
    var width: Double, height: Double
  }

  func layout(names: [String], style: [String: (color: Int, variant: Int, group: Int)]) -> Layout {
    let columns = Swift.max(1, self.columns ?? (panels.count == 4 ? 2 : Swift.min(panels.count, 3)))
    let panelRows = Swift.max(1, (panels.count + columns - 1) / columns)
    let titleLines = panels.map { $0.title.split(separator: "\n").count }.max() ?? 1
    let (leftRoom, topRoom, bottomRoom, rightRoom) = (62.0, 11.0 + 15 * Double(titleLines), 44.0, 14.0)
    let titleCharacters = Int((leftRoom + panelWidth + rightRoom - 8) / 7)
    let cellWidth = leftRoom + panelWidth + rightRoom, cellHeight = topRoom + panelHeight + bottomRoom
    let legendColumns = Swift.max(1, Int((cellWidth * Double(columns) - 20) / 230))
    // The legend: one row per group when every group fits in a row, else row by row; the
    // reference line last.
    let groupSizes = names.reduce(into: [Int: Int]()) { $0[style[$1]!.group, default: 0] += 1 }
    var slots: [(column: Int, row: Int)]
    if let largest = groupSizes.values.max(), largest > 1, largest <= legendColumns {
      slots = names.map { (style[$0]!.variant, style[$0]!.group) }
    } else {
      slots = names.indices.map { ($0 % legendColumns, $0 / legendColumns) }
    }
    let usedRows = (slots.map(\.row).max() ?? -1) + 1
    if reference != nil { slots.append((0, usedRows)) }
    let legendRows = usedRows + (reference == nil ? 0 : 1)
    // About 8 px per character of the 15 px title.
    let width = Swift.max(cellWidth * Double(columns) + 10, Double(title.count * 8 + 20))
    let height = 34.0 + cellHeight * Double(panelRows) + 12 + Double(legendRows) * 20 + 10
    return Layout(columns: columns, panelRows: panelRows, leftRoom: leftRoom, topRoom: topRoom, cellWidth: cellWidth,
                  cellHeight: cellHeight, titleCharacters: titleCharacters, slots: slots, legendRows: legendRows,
                  width: width, height: height)
  }

  /// The SVG: a title, the panels in a grid, the legend below.
  public func svg() -> String {
    let (names, style) = styles
    let layout = layout(names: names, style: style)
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(layout.width))" height="\(Int(layout.height))" viewBox="0 0 \(Int(layout.width)) \(Int(layout.height))" \
      font-family="Helvetica, Arial, sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(layout.width / 2)" y="22" text-anchor="middle" font-size="15">\(FigureDocument.escape(title))</text>

      """
    for (index, panel) in panels.enumerated() { svg += panelSVG(panel, index: index, layout: layout, style: style) }
    svg += legendSVG(names: names, style: style, layout: layout)
    return svg + "</svg>\n"
  }

  /// `x` on the axis: itself, or `log₁₀ x` on a logarithmic axis.
  func axisX(_ x: Double) -> Double { xScale == .logarithmic ? log10(x) : x }

  /// Whether a point can be drawn: finite, and `x > 0` on a logarithmic axis.
  func drawable(_ point: (Double, Double)) -> Bool { point.0.isFinite && point.1.isFinite && (xScale == .linear || point.0 > 0) }

  /// One panel: its title, grid lines and ticks, frame, axis labels, reference line and series.
  func panelSVG(_ panel: Panel, index: Int, layout: Layout,
                style: [String: (color: Int, variant: Int, group: Int)]) -> String {
    let escape = FigureDocument.escape
    let originX = 5 + Double(index % layout.columns) * layout.cellWidth
    let originY = layout.titleHeight + Double(index / layout.columns) * layout.cellHeight
    let (left, right) = (originX + layout.leftRoom, originX + layout.leftRoom + panelWidth)
    let (top, bottom) = (originY + layout.topRoom, originY + layout.topRoom + panelHeight)
    let finite = panel.series.flatMap(\.points).filter(drawable)
    let xs = finite.map { axisX($0.0) }
    let ys = finite.map(\.1) + (reference.map { [$0.value] } ?? [])
    var (xLow, xHigh) = (xs.min() ?? 0, xs.max() ?? 1)
    if xHigh - xLow < 1e-9 { (xLow, xHigh) = (xLow - 0.5, xHigh + 0.5) }
    let xPad = (xHigh - xLow) * 0.04
    (xLow, xHigh) = (xLow - xPad, xHigh + xPad)
    var (yLow, yHigh) = (ys.min() ?? 0, ys.max() ?? 1)
    let yPad = yHigh - yLow < 1e-9 ? 0.5 : (yHigh - yLow) * 0.06
    (yLow, yHigh) = (yLow - yPad, yHigh + yPad)
    func px(_ x: Double) -> Double { left + (axisX(x) - xLow) / (xHigh - xLow) * (right - left) }
    func py(_ y: Double) -> Double { bottom - (y - yLow) / (yHigh - yLow) * (bottom - top) }
    var svg = "<g>\n"
    for (line, text) in panel.title.split(separator: "\n").enumerated() {
      svg += "<text x=\"\((left + right) / 2)\" y=\"\(originY + 17 + 15 * Double(line))\" text-anchor=\"middle\" font-size=\"13\">"
        + escape(Self.fitted(text, characters: layout.titleCharacters)) + "</text>\n"
    }
    for tick in LinePlot.ticks(yLow, yHigh, count: 5) {
      svg += "<line x1=\"\(left)\" y1=\"\(py(tick))\" x2=\"\(right)\" y2=\"\(py(tick))\" stroke=\"#e8e8e8\"/>\n"
      svg += "<text x=\"\(left - 6)\" y=\"\(py(tick) + 4)\" text-anchor=\"end\">\(Self.format(tick))</text>\n"
    }
    for tick in xTickValues(low: xLow, high: xHigh) {
      svg += "<line x1=\"\(px(tick))\" y1=\"\(bottom)\" x2=\"\(px(tick))\" y2=\"\(bottom + 5)\" stroke=\"black\"/>\n"
      svg += "<text x=\"\(px(tick))\" y=\"\(bottom + 18)\" text-anchor=\"middle\">\(Self.format(tick))</text>\n"
    }
    svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(panelWidth)\" height=\"\(panelHeight)\" fill=\"none\" stroke=\"black\"/>\n"
    if index + layout.columns >= panels.count {
      svg += "<text x=\"\((left + right) / 2)\" y=\"\(bottom + 36)\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
    }
    if index % layout.columns == 0 {
      let yMiddle = (top + bottom) / 2
      svg += "<text x=\"\(originX + 12)\" y=\"\(yMiddle)\" text-anchor=\"middle\" transform=\"rotate(-90 \(originX + 12) \(yMiddle))\">\(escape(yLabel))</text>\n"
    }
    if let reference {
      svg += "<line x1=\"\(left)\" y1=\"\(py(reference.value))\" x2=\"\(right)\" y2=\"\(py(reference.value))\" stroke=\"#555555\" stroke-width=\"1.2\" stroke-dasharray=\"5 4\"/>\n"
    }
    for series in panel.series {
      let (colorIndex, variant, _) = style[series.name]!
      let color = Self.palette[colorIndex], dash = Self.dashes[variant % Self.dashes.count]
      let points = series.points.filter(drawable).sorted { $0.0 < $1.0 }
      if points.count > 1 {
        svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"" + (dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")
          + " points=\"\(points.map { "\(px($0.0)),\(py($0.1))" }.joined(separator: " "))\"/>\n"
      }
      for point in points { svg += Self.marker(variant, x: px(point.0), y: py(point.1), color: color) + "\n" }
    }
    return svg + "</g>\n"
  }

  /// The x ticks inside `[low, high]` (axis units): the explicit ones, decades (with 2 and 5
  /// when fewer than 3 decades show) on a logarithmic axis, round values otherwise.
  func xTickValues(low: Double, high: Double) -> [Double] {
    if let explicit = xTicks { return explicit.filter { (low...high).contains(axisX($0)) } }
    guard xScale == .logarithmic else { return LinePlot.ticks(low, high, count: 5) }
    let decades = Int(floor(low)) ... Int(ceil(high))
    let candidates = decades.map { pow(10, Double($0)) }.filter { (low...high).contains(log10($0)) }
    guard candidates.count < 3 else { return candidates }
    return decades.flatMap { d in [1.0, 2, 5].map { $0 * pow(10, Double(d)) } }.filter { (low...high).contains(log10($0)) }
  }

  /// The shared legend under the panels.
  func legendSVG(names: [String], style: [String: (color: Int, variant: Int, group: Int)], layout: Layout) -> String {
    let legendTop = layout.titleHeight + layout.cellHeight * Double(layout.panelRows) + 12
    var entries: [(style: (color: Int, variant: Int)?, name: String)] = names.map { ((style[$0]!.color, style[$0]!.variant), $0) }
    if let reference { entries.append((nil, reference.label)) }
    var svg = ""
    for (entry, slot) in zip(entries, layout.slots) {
      let x = 20 + Double(slot.column) * 230, y = legendTop + Double(slot.row) * 20
      if let (colorIndex, variant) = entry.style {
        let color = Self.palette[colorIndex], dash = Self.dashes[variant % Self.dashes.count]
        svg += "<line x1=\"\(x)\" y1=\"\(y)\" x2=\"\(x + 28)\" y2=\"\(y)\" stroke=\"\(color)\" stroke-width=\"2\""
          + (dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"") + "/>\n"
        svg += Self.marker(variant, x: x + 14, y: y, color: color) + "\n"
      } else {
        svg += "<line x1=\"\(x)\" y1=\"\(y)\" x2=\"\(x + 28)\" y2=\"\(y)\" stroke=\"#555555\" stroke-width=\"1.2\" stroke-dasharray=\"5 4\"/>\n"
      }
      svg += "<text x=\"\(x + 34)\" y=\"\(y + 4)\">\(FigureDocument.escape(Self.fitted(Substring(entry.name), characters: 30)))</text>\n"
    }
    return svg
  }
}
