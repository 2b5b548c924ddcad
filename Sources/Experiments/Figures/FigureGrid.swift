import Foundation
import Tensors
import ImageQuality

/// A labelled image grid — the paper's Figure 1: named rows (measurement / LE-MMSE / network /
/// ground truth), a header over every column ("σ = 0.2", "test image 3") and a caption under
/// every panel ("18.3 dB", "match 27.1 dB"), drawn as PNG (labels in `BitmapFont`) and as SVG
/// (labels as `<text>`, every panel an embedded base64 PNG `<image>`).
///
/// ```swift
/// let grid = FigureGrid(
///   columnHeaders: ["test image 0", "test image 1"],
///   rows: [.init(name: "measurement", panels: [.init(y0, caption: "14.0 dB"), .init(y1, caption: "14.1 dB")]),
///          .init(name: "ground truth", panels: [.init(x0), .init(x1)])])
/// try grid.write(to: folder.appendingPathComponent("figure1"))   // figure1.png and figure1.svg
/// ```
///
/// Every panel is enlarged by the same integer factor `scale` (nearest neighbour; by default the
/// smallest with `scale · max(H, W) ≥ 112`, so a 28-pixel image becomes 112 px). Layout, in
/// output pixels, with `s` = scale, `L` = the line height 20 of the 2× font, `m` = 8:
/// ```
/// label width  = widest row name + 12                       (0 when every name is empty)
/// column width = max(s·W, widest caption line or header + 12)
/// header       = L + 4                                      (0 when every header is empty)
/// caption_r    = 4 + L · (most caption lines in row r)       (0 when row r has none)
/// width        = 2m + label width + columns · column width + (columns − 1) · gutter
/// height       = 2m + header + Σ_r (s·H + caption_r) + (rows − 1) · gutter
/// ```
/// Panels are centred in their column; row names are vertically centred on the panels.
/// Images may be grey (`1 × H × W`) or colour (`3 × H × W`); values are clamped to `[0, 1]`.
public struct FigureGrid: Sendable {
  /// One image of the grid and the caption under it (`\n` separates caption lines).
  public struct Panel: Sendable {
    /// `C × H × W` or `1 × C × H × W`, values in `[0, 1]`.
    public var image: Tensor
    /// The text under the panel, in the 2× font; `\n` separates lines, "" draws none.
    public var caption: String
    /// A panel showing `image` with `caption` under it.
    public init(_ image: Tensor, caption: String = "") {
      self.image = image
      self.caption = caption
    }
  }

  /// A named row of panels.
  public struct Row: Sendable {
    /// The name left of the row ("" draws none).
    public var name: String
    /// The panels, left to right; a row may have fewer panels than there are columns.
    public var panels: [Panel]
    /// A row called `name` showing `panels`.
    public init(name: String, panels: [Panel]) {
      self.name = name
      self.panels = panels
    }
  }

  /// One header per column (missing or empty headers draw nothing).
  public var columnHeaders: [String]
  /// The rows, top to bottom; every panel of every row has the same `H × W`.
  public var rows: [Row]
  /// The enlargement factor; `nil` picks the smallest with `scale · max(H, W) ≥ 112`.
  public var scale: Int?
  /// The white space between columns and between rows, in output pixels.
  public var gutter: Int

  /// A grid of `rows` under `columnHeaders`; `scale` `nil` enlarges to ≥ 112 px, `gutter` in output pixels.
  public init(columnHeaders: [String] = [], rows: [Row], scale: Int? = nil, gutter: Int = 8) {
    self.columnHeaders = columnHeaders
    self.rows = rows
    self.scale = scale
    self.gutter = gutter
  }

  static let margin = 8

  /// Where everything goes, in output pixels.
  struct Layout {
    var scale: Int
    var panelHeight, panelWidth: Int
    var labelWidth, columnWidth, headerHeight: Int
    /// The height of the captions under each row.
    var captionHeights: [Int]
    var width, height: Int
    var gutter: Int

    /// The top-left corner of the enlarged image of panel `(row, column)`.
    func panelOrigin(row: Int, column: Int) -> (x: Int, y: Int) {
      (FigureGrid.margin + labelWidth + column * (columnWidth + gutter) + (columnWidth - panelWidth) / 2,
       FigureGrid.margin + headerHeight + captionHeights.prefix(row).reduce(0, +) + row * (panelHeight + gutter))
    }

    func columnCentre(_ column: Int) -> Int {
      FigureGrid.margin + labelWidth + column * (columnWidth + gutter) + columnWidth / 2
    }
  }

  var layout: Layout {
    let panels = rows.flatMap(\.panels)
    precondition(!panels.isEmpty, "a figure grid needs at least one panel")
    let images = panels.map { $0.image.rank == 4 ? $0.image.image(0) : $0.image }
    let (h, w) = (images[0].shape[images[0].rank - 2], images[0].shape[images[0].rank - 1])
    precondition(images.allSatisfy { Array($0.shape.suffix(2)) == [h, w] },
                 "figure grid panels differ in size: \(Set(images.map { Array($0.shape.suffix(2)) }))")
    let scale = self.scale ?? Swift.max(1, (112 + Swift.max(h, w) - 1) / Swift.max(h, w))
    precondition(scale >= 1, "a figure grid's scale must be ≥ 1, got \(scale)")
    let font = FigureDocument.fontScale
    let line = BitmapFont.lineHeight(scale: font)
    let names = rows.map { BitmapFont.width(of: $0.name, scale: font) }.max() ?? 0
    let labelWidth = names == 0 ? 0 : names + 12
    let captionHeights = rows.map { row in
      let lines = row.panels.map { $0.caption.isEmpty ? 0 : $0.caption.split(separator: "\n", omittingEmptySubsequences: false).count }
      return (lines.max() ?? 0) == 0 ? 0 : 4 + line * lines.max()!
    }
    let widestText = (panels.flatMap { $0.caption.split(separator: "\n").map(String.init) } + columnHeaders)
      .map { BitmapFont.width(of: $0, scale: font) }.max() ?? 0
    // 12 px keep the labels of neighbouring columns apart.
    let columnWidth = Swift.max(scale * w, widestText == 0 ? 0 : widestText + 12)
    let headerHeight = columnHeaders.allSatisfy(\.isEmpty) ? 0 : line + 4
    let columns = Swift.max(rows.map(\.panels.count).max() ?? 0, columnHeaders.count)
    let rowCount = rows.count
    return Layout(scale: scale, panelHeight: scale * h, panelWidth: scale * w, labelWidth: labelWidth, columnWidth: columnWidth,
                  headerHeight: headerHeight, captionHeights: captionHeights,
                  width: 2 * Self.margin + labelWidth + columns * columnWidth + (columns - 1) * gutter,
                  height: 2 * Self.margin + headerHeight + rowCount * scale * h + captionHeights.reduce(0, +) + (rowCount - 1) * gutter,
                  gutter: gutter)
  }

  var document: FigureDocument {
    let layout = self.layout
    var document = FigureDocument(width: layout.width, height: layout.height)
    let black = SIMD3<Float>(0, 0, 0), caption = SIMD3<Float>(0.2, 0.2, 0.2)
    let line = BitmapFont.lineHeight(scale: FigureDocument.fontScale)
    for (column, header) in columnHeaders.enumerated() where !header.isEmpty {
      document.add(.text(header, x: layout.columnCentre(column), y: Self.margin, anchor: .middle, color: black))
    }
    for (r, row) in rows.enumerated() {
      let top = layout.panelOrigin(row: r, column: 0).y
      if !row.name.isEmpty {
        let y = top + (layout.panelHeight - BitmapFont.height(scale: FigureDocument.fontScale)) / 2
        document.add(.text(row.name, x: Self.margin, y: y, anchor: .start, color: black))
      }
      for (column, panel) in row.panels.enumerated() {
        let origin = layout.panelOrigin(row: r, column: column)
        document.add(.image(FigureDocument.enlarged(panel.image, scale: layout.scale), x: origin.x, y: origin.y))
        for (index, text) in panel.caption.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !text.isEmpty {
          document.add(.text(String(text), x: layout.columnCentre(column), y: origin.y + layout.panelHeight + 4 + index * line,
                             anchor: .middle, color: caption))
        }
      }
    }
    return document
  }

  var isGrey: Bool {
    rows.allSatisfy { $0.panels.allSatisfy { $0.image.rank == 2 || $0.image.shape[$0.image.rank - 3] == 1 } }
  }

  /// The grid as an image: `C × height × width` (see the type's layout), `C` = 1 when every
  /// panel is grey, 3 otherwise; white background, labels in the 2× bitmap font.
  public func png() -> Tensor {
    document.raster(grey: isGrey)
  }

  /// The grid as a self-contained SVG of the same size: row names, headers and captions as
  /// `<text>`, every panel an `<image>` holding the enlarged panel as a base64 PNG.
  /// - Throws: `DataFileError` if a panel cannot be encoded as PNG.
  public func svg() throws -> String { try document.svg() }

  /// Writes `NAME.png` (see `png()`) and `NAME.svg` (see `svg()`); `url`'s extension is replaced.
  /// - Throws: `DataFileError` when a file cannot be written.
  public func write(to url: URL) throws {
    try document.write(to: url, grey: isGrey)
  }
}

extension FigureGrid {
  /// The paper's Figure 1: rows measurement / LE-MMSE / network / ground truth, one column per
  /// test image, each panel captioned with its PSNR against the truth (`"18.3 dB"`) and the
  /// network's also with its match to the LE-MMSE (`"match 27.1 dB"`).
  ///
  /// - Parameters:
  ///   - measurement, lemmse, network, truth: `N × C × H × W` batches of the same shape.
  ///   - columns: the images to show, indices into the batches.
  ///   - columnHeader: the header of the column showing image `k`.
  ///   - measurementName: the name of the first row (e.g. "input" when it shows `A†y`).
  /// - Returns: a grid of 4 rows × `columns.count` panels (its size as in the type's layout).
  public static func comparison(measurement: Tensor, lemmse: Tensor, network: Tensor, truth: Tensor,
                                columns: some Sequence<Int>, columnHeader: (Int) -> String,
                                measurementName: String = "measurement") -> FigureGrid {
    let columns = Array(columns)
    func decibels(_ value: Double) -> String { value.isFinite ? String(format: "%.1f dB", value) : "exact" }
    func row(_ name: String, _ images: Tensor, match: Tensor? = nil) -> Row {
      Row(name: name, panels: columns.map { k in
        var caption = decibels(psnr(images.image(k), truth.image(k)))
        if let match { caption += "\nmatch " + decibels(psnr(images.image(k), match.image(k))) }
        return Panel(images.image(k), caption: caption)
      })
    }
    return FigureGrid(columnHeaders: columns.map(columnHeader), rows: [
      row(measurementName, measurement), row("LE-MMSE", lemmse), row("network", network, match: lemmse),
      Row(name: "ground truth", panels: columns.map { Panel(truth.image($0)) }),
    ])
  }
}
