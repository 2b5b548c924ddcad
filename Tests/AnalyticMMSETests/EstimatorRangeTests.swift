import Testing
@testable import AnalyticMMSE
import Physics
import Tensors

/// Every estimator, kernel and padding stays finite at both ends of the accepted σ range, and
/// reaches its limit there: at the smallest σ a query equal to a training image is recovered
/// (its own patches are the only candidates at distance 0); at the largest every weight is equal.
@Test(arguments: [EstimatorKind.lemmse, .lmmse, .mmse, .emmse], [Padding.circular, .zeros])
func estimatorsAreFiniteAtBothEndsOfTheSigmaRange(kind: EstimatorKind, padding: Padding) throws {
  guard !(kind == .emmse && padding == .zeros) else { return }
  var generator = SeededGenerator(seed: 21)
  let training = Tensor.uniform(shape: [5, 2, 7, 6], using: &generator)
  let query = training.images(3..<4)
  let operators: [(ForwardOperator, EstimatorInput)] = [
    (.denoising, .agnostic),
    (.inpainting(Inpainting(mask: Masks.box(height: 7, width: 6, top: 2, left: 2, boxHeight: 2, boxWidth: 2))), .adjoint),
    (.deconvolution(Deconvolution(kernel: Kernels.gaussian(standardDeviation: 0.7, size: 3))), .wiener(lambda: 0.01)),
  ]
  for (op, input) in operators {
    for sigma in [AnalyticEstimator.sigmaRange.lowerBound, AnalyticEstimator.sigmaRange.upperBound] {
      for threshold in [30.0, nil] {
        let estimator = try AnalyticEstimator(
          training: training, forwardOperator: op, input: input,
          settings: EstimatorSettings(estimator: kind, patchSize: 3, padding: padding, sigma: sigma, pruneThreshold: threshold, threads: 2))
        let u = try input.map(op.apply(query), for: op)
        let result = try estimator.estimate(inputs: u)
        let label = "\(kind) \(padding) \(op) σ=\(sigma) T=\(String(describing: threshold))"
        #expect(result.images.firstNonFiniteIndex == nil, "\(label)")
        #expect(result.logDensity.firstNonFiniteIndex == nil, "\(label)")
        #expect(result.effectiveCandidates.firstNonFiniteIndex == nil, "\(label)")
        if sigma == AnalyticEstimator.sigmaRange.lowerBound, case .denoising = op {
          #expect(result.images.maxAbsoluteDifference(query) < 1e-5, "\(label)")
          #expect(result.effectiveCandidates.scalars.allSatisfy { abs($0 - 1) < 1e-3 }, "\(label)")
        }
      }
    }
  }
}

@Test func valuesOutsideTheAcceptedRangesAreRefused() throws {
  var training = Tensor(zeros: [2, 1, 8, 8])
  func make(_ settings: EstimatorSettings) throws -> AnalyticEstimator {
    try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic, settings: settings)
  }
  #expect(throws: AnalyticMMSEError.sigmaOutOfRange(1e-30)) { try make(EstimatorSettings(sigma: 1e-30)) }
  #expect(throws: AnalyticMMSEError.sigmaOutOfRange(1e30)) { try make(EstimatorSettings(sigma: 1e30)) }
  #expect(throws: AnalyticMMSEError.sigmaOutOfRange(.infinity)) { try make(EstimatorSettings(sigma: .infinity)) }
  #expect(throws: AnalyticMMSEError.self) { try make(EstimatorSettings(sigma: .nan)) }
  #expect(throws: AnalyticMMSEError.invalidPruneThreshold(1e-300)) { try make(EstimatorSettings(sigma: 0.1, pruneThreshold: 1e-300)) }
  #expect(throws: AnalyticMMSEError.invalidThreads(0)) { try make(EstimatorSettings(sigma: 0.1, threads: 0)) }
  let estimator = try make(EstimatorSettings(sigma: 0.1))
  for bad: Float in [.nan, .infinity, -.infinity, 3e38] {
    var y = Tensor(zeros: [1, 1, 8, 8])
    y[0, 0, 2, 3] = bad
    #expect(throws: AnalyticMMSEError.self, "\(bad)") { try estimator.checkMeasurements(y) }
    #expect(throws: AnalyticMMSEError.self, "\(bad)") { try estimator.estimate(measurements: y) }
    if bad.isNaN || bad.isInfinite { #expect(throws: AnalyticMMSEError.self) { try estimator.estimate(inputs: y) } }
  }
  training[1, 0, 4, 4] = .nan
  #expect(throws: AnalyticMMSEError.self) { try make(EstimatorSettings(sigma: 0.1)) }
  do { _ = try make(EstimatorSettings(sigma: 0.1)) } catch let error as AnalyticMMSEError {
    #expect(error.description.contains("NaN at [1, 0, 4, 4]"))
  }
  #expect(throws: AnalyticMMSEError.emptyTrainingSet) {
    try AnalyticEstimator(training: Tensor(zeros: [2, 1, 0, 0]), forwardOperator: .denoising, input: .agnostic, settings: EstimatorSettings(sigma: 0.1))
  }
}
