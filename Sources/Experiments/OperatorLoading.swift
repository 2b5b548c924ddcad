import Foundation
import Tensors
import DataFiles
import Physics

extension OperatorSpecification {
  /// The operator for `height × width` images, reading masks and kernels from `.npy` or PNG
  /// files (a PNG mask uses its first channel; values ≥ 0.5 are observed).
  public func makeOperator(height: Int, width: Int) throws -> ForwardOperator {
    try makeOperator(height: height, width: width, loadFile: loadOperatorFile)
  }
}

/// Reads a mask or kernel file: `.npy` as it is, PNG as its first channel (`H × W`).
func loadOperatorFile(_ path: String) throws -> Tensor {
  let url = URL(fileURLWithPath: path)
  if path.lowercased().hasSuffix(".png") {
    let image = try PNGFile.read(contentsOf: url)  // C × H × W
    let (height, width) = (image.shape[1], image.shape[2])
    return Tensor(shape: [height, width], scalars: Array(image.scalars[0 ..< height * width]))
  }
  return try NumPyFile.read(contentsOf: url)
}
