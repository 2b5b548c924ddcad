/// A problem with an operator's data: a mask or kernel of the wrong size, an unknown name.
public enum PhysicsError: Error, Equatable, CustomStringConvertible {
  /// An inpainting mask whose shape is not the images' `H × W` (`ForwardOperator.validate`).
  case maskSizeMismatch(mask: [Int], images: [Int])
  /// A deconvolution kernel larger than the `height × width` images (`ForwardOperator.validate`).
  case kernelTooLarge(kernel: [Int], height: Int, width: Int)
  /// A kernel that cannot be built or read: larger than the image, not `Kh × Kw`, or not finite.
  case invalidKernel(String)
  /// A mask that cannot be built or read: a hole outside the image, the wrong shape, or not finite.
  case invalidMask(String)
  /// An operator name that is neither a family nor an `OperatorPreset`.
  case unknownOperator(String)
  /// A mask, kernel, input or operator spelling that does not parse; the message is complete.
  case invalidSpecification(String)
  /// An estimator input the operator does not support (`inverse:ε` with inpainting).
  case inputDoesNotFitOperator(input: String, operator: String)
  /// A noise level `σ < 0`. Nothing in the package throws it at present: `GaussianNoise`
  /// stops a negative `σ` with a precondition.
  case negativeSigma(Float)

  public var description: String {
    switch self {
    case let .maskSizeMismatch(mask, images):
      return "mask of size \(mask.map(String.init).joined(separator: "×")) does not match images of size \(images.map(String.init).joined(separator: "×")); expected an H × W mask of the images' height and width"
    case let .kernelTooLarge(kernel, height, width):
      return "kernel of size \(kernel.map(String.init).joined(separator: "×")) is larger than the \(height)×\(width) image; a kernel must be at most the image size"
    case let .invalidKernel(message): return "invalid kernel: \(message)"
    case let .invalidMask(message): return "invalid mask: \(message)"
    case let .unknownOperator(name):
      return "unknown operator '\(name)'; expected denoising, inpainting, deconvolution or a preset (\(OperatorPreset.allCases.map(\.rawValue).joined(separator: ", ")))"
    case let .invalidSpecification(message): return message
    case let .inputDoesNotFitOperator(input, op):
      return "estimator input '\(input)' does not fit the \(op) operator (inverse:ε is for deconvolution and denoising)"
    case let .negativeSigma(sigma): return "sigma must be ≥ 0, got \(sigma)"
    }
  }
}
