import Tensors

/// Inpainting: `A x = M ⊙ x` with a fixed binary mask `M` of size `H × W` (1 = observed),
/// the same for every channel. `Aᵀ = A`.
public struct Inpainting: LinearOperator, Equatable, Sendable {
  /// The `H × W` mask, values 0 or 1.
  public let mask: Tensor

  /// - Parameter mask: `H × W`, 1 where the pixel is observed. Values are rounded to 0 or 1.
  public init(mask: Tensor) {
    precondition(mask.rank == 2, "an inpainting mask is H × W, got shape \(mask.shape)")
    self.mask = mask.map { $0 >= 0.5 ? 1 : 0 }
  }

  /// `A x = M ⊙ x` on every channel.
  /// - Parameter x: `N × C × H × W` or `C × H × W` whose `H × W` is the mask's (a precondition;
  ///   `ForwardOperator.validate(height:width:)` throws for images from data).
  public func apply(_ x: Tensor) -> Tensor {
    precondition(x.rank >= 2 && Array(x.shape.suffix(2)) == mask.shape,
                 "mask \(mask.shape) does not fit images \(x.shape)")
    return mask.scalars.withUnsafeBufferPointer { maskValues in
      x.mapPlanes { source, target in
        for index in source.indices { target[index] = source[index] * maskValues[index] }
      }
    }
  }

  /// `Aᵀ y = M ⊙ y`: a binary mask is its own adjoint.
  public func adjoint(_ y: Tensor) -> Tensor { apply(y) }
}
