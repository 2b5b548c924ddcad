import Tensors

/// Image resizing by area averaging, the resampling used for folder images.
enum ImageResampling {
  /// Resizes a `C × H × W` image so that its shorter side is `size` (area averaging), then
  /// crops the centre `size × size` (the top/left margin gets the smaller half of an odd excess).
  static func resizeShorterSideAndCenterCrop(_ image: Tensor, to size: Int) -> Tensor {
    precondition(image.rank == 3 && size > 0, "resize of shape \(image.shape) to \(size)")
    let height = image.shape[1], width = image.shape[2]
    let shorter = min(height, width)
    let newHeight = height == shorter ? size : max(size, Int((Double(height) * Double(size) / Double(shorter)).rounded()))
    let newWidth = width == shorter ? size : max(size, Int((Double(width) * Double(size) / Double(shorter)).rounded()))
    let resized = resizeByArea(image, height: newHeight, width: newWidth)
    let top = (newHeight - size) / 2, left = (newWidth - size) / 2
    let channels = image.shape[0]
    var scalars = [Float](repeating: 0, count: channels * size * size)
    for channel in 0..<channels {
      for row in 0..<size {
        for column in 0..<size {
          scalars[(channel * size + row) * size + column] = resized.scalars[(channel * newHeight + top + row) * newWidth + left + column]
        }
      }
    }
    return Tensor(shape: [channels, size, size], scalars: scalars)
  }

  /// Resizes a `C × H × W` image to `height × width` by exact area weights (a box filter):
  ///
  /// ```
  /// out[c, i, j] = Σ_{k,l} a_{i,k} b_{j,l} x[c, k, l],
  /// a_{i,k} = |[k, k+1) ∩ [i·H/h, (i+1)·H/h)| / (H/h)       (likewise b for columns)
  /// ```
  /// so that shrinking by an integer factor gives the plain mean of each block.
  static func resizeByArea(_ image: Tensor, height: Int, width: Int) -> Tensor {
    let channels = image.shape[0], sourceHeight = image.shape[1], sourceWidth = image.shape[2]
    let rowWeights = areaWeights(from: sourceHeight, to: height)
    let columnWeights = areaWeights(from: sourceWidth, to: width)
    var scalars = [Float](repeating: 0, count: channels * height * width)
    image.withUnsafeBufferPointer { source in
      var rows = [Double](repeating: 0, count: sourceWidth)
      for channel in 0..<channels {
        for i in 0..<height {
          for index in rows.indices { rows[index] = 0 }
          for (k, weight) in rowWeights[i] {
            let base = (channel * sourceHeight + k) * sourceWidth
            for l in 0..<sourceWidth { rows[l] += weight * Double(source[base + l]) }
          }
          for j in 0..<width {
            var sum = 0.0
            for (l, weight) in columnWeights[j] { sum += weight * rows[l] }
            scalars[(channel * height + i) * width + j] = Float(sum)
          }
        }
      }
    }
    return Tensor(shape: [channels, height, width], scalars: scalars)
  }

  /// For each output index, the source indices it overlaps and their weights (summing to 1).
  static func areaWeights(from source: Int, to target: Int) -> [[(Int, Double)]] {
    let scale = Double(source) / Double(target)
    return (0..<target).map { i in
      let start = Double(i) * scale, end = Double(i + 1) * scale
      var weights: [(Int, Double)] = []
      var k = Int(start.rounded(.down))
      while k < source, Double(k) < end {
        let overlap = min(end, Double(k + 1)) - max(start, Double(k))
        if overlap > 1e-12 { weights.append((k, overlap / scale)) }
        k += 1
      }
      return weights
    }
  }
}
