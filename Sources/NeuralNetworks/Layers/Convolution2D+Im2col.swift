import Tensors

/// The im2col path of `Convolution2D` (kernels without a fast path) and its adjoint, col2im.
extension Convolution2D {
  /// `col[(c·K + a)·K + b, m·H·W + i·W + j] = x[first + m, c, i + a − r, j + b − r]` (wrapped or 0)
  /// for the `images` images from `first`; `col` has `B·H·W` columns, `B = images`.
  ///
  /// Each row of `col` is, for one image, the plane shifted by `(a − r, b − r)`: in flat indices
  /// one contiguous copy covers every pixel whose source is inside the image (the pixels where
  /// `j + b − r` leaves the row are overwritten after), so a row costs one `memmove` and a fix-up
  /// of `|b − r|` pixels per image row instead of a call per image row.
  func im2col(_ source: SendablePointer<Float>, shape: ImageBatchShape, first: Int, images: Int,
                      into col: SendablePointer<Float>) {
    let k = kernelSize, r = kernelSize / 2, height = shape.height, width = shape.width, circular = padding == .circular
    let channels = inputChannels, plane = shape.planeSize, length = images * plane
    Parallel.forEach(images * channels) { piece in
      let image = piece / channels, c = piece % channels
      let channel = source + ((first + image) * channels + c) * plane
      for a in 0..<k {
        for b in 0..<k {
          let target = col + ((c * k + a) * k + b) * length + image * plane
          let di = a - r, dj = b - r
          // Rows whose source row is inside the image, and columns whose source column is.
          let iLower = Swift.max(0, -di), iUpper = Swift.min(height, height - di)
          let lower = Swift.max(0, -dj), upper = Swift.min(width, width - dj)
          if iUpper > iLower {
            let start = iLower * width + lower, end = (iUpper - 1) * width + upper
            (target + start).update(from: channel + start + di * width + dj, count: end - start)
            if dj != 0 {
              for i in iLower..<iUpper {
                let row = target + i * width, sourceRow = channel + (i + di) * width
                for j in 0..<lower { row[j] = circular ? sourceRow[j + dj + width] : 0 }
                for j in upper..<width { row[j] = circular ? sourceRow[j + dj - width] : 0 }
              }
            }
          }
          // Rows whose source row is outside: wrapped or 0.
          for i in 0..<height where i < iLower || i >= iUpper {
            let row = target + i * width
            if !circular {
              row.update(repeating: 0, count: width)
              continue
            }
            let sourceRow = channel + ((i + di + height) % height) * width
            for j in 0..<lower { row[j] = sourceRow[j + dj + width] }
            if upper > lower { (row + lower).update(from: sourceRow + lower + dj, count: upper - lower) }
            for j in Swift.max(upper, lower)..<width { row[j] = sourceRow[j + dj - width] }
          }
        }
      }
    }
  }

  /// The adjoint of `im2col`: `gradImage[first + m, c, i + a − r, j + b − r] += col[(c·K + a)·K + b, m·H·W + i·W + j]`.
  ///
  /// Overwrites `col` (scratch by then). Like `im2col`, each row of `col` is added to the shifted
  /// plane with one flat loop: the entries whose target wraps around a row (or is outside, for
  /// zero padding) are added where they belong first and then set to 0, so the flat loop adds
  /// exactly 0 there; every pixel still receives its terms in the order `(a, b)`.
  func col2im(_ col: SendablePointer<Float>, shape: ImageBatchShape, first: Int, images: Int,
                      into gradImage: SendablePointer<Float>) {
    let k = kernelSize, r = kernelSize / 2, height = shape.height, width = shape.width, circular = padding == .circular
    let channels = inputChannels, plane = shape.planeSize, length = images * plane
    Parallel.forEach(images * channels) { piece in
      let image = piece / channels, c = piece % channels
      let channel = gradImage + ((first + image) * channels + c) * plane
      for a in 0..<k {
        for b in 0..<k {
          let source = col + ((c * k + a) * k + b) * length + image * plane
          let di = a - r, dj = b - r
          let iLower = Swift.max(0, -di), iUpper = Swift.min(height, height - di)
          let lower = Swift.max(0, -dj), upper = Swift.min(width, width - dj)
          for i in 0..<height where i < iLower || i >= iUpper {
            if !circular { continue }
            let row = source + i * width
            let target = channel + ((i + di + height) % height) * width
            for j in 0..<lower { target[j + dj + width] += row[j] }
            for j in lower..<Swift.max(lower, upper) { target[j + dj] += row[j] }
            for j in Swift.max(upper, lower)..<width { target[j + dj - width] += row[j] }
          }
          if iUpper > iLower {
            if dj != 0 {
              for i in iLower..<iUpper {
                let row = source + i * width, target = channel + (i + di) * width
                for j in 0..<lower {
                  if circular { target[j + dj + width] += row[j] }
                  row[j] = 0
                }
                for j in upper..<width {
                  if circular { target[j + dj - width] += row[j] }
                  row[j] = 0
                }
              }
            }
            let start = iLower * width + lower, end = (iUpper - 1) * width + upper
            let target = channel + di * width + dj
            for q in start..<end { target[q] += source[q] }
          }
        }
      }
    }
  }
}

/// `to[j · rows + i] = from[i · columns + j] + bias[j]`: a `rows × columns` block, transposed, in
/// tiles that stay in L1.
func transposeAddingBias(from: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: [Float],
                                 to: UnsafeMutablePointer<Float>) {
  let tile = 16
  bias.withUnsafeBufferPointer { bias in
    var j0 = 0
    while j0 < columns {
      let j1 = Swift.min(columns, j0 + tile)
      var i0 = 0
      while i0 < rows {
        let i1 = Swift.min(rows, i0 + tile)
        for j in j0..<j1 {
          let value = bias[j], target = to + j * rows
          for i in i0..<i1 { target[i] = from[i * columns + j] + value }
        }
        i0 = i1
      }
      j0 = j1
    }
  }
}
