import Tensors

/// The channels a data set is loaded with.
///
/// - `native`: as stored (1 for grey sets, 3 for colour).
/// - `grey`: one channel; colour becomes ITU-R BT.601 luma `0.299 R + 0.587 G + 0.114 B`.
/// - `rgb`: three channels; grey is repeated in each.
public enum ColorMode: String, CaseIterable, Sendable {
  case native, grey, rgb

  /// Converts an `N × C × H × W` set to this mode.
  ///
  /// - Throws: `DataFileError.inconsistentImages` when `C` is neither 1 nor 3 and a conversion is asked for.
  func apply(to images: Tensor, dataSet: String) throws -> Tensor {
    let batch = images.imageBatchShape
    switch (self, batch.channels) {
    case (.native, _), (.grey, 1), (.rgb, 3):
      return images
    case (.grey, 3):
      let plane = batch.planeSize
      var scalars = [Float](repeating: 0, count: batch.count * plane)
      images.withUnsafeBufferPointer { source in
        for image in 0..<batch.count {
          let base = image * 3 * plane
          for pixel in 0..<plane {
            scalars[image * plane + pixel] = 0.299 * source[base + pixel] + 0.587 * source[base + plane + pixel] + 0.114 * source[base + 2 * plane + pixel]
          }
        }
      }
      return Tensor(shape: [batch.count, 1, batch.height, batch.width], scalars: scalars)
    case (.rgb, 1):
      let plane = batch.planeSize
      var scalars = [Float](repeating: 0, count: batch.count * 3 * plane)
      images.withUnsafeBufferPointer { source in
        for image in 0..<batch.count {
          for channel in 0..<3 {
            for pixel in 0..<plane { scalars[(image * 3 + channel) * plane + pixel] = source[image * plane + pixel] }
          }
        }
      }
      return Tensor(shape: [batch.count, 3, batch.height, batch.width], scalars: scalars)
    default:
      throw DataFileError.inconsistentImages(dataSet: dataSet, detail: "\(batch.channels) channels cannot be converted to \(rawValue); only 1 or 3 can")
    }
  }
}
