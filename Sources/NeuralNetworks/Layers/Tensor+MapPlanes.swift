import Tensors

extension Tensor {
  /// A new `N × C × height × width` tensor whose every plane is written by
  /// `body(sourcePlane, targetPlane)` from the matching `H × W` plane of `self`, one plane per
  /// piece of parallel work. The target starts at zero.
  ///
  /// The plane loop of the resampling layers (`AveragePool2x2`, `NearestUpsample2x`), forward and
  /// backward: only the arithmetic inside a plane differs.
  func mappingPlanes(toHeight height: Int, width: Int,
                     _ body: @Sendable (_ source: UnsafeMutablePointer<Float>, _ target: UnsafeMutablePointer<Float>) -> Void)
    -> Tensor {
    let s = imageBatchShape, sourceSize = s.planeSize, targetSize = height * width
    var result = Tensor(zeros: [s.count, s.channels, height, width])
    withSendablePointer { source in
      result.withMutableSendablePointer { target in
        Parallel.forEach(s.count * s.channels) { plane in body(source + plane * sourceSize, target + plane * targetSize) }
      }
    }
    return result
  }
}
