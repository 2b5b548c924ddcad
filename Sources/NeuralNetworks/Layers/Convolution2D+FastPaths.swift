import Tensors

/// The fast paths of `Convolution2D`: Winograd for `3 × 3`, one product per image for `1 × 1`.
extension Convolution2D {
  /// Whether a `3 × 3` kernel runs as Winograd F(2 × 2, 3 × 3) (the default) or as im2col and
  /// one matrix product; for the benchmarks' side-by-side measurement.
  @_spi(Benchmarks) public var usesWinograd: Bool {
    get { winograd != nil }
    set {
      winograd = newValue && kernelSize == 3
        ? WinogradConvolution3x3(inputChannels: inputChannels, outputChannels: outputChannels, padding: padding) : nil
    }
  }

  /// Whether a `1 × 1` kernel runs image by image (the default) or as im2col and one matrix
  /// product; for the benchmarks' side-by-side measurement.
  @_spi(Benchmarks) public var usesPointwisePath: Bool {
    get { pointwise != nil }
    set { pointwise = newValue && kernelSize == 1 ? PointwiseConvolution(inputChannels: inputChannels, outputChannels: outputChannels) : nil }
  }

  /// The output by a fast path, or `nil` when the kernel has none (im2col then).
  func fastForward(_ x: Tensor, shape: ImageBatchShape) -> Tensor? {
    guard winograd != nil || pointwise != nil else { return nil }
    let biasValues = bias?.value.scalars ?? [Float](repeating: 0, count: outputChannels)
    var output = Tensor(uninitializedShape: [shape.count, outputChannels, shape.height, shape.width])
    x.withSendablePointer { source in
      output.withMutableSendablePointer { target in
        weight.value.withSendablePointer { w in
          if let winograd {
            winograd.forward(source, shape: shape, weight: w, bias: biasValues, into: target)
          } else {
            pointwise?.forward(source, shape: shape, weight: w, bias: biasValues, into: target)
          }
        }
      }
    }
    return output
  }

  /// `∂x` by a fast path (adding the parameter gradients), or `nil` when the kernel has none.
  func fastBackward(_ x: Tensor, shape: ImageBatchShape, gradOutput: Tensor) -> Tensor? {
    guard winograd != nil || pointwise != nil else { return nil }
    var gradInput = Tensor(uninitializedShape: x.shape)
    x.withSendablePointer { source in
      gradOutput.withSendablePointer { gradOut in
        gradInput.withMutableSendablePointer { gradIn in
          weight.value.withSendablePointer { w in
            weight.gradient.withMutableSendablePointer { gw in
              if let winograd {
                winograd.backward(source, shape: shape, gradOutput: gradOut, weightGradient: gw, into: gradIn)
              } else {
                pointwise?.backward(source, shape: shape, gradOutput: gradOut, weight: w, weightGradient: gw, into: gradIn)
              }
            }
          }
        }
      }
    }
    if let bias { addBiasGradient(gradOutput, to: bias) }
    return gradInput
  }
}
