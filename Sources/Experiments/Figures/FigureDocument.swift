import Foundation
import Tensors
import DataFiles

/// A figure laid out once in pixels and drawn twice: as a raster (labels in `BitmapFont` at
/// scale 2) and as SVG (labels as real `<text>`, images as embedded base64 PNGs).
///
/// Coordinates are output pixels, origin top-left. Text is placed by the top of its capitals
/// (`y`) and an anchor in `x`; in the raster a line is `BitmapFont.height(scale: 2)` = 14 px high.
struct FigureDocument {
  enum Anchor: String { case start, middle, end }

  enum Element {
    /// An image `C × H × W` in `[0, 1]` (C = 1 or 3), already enlarged, top-left at `(x, y)`.
    case image(Tensor, x: Int, y: Int)
    case rectangle(x: Int, y: Int, width: Int, height: Int, color: SIMD3<Float>)
    case text(String, x: Int, y: Int, anchor: Anchor, color: SIMD3<Float>)
    /// A vertical colour bar: `colorMap(1)` at the top row, `colorMap(0)` at the bottom row.
    case colorBar(x: Int, y: Int, width: Int, height: Int, colorMap: ColorMap)
  }

  /// The font scale of every label: 10 × 14 px capitals.
  static let fontScale = 2
  /// The SVG font size that matches the raster labels' 14 px capitals in width budget.
  static let svgFontSize = 14

  var width: Int
  var height: Int
  var elements: [Element] = []

  init(width: Int, height: Int) {
    self.width = width
    self.height = height
  }

  mutating func add(_ element: Element) { elements.append(element) }

  /// The raster: `3 × height × width` on white, or `1 × …` when `grey` (colours become their mean).
  func raster(grey: Bool = false) -> Tensor {
    let channels = grey ? 1 : 3
    let plane = width * height
    var pixels = [Float](repeating: 1, count: channels * plane)
    func set(_ x: Int, _ y: Int, _ color: SIMD3<Float>) {
      guard (0..<width).contains(x), (0..<height).contains(y) else { return }
      if grey {
        // Grey stays exact: (v + v + v) / 3 need not round back to v.
        pixels[y * width + x] = color[0] == color[1] && color[1] == color[2] ? color[0] : (color[0] + color[1] + color[2]) / 3
      } else {
        for c in 0..<3 { pixels[c * plane + y * width + x] = color[c] }
      }
    }
    for element in elements {
      switch element {
      case let .image(image, x0, y0):
        // Copied plane by plane (the hot loop of every figure): grey onto colour repeats the plane,
        // colour onto grey takes the mean.
        let (imageChannels, h, w) = (image.shape[0], image.shape[1], image.shape[2])
        let rows = Swift.max(0, y0) ..< Swift.min(height, y0 + h), columns = Swift.max(0, x0) ..< Swift.min(width, x0 + w)
        image.withUnsafeBufferPointer { source in
          for c in 0..<channels {
            for y in rows {
              for x in columns {
                let at = (y - y0) * w + (x - x0)
                var value: Float
                if grey && imageChannels == 3 {
                  value = (source[at] + source[h * w + at] + source[2 * h * w + at]) / 3
                } else {
                  value = source[Swift.min(c, imageChannels - 1) * h * w + at]
                }
                pixels[c * plane + y * width + x] = Swift.min(Swift.max(value, 0), 1)
              }
            }
          }
        }
      case let .rectangle(x0, y0, w, h, color):
        for i in 0..<h { for j in 0..<w { set(x0 + j, y0 + i, color) } }
      case let .text(text, x, y, anchor, color):
        let textWidth = BitmapFont.width(of: text, scale: Self.fontScale)
        let left = anchor == .start ? x : anchor == .middle ? x - textWidth / 2 : x - textWidth
        BitmapFont.forEachInkPixel(of: text, scale: Self.fontScale) { set(left + $0, y + $1, color) }
      case let .colorBar(x0, y0, w, h, colorMap):
        for i in 0..<h {
          let color = colorMap.color(at: h == 1 ? 0 : Double(h - 1 - i) / Double(h - 1))
          for j in 0..<w { set(x0 + j, y0 + i, color) }
        }
      }
    }
    return Tensor(shape: [channels, height, width], scalars: pixels)
  }

  /// The SVG: a white background, then every element in order.
  /// - Throws: `DataFileError` if an image cannot be encoded as PNG.
  func svg() throws -> String {
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
      font-family="Helvetica, Arial, sans-serif" font-size="\(Self.svgFontSize)">
      <rect width="100%" height="100%" fill="white"/>

      """
    var gradients = 0
    for element in elements {
      switch element {
      case let .image(image, x, y):
        let data = try PNGFile.encode(image)
        svg += "<image x=\"\(x)\" y=\"\(y)\" width=\"\(image.shape[2])\" height=\"\(image.shape[1])\" "
          + "style=\"image-rendering:pixelated\" href=\"data:image/png;base64,\(data.base64EncodedString())\"/>\n"
      case let .rectangle(x, y, w, h, color):
        svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\" fill=\"\(ColorMap.hex(color))\"/>\n"
      case let .text(text, x, y, anchor, color):
        // The baseline sits at the bottom of the raster capitals.
        let fill = color == SIMD3(0, 0, 0) ? "" : " fill=\"\(ColorMap.hex(color))\""
        svg += "<text x=\"\(x)\" y=\"\(y + BitmapFont.height(scale: Self.fontScale))\" text-anchor=\"\(anchor.rawValue)\"\(fill)>"
          + Self.escape(text) + "</text>\n"
      case let .colorBar(x, y, w, h, colorMap):
        gradients += 1
        svg += "<defs><linearGradient id=\"colorbar\(gradients)\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
        for stop in colorMap.stops {
          svg += "<stop offset=\"\(stop.position)\" stop-color=\"\(ColorMap.hex(stop.color))\"/>"
        }
        svg += "</linearGradient></defs>\n"
        svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\" fill=\"url(#colorbar\(gradients))\"/>\n"
      }
    }
    return svg + "</svg>\n"
  }

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }

  /// `image` (`C × H × W` or `1 × C × H × W`) with every pixel repeated `scale × scale` times.
  static func enlarged(_ image: Tensor, scale: Int) -> Tensor {
    precondition(scale >= 1, "an enlargement factor must be ≥ 1, got \(scale)")
    let image = image.rank == 4 ? image.image(0) : image.rank == 2 ? image.reshaped([1] + image.shape) : image
    let (channels, h, w) = (image.shape[0], image.shape[1], image.shape[2])
    let (height, width) = (h * scale, w * scale)
    return Tensor(shape: [channels, height, width]) { index in
      let c = index / (height * width), i = (index / width) % height, j = index % width
      return image.scalars[(c * h + i / scale) * w + j / scale]
    }
  }

  /// Writes the raster as `NAME.png` and the SVG as `NAME.svg` next to it, atomically.
  /// - Parameter url: the file name without extension (any extension is replaced).
  func write(to url: URL, grey: Bool = false) throws {
    let base = url.deletingPathExtension()
    try FileManager.default.createDirectory(at: base.deletingLastPathComponent(), withIntermediateDirectories: true)
    try PNGFile.write(raster(grey: grey), to: base.appendingPathExtension("png"))
    try AtomicFile.write(Data(svg().utf8), to: base.appendingPathExtension("svg"))
  }
}
