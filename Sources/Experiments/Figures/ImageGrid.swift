import Tensors

/// Tiles images into one picture: `rows × columns` cells, each a `C × H × W` image, separated
/// by a white gutter, with no labels. For a figure with row names, headers and captions (PNG and
/// SVG) use `FigureGrid`.
///
/// - Parameters:
///   - cells: row-major; every image `C × H × W` (or `1 × C × H × W`) with the same shape;
///     grey images are repeated to 3 channels when others are colour.
///   - gutter: the white space between cells, in pixels of the output.
///   - scale: every image pixel becomes a `scale × scale` block (nearest neighbour).
/// - Returns: a `C × (rows·s·H + (rows−1)·gutter) × (columns·s·W + (columns−1)·gutter)` image,
///   values clamped to `[0, 1]`.
public func imageGrid(_ cells: [[Tensor]], gutter: Int = 2, scale: Int = 1) -> Tensor {
  precondition(scale >= 1, "an image grid's scale must be ≥ 1, got \(scale)")
  let flat = cells.flatMap { $0 }.map { $0.rank == 4 ? $0.image(0) : $0 }
  precondition(!flat.isEmpty, "an image grid needs at least one image")
  let channels = flat.map { $0.shape[0] }.max()!
  let (sourceHeight, sourceWidth) = (flat[0].shape[1], flat[0].shape[2])
  let (height, width) = (sourceHeight * scale, sourceWidth * scale)
  let rows = cells.count, columns = cells.map(\.count).max()!
  let totalHeight = rows * height + (rows - 1) * gutter, totalWidth = columns * width + (columns - 1) * gutter
  var grid = Tensor(repeating: 1, shape: [channels, totalHeight, totalWidth])
  for (row, cellRow) in cells.enumerated() {
    for (column, cell) in cellRow.enumerated() {
      let image = cell.rank == 4 ? cell.image(0) : cell
      precondition(Array(image.shape.suffix(2)) == [sourceHeight, sourceWidth], "grid cells differ in size: \(image.shape)")
      for c in 0..<channels {
        let source = Swift.min(c, image.shape[0] - 1)
        for i in 0..<height {
          for j in 0..<width {
            let value = Swift.min(Swift.max(image[source, i / scale, j / scale], 0), 1)
            grid[c, row * (height + gutter) + i, column * (width + gutter) + j] = value
          }
        }
      }
    }
  }
  return grid
}
