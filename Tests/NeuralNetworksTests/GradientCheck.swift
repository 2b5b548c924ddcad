import Foundation
import Testing
@testable import NeuralNetworks
import Tensors

/// One directional derivative of `L(x, θ) = ⟨w, f(x)⟩` computed both ways.
struct DirectionalCheck: CustomStringConvertible {
  var name: String
  var analytic: Double
  var numeric: Double
  var relativeError: Double { abs(analytic - numeric) / Swift.max(abs(analytic), abs(numeric), 1e-3) }
  var description: String { "\(name): analytic \(analytic), numeric \(numeric), relative error \(relativeError)" }
}

/// Compares the analytic gradient of the random projection `⟨w, f(x)⟩` with central differences
/// along random directions, for the input and for every parameter.
///
/// `D(h) = (L(x + h·d) − L(x − h·d)) / 2h ≈ ⟨∂L/∂x, d⟩`, refined by Richardson extrapolation
/// `(4·D(h/2) − D(h)) / 3`, whose error is `O(h⁴)`: in `Float` the step cannot be small (rounding),
/// and deep networks with normalisations over a few values curve enough to need it.
func directionalChecks(_ layer: any Layer, input: Tensor, seed: UInt64, step: Float = 1e-2,
                       forward: ((Tensor) -> Tensor)? = nil, backward: ((Tensor) -> Tensor)? = nil) -> [DirectionalCheck] {
  let forward = forward ?? { layer.forward($0) }
  let backward = backward ?? { layer.backward($0) }
  var generator = SeededGenerator(seed: seed)
  let output = forward(input)
  let projection = Tensor.gaussian(shape: output.shape, using: &generator)
  layer.zeroGradients()
  let gradInput = backward(projection)
  func loss(_ x: Tensor) -> Double { forward(x).dot(projection) }

  var checks: [DirectionalCheck] = []
  let direction = Tensor.gaussian(shape: input.shape, using: &generator)
  func extrapolated(_ evaluate: (Float) -> Double) -> Double {
    let coarse = (evaluate(step) - evaluate(-step)) / Double(2 * step)
    let fine = (evaluate(step / 2) - evaluate(-step / 2)) / Double(step)
    return (4 * fine - coarse) / 3
  }
  let numeric = extrapolated { loss(input + $0 * direction) }
  checks.append(DirectionalCheck(name: "input", analytic: gradInput.dot(direction), numeric: numeric))

  for (name, parameter, _) in layer.namedState() {
    guard let parameter else { continue }
    let d = Tensor.gaussian(shape: parameter.value.shape, using: &generator)
    let original = parameter.value
    let numeric = extrapolated { offset in
      parameter.value = original + offset * d
      return loss(input)
    }
    parameter.value = original
    checks.append(DirectionalCheck(name: name, analytic: parameter.gradient.dot(d), numeric: numeric))
  }
  return checks
}

/// Records a failure for every check beyond `tolerance`.
func expectGradientsMatch(_ layer: any Layer, input: Tensor, seed: UInt64 = 7, step: Float = 1e-2, tolerance: Double = 1e-2,
                          sourceLocation: SourceLocation = #_sourceLocation) {
  for check in directionalChecks(layer, input: input, seed: seed, step: step) {
    #expect(check.relativeError < tolerance, "\(check)", sourceLocation: sourceLocation)
  }
}

/// A layer whose input gradient is deliberately wrong, to prove that the check can fail.
final class SignFlipped: Layer {
  let inner: any Layer
  init(_ inner: any Layer) { self.inner = inner }
  var children: [(name: String, layer: any Layer)] { [("inner", inner)] }
  func forward(_ x: Tensor) -> Tensor { inner.forward(x) }
  func backward(_ gradOutput: Tensor) -> Tensor { -1 * inner.backward(gradOutput) }
}

func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
  var generator = SeededGenerator(seed: seed)
  return Tensor.gaussian(shape: shape, using: &generator)
}
