import Tensors

/// Deconvolution: a circular (periodic) **true convolution** with a kernel `k` of size
/// `Kh × Kw` whose centre is `k[Kh/2, Kw/2]`, the same for every channel.
///
/// ```
/// (A x)[c, i, j] = Σ_{a,b} k[a, b] · x[c, (i − a + Kh/2) mod H, (j − b + Kw/2) mod W]
/// (Aᵀ y)[c, i, j] = Σ_{a,b} k[a, b] · y[c, (i + a − Kh/2) mod H, (j + b − Kw/2) mod W]
/// ```
/// This is a convolution, not PyTorch's `conv2d` correlation: a kernel with a single 1 at
/// `(Kh/2 + 1, Kw/2)` moves the image one row *down*.
public struct Deconvolution: LinearOperator, Equatable, Sendable {
  /// The `Kh × Kw` kernel.
  public let kernel: Tensor

  /// How `apply` and `adjoint` compute the sum; both give the same result up to rounding.
  ///
  /// - `direct`: the `Kh · Kw` taps per pixel, `O(N C H W Kh Kw)`;
  /// - `fft`: a product with `transferFunction(height:width:)` in the Fourier domain,
  ///   `O(N C H W log(H W))`;
  /// - `automatic`: `fft` when `Kh · Kw > 225`, `direct` otherwise.
  public enum Method: Sendable { case automatic, direct, fft }

  /// A deconvolution by `kernel`, used as given: not normalised, not flipped.
  /// - Parameter kernel: `Kh × Kw` (a precondition), centre `k[Kh/2, Kw/2]`; at most the image
  ///   size, which `ForwardOperator.validate(height:width:)` checks once the images are known.
  public init(kernel: Tensor) {
    precondition(kernel.rank == 2, "a deconvolution kernel is Kh × Kw, got shape \(kernel.shape)")
    self.kernel = kernel
  }

  /// `A x`, the circular true convolution of every channel with `kernel` (method `.automatic`).
  /// - Parameter x: `N × C × H × W` or `C × H × W`; the result has the same shape.
  public func apply(_ x: Tensor) -> Tensor { apply(x, method: .automatic) }
  /// `Aᵀ y`, the matching circular correlation (the convolution with the flipped kernel),
  /// method `.automatic`; same shape as `y`.
  public func adjoint(_ y: Tensor) -> Tensor { adjoint(y, method: .automatic) }

  /// `A x` computed by `method`, for comparing the two sums and for benchmarks.
  public func apply(_ x: Tensor, method: Method) -> Tensor { filter(x, adjoint: false, method: method) }
  /// `Aᵀ y` computed by `method`; the FFT path multiplies by the conjugate `conj(k̂)`.
  public func adjoint(_ y: Tensor, method: Method) -> Tensor { filter(y, adjoint: true, method: method) }

  /// The kernel's transfer function `k̂ = 𝓕(k placed circularly with its centre at (0, 0))`,
  /// so that `𝓕(A x) = k̂ · 𝓕x`.
  public func transferFunction(height: Int, width: Int) -> ComplexPlane {
    let kernelHeight = kernel.shape[0], kernelWidth = kernel.shape[1]
    var placed = [Double](repeating: 0, count: height * width)
    for a in 0..<kernelHeight {
      for b in 0..<kernelWidth {
        let i = ((a - kernelHeight / 2) % height + height) % height
        let j = ((b - kernelWidth / 2) % width + width) % width
        placed[i * width + j] += Double(kernel[a, b])
      }
    }
    return FFT2D(height: height, width: width).forward(placed)
  }

  private func filter(_ x: Tensor, adjoint: Bool, method: Method) -> Tensor {
    precondition(x.rank >= 2, "expected images, got shape \(x.shape)")
    let height = x.shape[x.rank - 2], width = x.shape[x.rank - 1]
    let useFFT: Bool
    switch method {
    case .automatic: useFFT = kernel.count > 225  // measured: direct wins up to 9 × 9 at 64 × 64 by 3×
    case .direct: useFFT = false
    case .fft: useFFT = true
    }
    if useFFT {
      let fft = FFT2D(height: height, width: width)
      let transfer = transferFunction(height: height, width: width)
      return x.mapPlanes { source, target in
        let spectrum = fft.forward(source).multiplied(by: transfer, conjugatingOther: adjoint)
        let values = fft.inverseReal(spectrum)
        for index in target.indices { target[index] = Float(values[index]) }
      }
    }
    let kernelHeight = kernel.shape[0], kernelWidth = kernel.shape[1]
    let sign = adjoint ? 1 : -1
    // Source rows and columns of every (output index, kernel index), so no modulo runs per tap.
    let sourceRows = (0..<height).flatMap { i in (0..<kernelHeight).map { a in ((i + sign * (a - kernelHeight / 2)) % height + height) % height * width } }
    let sourceColumns = (0..<width).flatMap { j in (0..<kernelWidth).map { b in ((j + sign * (b - kernelWidth / 2)) % width + width) % width } }
    return kernel.scalars.withUnsafeBufferPointer { weights in
      x.mapPlanes { source, target in
        for i in 0..<height {
          for j in 0..<width {
            var total: Float = 0
            for a in 0..<kernelHeight {
              let row = sourceRows[i * kernelHeight + a]
              for b in 0..<kernelWidth {
                total += weights[a * kernelWidth + b] * source[row + sourceColumns[j * kernelWidth + b]]
              }
            }
            target[i * width + j] = total
          }
        }
      }
    }
  }
}
