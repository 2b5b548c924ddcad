import Tensors

/// A linear map between image sets, with its adjoint.
///
/// Both act on `N × C × H × W` tensors (a `C × H × W` image is accepted and keeps its rank),
/// channel by channel. Every conformance satisfies `⟨A x, y⟩ = ⟨x, Aᵀ y⟩`.
public protocol LinearOperator: Sendable {
  /// `A x`.
  func apply(_ x: Tensor) -> Tensor
  /// `Aᵀ y`.
  func adjoint(_ y: Tensor) -> Tensor
}

/// The operator of a forward model `y = A x + σ e` (SPEC.md §2).
public enum ForwardOperator: LinearOperator, Equatable, Sendable, CustomStringConvertible {
  /// `A = I`.
  case denoising
  /// `A x = M ⊙ x` with a binary mask.
  case inpainting(Inpainting)
  /// Circular true convolution with a kernel.
  case deconvolution(Deconvolution)

  /// `A x` for `x` of `N × C × H × W` or `C × H × W`: `x` itself for denoising, `M ⊙ x` for
  /// inpainting, the circular convolution with `k` for deconvolution. Same shape as `x`.
  public func apply(_ x: Tensor) -> Tensor {
    switch self {
    case .denoising: return x
    case let .inpainting(inpainting): return inpainting.apply(x)
    case let .deconvolution(deconvolution): return deconvolution.apply(x)
    }
  }

  /// `Aᵀ y`: `y` for denoising, `M ⊙ y` for inpainting, the circular correlation with `k` for
  /// deconvolution. Same shape as `y`.
  public func adjoint(_ y: Tensor) -> Tensor {
    switch self {
    case .denoising: return y
    case let .inpainting(inpainting): return inpainting.adjoint(y)
    case let .deconvolution(deconvolution): return deconvolution.adjoint(y)
    }
  }

  /// The family name: `denoising`, `inpainting` or `deconvolution`.
  public var name: String {
    switch self {
    case .denoising: return "denoising"
    case .inpainting: return "inpainting"
    case .deconvolution: return "deconvolution"
    }
  }

  public var description: String {
    switch self {
    case .denoising: return "denoising"
    case let .inpainting(inpainting):
      return "inpainting (\(Int(inpainting.mask.sum())) of \(inpainting.mask.count) pixels observed)"
    case let .deconvolution(deconvolution):
      return "deconvolution (\(deconvolution.kernel.shape[0])×\(deconvolution.kernel.shape[1]) kernel)"
    }
  }

  /// Checks that the operator can act on images of `height × width`: a mask of exactly that
  /// size, a kernel of at most that size.
  /// - Throws: `PhysicsError.maskSizeMismatch` or `PhysicsError.kernelTooLarge`.
  public func validate(height: Int, width: Int) throws {
    switch self {
    case .denoising: return
    case let .inpainting(inpainting):
      if inpainting.mask.shape != [height, width] {
        throw PhysicsError.maskSizeMismatch(mask: inpainting.mask.shape, images: [height, width])
      }
    case let .deconvolution(deconvolution):
      if deconvolution.kernel.shape[0] > height || deconvolution.kernel.shape[1] > width {
        throw PhysicsError.kernelTooLarge(kernel: deconvolution.kernel.shape, height: height, width: width)
      }
    }
  }
}

extension Tensor {
  /// Calls `body` on each `H × W` plane of a rank ≥ 2 tensor, returning the tensor of results.
  func mapPlanes(_ body: (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
    precondition(rank >= 2, "expected images, got shape \(shape)")
    let planeSize = shape[rank - 2] * shape[rank - 1]
    var result = Tensor(zeros: shape)
    scalars.withUnsafeBufferPointer { source in
      result.scalars.withUnsafeMutableBufferPointer { target in
        for start in stride(from: 0, to: count, by: Swift.max(planeSize, 1)) {
          body(UnsafeBufferPointer(rebasing: source[start ..< start + planeSize]),
               UnsafeMutableBufferPointer(rebasing: target[start ..< start + planeSize]))
        }
      }
    }
    return result
  }
}
