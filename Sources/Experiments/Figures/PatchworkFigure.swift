import Foundation
import Tensors

/// The patchwork map: for every pixel the training image whose patch wins (one colour per
/// training image), beside the number of candidates that hold half of the total weight there
/// (a count map with a colour bar, as in `MapFigure`), as PNG and SVG.
///
/// ```swift
/// let figure = PatchworkFigure(winners: winners, height: 28, width: 28, halfWeightCounts: counts)
/// try figure.write(to: folder.appendingPathComponent("patchwork"))   // patchwork.png and .svg
/// ```
///
/// Training image `k` gets the hue `frac(k · φ)` (φ = 0.618…, the golden ratio's fractional
/// part: consecutive indices land far apart on the colour wheel) with one of three
/// saturation/brightness pairs picked by `k mod 3`; colours of different images coincide only
/// by near-collisions of hue among many images. The caption under the left panel counts the
/// distinct winners. Both panels are enlarged as in `FigureGrid` (≥ 112 px by default).
public struct PatchworkFigure: Sendable {
  /// The winning training image of every pixel, row-major, `height · width` entries (`< 0`: none, drawn white).
  public var winners: [Int]
  /// The height `H` of the maps, in image pixels.
  public var height: Int
  /// The width `W` of the maps, in image pixels.
  public var width: Int
  /// The number of candidates holding half of the total weight, `H × W` (any rank ≤ 4 with one channel).
  public var halfWeightCounts: Tensor
  /// How counts map to colours (logarithmic by default: counts span decades).
  public var countScale: MapFigure.Scale
  /// The enlargement factor; `nil` picks the smallest with `scale · max(H, W) ≥ 112`.
  public var scale: Int?
  /// The title over the patchwork; `\n` separates lines.
  public var winnerTitle: String
  /// The title over the count map; `\n` separates lines.
  public var countTitle: String

  /// A patchwork of `winners` (`height · width`, row-major) beside `halfWeightCounts` (`height × width`).
  public init(winners: [Int], height: Int, width: Int, halfWeightCounts: Tensor, countScale: MapFigure.Scale = .logarithmic,
              scale: Int? = nil, winnerTitle: String = "winning\ntraining image",
              countTitle: String = "candidates holding\nhalf the weight") {
    precondition(winners.count == height * width, "\(winners.count) winners for a \(height) × \(width) map")
    precondition(halfWeightCounts.count == height * width && Array(halfWeightCounts.shape.suffix(2)) == [height, width],
                 "half-weight counts of shape \(halfWeightCounts.shape) for a \(height) × \(width) map")
    self.winners = winners
    self.height = height
    self.width = width
    self.halfWeightCounts = halfWeightCounts
    self.countScale = countScale
    self.scale = scale
    self.winnerTitle = winnerTitle
    self.countTitle = countTitle
  }

  /// The colour of training image `index` (components in `[0, 1]`); white for a negative index.
  public static func color(ofTrainingImage index: Int) -> SIMD3<Float> {
    guard index >= 0 else { return SIMD3(1, 1, 1) }
    let hue = (Double(index) * 0.618_033_988_749_895).truncatingRemainder(dividingBy: 1)
    let (saturation, value) = [(0.75, 0.95), (0.55, 0.75), (0.95, 0.6)][index % 3]
    let sector = hue * 6, f = sector - floor(sector)
    let (p, q, t) = (value * (1 - saturation), value * (1 - saturation * f), value * (1 - saturation * (1 - f)))
    let rgb: (Double, Double, Double)
    switch Int(sector) % 6 {
    case 0: rgb = (value, t, p)
    case 1: rgb = (q, value, p)
    case 2: rgb = (p, value, t)
    case 3: rgb = (p, q, value)
    case 4: rgb = (t, p, value)
    default: rgb = (value, p, q)
    }
    return SIMD3(Float(rgb.0), Float(rgb.1), Float(rgb.2))
  }

  var document: FigureDocument {
    let scale = self.scale ?? MapFigure.defaultScale(Swift.max(height, width))
    let (panelHeight, panelWidth) = (scale * height, scale * width)
    let font = FigureDocument.fontScale, margin = 8, gutter = 16
    let line = BitmapFont.lineHeight(scale: font)
    let distinct = Set(winners.filter { $0 >= 0 }).count
    let caption = "\(distinct) image" + (distinct == 1 ? "" : "s")
    let titleLines = [winnerTitle, countTitle].map { $0.split(separator: "\n").map(String.init) }
    let titles = (titleLines.flatMap { $0 } + [caption]).map { BitmapFont.width(of: $0, scale: font) }
    let columnWidth = Swift.max(panelWidth, titles.max()! + 12)
    let range = MapFigure.range(of: halfWeightCounts.scalars, scale: countScale)
    let top = margin + line * (titleLines.map(\.count).max() ?? 1) + 4
    let width = 2 * margin + 2 * columnWidth + gutter + 4 + MapFigure.colorBarWidth(range: range, scale: countScale)
    let height = top + panelHeight + 4 + line + margin
    var document = FigureDocument(width: width, height: height)
    let black = SIMD3<Float>(0, 0, 0)

    var patchwork = [Float](repeating: 0, count: 3 * self.height * self.width)
    let plane = self.height * self.width
    for (pixel, winner) in winners.enumerated() {
      let color = Self.color(ofTrainingImage: winner)
      for c in 0..<3 { patchwork[c * plane + pixel] = color[c] }
    }
    let left = margin, right = margin + columnWidth + gutter
    let inset = (columnWidth - panelWidth) / 2
    for (lines, x) in zip(titleLines, [left, right]) {
      for (index, text) in lines.enumerated() {
        document.add(.text(text, x: x + columnWidth / 2, y: margin + index * line, anchor: .middle, color: black))
      }
    }
    document.add(.image(FigureDocument.enlarged(Tensor(shape: [3, self.height, self.width], scalars: patchwork), scale: scale),
                        x: left + inset, y: top))
    let counts = MapFigure.colored(halfWeightCounts, range: range, scale: countScale, colorMap: .viridis)
    document.add(.image(FigureDocument.enlarged(counts, scale: scale), x: right + inset, y: top))
    document.add(.text(caption, x: left + columnWidth / 2, y: top + panelHeight + 4, anchor: .middle,
                       color: SIMD3(0.2, 0.2, 0.2)))
    MapFigure.addColorBar(to: &document, x: right + columnWidth + 4, y: top, height: panelHeight,
                          range: range, scale: countScale, colorMap: .viridis)
    return document
  }

  /// The figure as an RGB image `3 × height × width`.
  public func png() -> Tensor { document.raster() }

  /// The figure as a self-contained SVG of the same layout.
  /// - Throws: `DataFileError` if a panel cannot be encoded as PNG.
  public func svg() throws -> String { try document.svg() }

  /// Writes `NAME.png` and `NAME.svg`; `url`'s extension is replaced.
  /// - Throws: `DataFileError` when a file cannot be written.
  public func write(to url: URL) throws { try document.write(to: url) }
}
