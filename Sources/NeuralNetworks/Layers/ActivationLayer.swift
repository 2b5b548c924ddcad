import Tensors

/// A pointwise activation layer, `y = f(x)`, any shape; backward `∂x = f′(x) ⊙ ∂y`.
///
/// The forward pass evaluates `f` and `f′` together with a vectorised kernel (exp to ≈2e-7
/// relative, erf to 1.5e-7 absolute; `Activation.value` is the libm reference) and keeps `f′(x)`
/// for the backward pass, which is then one multiplication.
public final class ActivationLayer: Layer {
  /// The nonlinearity `f`.
  public let activation: Activation
  private var derivatives: Tensor?

  /// A layer applying `activation` to every value.
  public init(_ activation: Activation) { self.activation = activation }

  /// `f(x)`, any shape; keeps `f′(x)` for `backward`.
  public func forward(_ x: Tensor) -> Tensor {
    // A fresh output filled piece by piece (copy, then in place while in cache): `var output = x`
    // would copy the whole tensor on one thread first.
    var output = Tensor(uninitializedShape: x.shape)
    var derivative = derivatives?.shape == x.shape ? derivatives! : Tensor(zeros: x.shape)
    derivatives = nil  // drop the cached reference so the buffer is written without a copy
    let activation = activation
    x.withSendablePointer { source in
      output.withMutableSendablePointer { target in
        derivative.withMutableSendablePointer { slopes in
          let count = x.count, pieceSize = 16_384
          Parallel.forEach((count + pieceSize - 1) / pieceSize) { piece in
            let start = piece * pieceSize, length = Swift.min(pieceSize, count - start)
            (target + start).update(from: source + start, count: length)
            ActivationKernel.apply(activation, values: target + start, derivatives: slopes + start, count: length)
          }
        }
      }
    }
    derivatives = derivative
    return output
  }

  /// `f′(x) ⊙ ∂y` for the `x` of the latest `forward`; same shape.
  public func backward(_ gradOutput: Tensor) -> Tensor {
    guard let derivatives else { preconditionFailure("ActivationLayer.backward called before forward") }
    precondition(gradOutput.shape == derivatives.shape,
                 "ActivationLayer.backward expects shape \(derivatives.shape), got \(gradOutput.shape)")
    var gradInput = Tensor(uninitializedShape: gradOutput.shape)
    derivatives.withSendablePointer { slopes in
      gradOutput.withSendablePointer { source in
        gradInput.withMutableSendablePointer { target in
          let count = gradOutput.count, pieceSize = 16_384
          Parallel.forEach((count + pieceSize - 1) / pieceSize) { piece in
            for index in piece * pieceSize ..< Swift.min(count, (piece + 1) * pieceSize) {
              target[index] = source[index] * slopes[index]
            }
          }
        }
      }
    }
    return gradInput
  }
}
