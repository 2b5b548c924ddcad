import Foundation
import Tensors

/// Per-pixel maps drawn with a perceptual colormap (viridis by default) and a colour bar per
/// row whose tick labels show the real values — e.g. the effective number of candidates on a
/// log scale and the log-density on a linear one — as PNG (labels in `BitmapFont`) and SVG.
///
/// ```swift
/// let maps = MapFigure(columnHeaders: ["test image 0", "test image 1"], rows: [
///   .init(name: "candidates", maps: [n0, n1], scale: .logarithmic),
///   .init(name: "log-density", maps: [d0, d1], scale: .linear)])
/// try maps.write(to: folder.appendingPathComponent("maps"))   // maps.png and maps.svg
/// ```
///
/// All maps of a row share one colour range, `[min, max]` of their finite values (of their
/// positive finite values on a log scale); NaN, ±∞ and, on a log scale, values ≤ 0 are drawn
/// grey. A value `v` takes the colour
/// ```
/// linear:  colorMap((v − min) / (max − min))
/// log:     colorMap((log v − log min) / (log max − log min))
/// ```
/// The colour bar (16 px wide, as high as a panel, `colorMap(1)` at the top) is labelled with
/// `min` at its bottom, `max` at its top and round values in between (powers of ten, or 2 and 5
/// times them, on a log scale). Panels are enlarged as in `FigureGrid` (≥ 112 px by default).
public struct MapFigure: Sendable {
  /// How values map to colours.
  public enum Scale: String, Sendable, CaseIterable {
    /// Colours uniform in `v` between the row's `min` and `max`.
    case linear
    /// Colours uniform in `log v`; the colour bar is labelled with the values themselves.
    case logarithmic
  }

  /// A named row of maps sharing one colour bar.
  public struct Row: Sendable {
    /// The name left of the row and its colour bar ("" draws none).
    public var name: String
    /// Each `H × W`, `1 × H × W` or `1 × 1 × H × W`.
    public var maps: [Tensor]
    /// How the row's values map to colours and colour-bar positions.
    public var scale: Scale
    /// A row called `name` of `maps` (each `H × W` with one channel) coloured on `scale`.
    public init(name: String, maps: [Tensor], scale: Scale = .linear) {
      self.name = name
      self.maps = maps
      self.scale = scale
    }
  }

  /// One header per column (missing or empty headers draw nothing).
  public var columnHeaders: [String]
  /// The rows, top to bottom; every map has the same `H × W`.
  public var rows: [Row]
  /// The enlargement factor; `nil` picks the smallest with `scale · max(H, W) ≥ 112`.
  public var scale: Int?
  /// The colormap of every row (viridis by default).
  public var colorMap: ColorMap

  /// Maps in `rows` under `columnHeaders`; `scale` `nil` enlarges to ≥ 112 px.
  public init(columnHeaders: [String] = [], rows: [Row], scale: Int? = nil, colorMap: ColorMap = .viridis) {
    self.columnHeaders = columnHeaders
    self.rows = rows
    self.scale = scale
    self.colorMap = colorMap
  }

  static let barWidth = 16
  static let noValue = SIMD3<Float>(0.6, 0.6, 0.6)

  /// The colour range of `values` on `scale`, widened when it is a single value.
  static func range(of values: [Float], scale: Scale) -> (low: Double, high: Double) {
    let usable = values.map(Double.init).filter { $0.isFinite && (scale == .linear || $0 > 0) }
    guard var low = usable.min(), var high = usable.max() else { return scale == .linear ? (0, 1) : (1, 10) }
    if high <= low {
      if scale == .linear { (low, high) = (low - 0.5, high + 0.5) } else { (low, high) = (low / 2, high * 2) }
    }
    return (low, high)
  }

  /// The position `t ∈ [0, 1]` of `value` in `range`, `nil` when it cannot be drawn.
  static func position(_ value: Double, in range: (low: Double, high: Double), scale: Scale) -> Double? {
    switch scale {
    case .linear:
      return value.isFinite ? (value - range.low) / (range.high - range.low) : nil
    case .logarithmic:
      return value.isFinite && value > 0 ? (log(value) - log(range.low)) / (log(range.high) - log(range.low)) : nil
    }
  }

  /// `map` (`H × W` in any rank ≤ 4) coloured: `3 × H × W`.
  static func colored(_ map: Tensor, range: (low: Double, high: Double), scale: Scale, colorMap: ColorMap) -> Tensor {
    let (h, w) = (map.shape[map.rank - 2], map.shape[map.rank - 1])
    precondition(map.count == h * w, "a map must have one channel, got shape \(map.shape)")
    var colors = [Float](repeating: 0, count: 3 * h * w)
    for (index, value) in map.scalars.enumerated() {
      let color = position(Double(value), in: range, scale: scale).map { colorMap.color(at: $0) } ?? noValue
      for c in 0..<3 { colors[c * h * w + index] = color[c] }
    }
    return Tensor(shape: [3, h, w], scalars: colors)
  }

  /// Round values strictly inside the range, at least 16 % of the bar away from both ends.
  static func interiorTicks(_ range: (low: Double, high: Double), scale: Scale) -> [Double] {
    var candidates: [Double]
    switch scale {
    case .linear:
      candidates = LinePlot.ticks(range.low, range.high, count: 4)
    case .logarithmic:
      let decades = Int(floor(log10(range.low))) ... Int(ceil(log10(range.high)))
      candidates = decades.map { pow(10, Double($0)) }
      if candidates.filter({ $0 > range.low && $0 < range.high }).count < 2 {
        candidates = decades.flatMap { d in [1.0, 2, 5].map { $0 * pow(10, Double(d)) } }
      }
    }
    var kept: [Double] = []
    for value in candidates {
      guard let t = position(value, in: range, scale: scale), t > 0.16, t < 0.84 else { continue }
      if let last = kept.last, let previous = position(last, in: range, scale: scale), t - previous < 0.16 { continue }
      kept.append(value)
    }
    return kept
  }

  /// A tick label: three significant digits, no trailing zeros (`27.1`, `0.05`, `1.2e+06`);
  /// whole numbers from 1000 to 999 999 in full (`1891`), as counts read best.
  static func label(_ value: Double) -> String {
    if abs(value) >= 1000 && abs(value) < 1e6 { return String(format: "%.0f", value) }
    let text = String(format: "%.3g", value)
    return text == "-0" ? "0" : text
  }

  /// Adds a colour bar at `(x, y)` of height `height` with ticks and labels to its right.
  /// - Returns: the width taken, bar and labels.
  @discardableResult
  static func addColorBar(to document: inout FigureDocument, x: Int, y: Int, height: Int,
                          range: (low: Double, high: Double), scale: Scale, colorMap: ColorMap) -> Int {
    let black = SIMD3<Float>(0, 0, 0)
    document.add(.colorBar(x: x, y: y, width: barWidth, height: height, colorMap: colorMap))
    let ticks = [(range.low, 0.0)] + interiorTicks(range, scale: scale).map { ($0, position($0, in: range, scale: scale)!) }
      + [(range.high, 1.0)]
    let textHeight = BitmapFont.height(scale: FigureDocument.fontScale)
    var widest = 0
    for (value, t) in ticks {
      let tickY = y + Int((Double(height - 1) * (1 - t)).rounded())
      document.add(.rectangle(x: x + barWidth, y: tickY, width: 4, height: 1, color: black))
      let text = label(value)
      let textY = Swift.min(Swift.max(tickY - textHeight / 2, y - textHeight / 2), y + height - textHeight / 2)
      document.add(.text(text, x: x + barWidth + 7, y: textY, anchor: .start, color: black))
      widest = Swift.max(widest, BitmapFont.width(of: text, scale: FigureDocument.fontScale))
    }
    return barWidth + 7 + widest
  }

  /// The width `addColorBar` will take for `range`.
  static func colorBarWidth(range: (low: Double, high: Double), scale: Scale) -> Int {
    let labels = [range.low, range.high] + interiorTicks(range, scale: scale)
    return barWidth + 7 + (labels.map { BitmapFont.width(of: label($0), scale: FigureDocument.fontScale) }.max() ?? 0)
  }

  /// The smallest enlargement with `scale · size ≥ 112`.
  static func defaultScale(_ size: Int) -> Int { Swift.max(1, (112 + size - 1) / Swift.max(size, 1)) }

  var document: FigureDocument {
    let maps = rows.flatMap(\.maps)
    precondition(!maps.isEmpty, "a map figure needs at least one map")
    let (h, w) = (maps[0].shape[maps[0].rank - 2], maps[0].shape[maps[0].rank - 1])
    precondition(maps.allSatisfy { $0.count == h * w && Array($0.shape.suffix(2)) == [h, w] },
                 "maps must all be \(h) × \(w) with one channel, got \(Set(maps.map(\.shape)))")
    let scale = self.scale ?? Self.defaultScale(Swift.max(h, w))
    let (panelHeight, panelWidth) = (scale * h, scale * w)
    let font = FigureDocument.fontScale, margin = 8, gutter = 8
    let line = BitmapFont.lineHeight(scale: font)
    let names = rows.map { BitmapFont.width(of: $0.name, scale: font) }.max() ?? 0
    let labelWidth = names == 0 ? 0 : names + 12
    let headerWidth = columnHeaders.map { BitmapFont.width(of: $0, scale: font) }.max() ?? 0
    let columnWidth = Swift.max(panelWidth, headerWidth == 0 ? 0 : headerWidth + 12)
    let columns = Swift.max(rows.map(\.maps.count).max() ?? 0, columnHeaders.count)
    let headerHeight = columnHeaders.allSatisfy(\.isEmpty) ? 0 : line + 4
    let ranges = rows.map { Self.range(of: $0.maps.flatMap(\.scalars), scale: $0.scale) }
    let barWidth = zip(rows, ranges).map { Self.colorBarWidth(range: $1, scale: $0.scale) }.max() ?? 0
    // Half a line above the first and below the last row keeps the end labels inside; a line
    // between rows keeps the end labels of neighbouring colour bars apart.
    let rowGap = gutter + line
    let top = margin + headerHeight + line / 2
    let width = 2 * margin + labelWidth + columns * (columnWidth + gutter) + 4 + barWidth
    let height = top + rows.count * panelHeight + (rows.count - 1) * rowGap + line / 2 + margin
    var document = FigureDocument(width: width, height: height)
    let black = SIMD3<Float>(0, 0, 0)
    func columnLeft(_ column: Int) -> Int { margin + labelWidth + column * (columnWidth + gutter) }
    for (column, header) in columnHeaders.enumerated() where !header.isEmpty {
      document.add(.text(header, x: columnLeft(column) + columnWidth / 2, y: margin, anchor: .middle, color: black))
    }
    for (r, row) in rows.enumerated() {
      let y = top + r * (panelHeight + rowGap)
      if !row.name.isEmpty {
        document.add(.text(row.name, x: margin, y: y + (panelHeight - BitmapFont.height(scale: font)) / 2, anchor: .start, color: black))
      }
      for (column, map) in row.maps.enumerated() {
        let colored = Self.colored(map, range: ranges[r], scale: row.scale, colorMap: colorMap)
        document.add(.image(FigureDocument.enlarged(colored, scale: scale), x: columnLeft(column) + (columnWidth - panelWidth) / 2, y: y))
      }
      Self.addColorBar(to: &document, x: columnLeft(columns) + 4, y: y, height: panelHeight,
                       range: ranges[r], scale: row.scale, colorMap: colorMap)
    }
    return document
  }

  /// The maps as an RGB image `3 × height × width`: panels, row names, headers and colour bars.
  public func png() -> Tensor { document.raster() }

  /// The maps as a self-contained SVG of the same layout; colour bars are `<linearGradient>`s
  /// through the colormap's control points, labels are `<text>`.
  /// - Throws: `DataFileError` if a panel cannot be encoded as PNG.
  public func svg() throws -> String { try document.svg() }

  /// Writes `NAME.png` and `NAME.svg`; `url`'s extension is replaced.
  /// - Throws: `DataFileError` when a file cannot be written.
  public func write(to url: URL) throws { try document.write(to: url) }
}
