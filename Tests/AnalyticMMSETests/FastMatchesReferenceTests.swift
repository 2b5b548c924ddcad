import Foundation
import Testing
@testable import AnalyticMMSE
import Physics
import Tensors

/// One small problem of the reference-vs-fast grid.
struct EstimatorCase: CustomTestStringConvertible, Sendable {
  var estimator: EstimatorKind
  var operatorName: String
  var input: EstimatorInput
  var padding: Padding
  var channels: Int
  var patchSize: Int
  var sigma: Double

  var testDescription: String {
    "\(estimator.rawValue) \(operatorName) \(input) \(padding) C=\(channels) P=\(patchSize) σ=\(sigma)"
  }

  static let height = 7, width = 5

  func makeOperator() -> ForwardOperator {
    switch operatorName {
    case "denoising": return .denoising
    case "inpainting-box": return .inpainting(Inpainting(mask: Masks.box(height: Self.height, width: Self.width, top: 1, left: 1, boxHeight: 2, boxWidth: 2)))
    case "inpainting-random": return .inpainting(Inpainting(mask: Masks.randomDrop(height: Self.height, width: Self.width, dropFraction: 0.3, seed: 3)))
    case "deconvolution": return .deconvolution(Deconvolution(kernel: Tensor(shape: [2, 3], scalars: [0.1, 0.4, 0.05, 0.2, 0.15, 0.1])))
    default: return .deconvolution(Deconvolution(kernel: Kernels.gaussian(standardDeviation: 0.6, size: 3)))
    }
  }
}

/// The grid: every estimator × operator × input × padding, cycling channels, patch sizes
/// (1, 3, 5 and the whole image) and σ (down to 0.001, where pruning skips most candidates)
/// through their values.
let estimatorGrid: [EstimatorCase] = {
  let operatorInputs: [(String, EstimatorInput)] = [
    ("denoising", .agnostic), ("denoising", .wiener(lambda: 0.2)), ("denoising", .inverse(epsilon: 0.1)),
    ("inpainting-box", .agnostic), ("inpainting-box", .adjoint), ("inpainting-random", .wiener(lambda: 0.3)),
    ("inpainting-random", .agnostic),
    ("deconvolution", .agnostic), ("deconvolution", .adjoint), ("deconvolution", .wiener(lambda: 0.05)),
    ("deconvolution", .inverse(epsilon: 0.2)), ("deconvolution-gaussian", .wiener(lambda: 0.01)),
  ]
  let patchSizes = [1, 3, 5, 7], sigmas = [0.001, 0.01, 0.05, 0.1, 0.3, 1.0]
  var cases: [EstimatorCase] = []
  var counter = 0
  for estimator in EstimatorKind.allCases {
    for (name, input) in operatorInputs {
      for padding in Padding.allCases where !(estimator == .emmse && padding == .zeros) {
        if !estimator.usesPatches && padding == .zeros { continue }  // whole images: padding plays no part
        counter += 1
        cases.append(EstimatorCase(estimator: estimator, operatorName: name, input: input, padding: padding,
                                   channels: counter % 3 == 0 ? 3 : 1, patchSize: patchSizes[counter % 4],
                                   sigma: sigmas[(counter / 4) % sigmas.count]))
      }
    }
  }
  return cases
}()

func smoothRandomImages(count: Int, channels: Int, seed: UInt64) -> Tensor {
  var generator = SeededGenerator(seed: seed)
  let raw = Tensor.uniform(shape: [count, channels, EstimatorCase.height, EstimatorCase.width], using: &generator)
  return Deconvolution(kernel: Kernels.box(size: 2)).apply(raw)
}

/// `a` and `b` agree within `absolute + relative · |b|` everywhere.
func agree(_ a: Tensor, _ b: Tensor, absolute: Double, relative: Double) -> Bool {
  a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy { abs(Double($0) - Double($1)) <= absolute + relative * abs(Double($1)) }
}

@Test(arguments: estimatorGrid)
func fastEstimatorMatchesTheReference(_ setting: EstimatorCase) throws {
  let training = smoothRandomImages(count: 6, channels: setting.channels, seed: 1)
  let clean = smoothRandomImages(count: 2, channels: setting.channels, seed: 2)
  let op = setting.makeOperator()
  let y = measure(clean, with: op, sigma: Float(setting.sigma), seed: 5)
  let u = try setting.input.map(y, for: op)
  var settings = EstimatorSettings(estimator: setting.estimator, patchSize: setting.patchSize, padding: setting.padding,
                                   sigma: setting.sigma, pruneThreshold: nil, threads: 2)
  let reference = try ReferenceEstimator.evaluate(training: training, inputs: u, forwardOperator: op,
                                                  input: setting.input, settings: settings)
  let fast = try AnalyticEstimator(training: training, forwardOperator: op, input: setting.input, settings: settings)
  let exact = try fast.estimate(inputs: u)
  let kernel = exact.statistics.kernel
  #expect(exact.images.maxAbsoluteDifference(reference.images) < 1e-4, "exact: \(kernel)")
  // Log-weights are Float in the kernels: a few ulp of |log-density| (large at small σ).
  #expect(agree(exact.logDensity, reference.logDensity, absolute: 1e-3, relative: 1e-5), "log-density: \(kernel)")
  #expect(agree(exact.effectiveCandidates, reference.effectiveCandidates, absolute: 1e-3, relative: 1e-3), "effective: \(kernel)")
  #expect(exact.statistics.skippedPairs == 0)
  // Pruning at T = 30 changes nothing visible and loses at most the bound; one thread gives
  // the same bits as two.
  settings.pruneThreshold = 30
  settings.threads = 1
  let pruned = try AnalyticEstimator(training: training, forwardOperator: op, input: setting.input, settings: settings)
    .estimate(measurements: y)
  #expect(pruned.images.maxAbsoluteDifference(reference.images) < 1e-4, "pruned: \(kernel)")
  #expect(pruned.images.maxAbsoluteDifference(exact.images) < 1e-5)
  #expect(agree(pruned.logDensity, reference.logDensity, absolute: 1e-3, relative: 1e-5), "pruned log-density: \(kernel)")
  #expect(agree(pruned.effectiveCandidates, reference.effectiveCandidates, absolute: 1e-3, relative: 1e-3), "pruned effective: \(kernel)")
  #expect(pruned.statistics.skippedWeightBound < 1e-9, "bound \(pruned.statistics.skippedWeightBound)")
}

@Test(arguments: [1, 3])
func threadCountDoesNotChangeTheResult(channels: Int) throws {
  var generator = SeededGenerator(seed: 9)
  let training = Tensor.uniform(shape: [70, channels, 8, 8], using: &generator)
  let u = Tensor.uniform(shape: [2, channels, 8, 8], using: &generator)
  for estimator in EstimatorKind.allCases {
    for padding in Padding.allCases where !(estimator == .emmse && padding == .zeros) {
      let results = try [1, 2, 3].map { threads in
        try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic,
                              settings: EstimatorSettings(estimator: estimator, patchSize: 3, padding: padding, sigma: 0.2, threads: threads))
          .estimate(inputs: u).images
      }
      #expect(results[0] == results[1] && results[1] == results[2], "\(estimator) \(padding)")
    }
  }
}

@Test func localEquivariantWithTheWholeImageIsTheEquivariantEstimator() throws {
  // With circular padding and P = H = W, a patch is the whole image circularly shifted.
  var generator = SeededGenerator(seed: 4)
  let training = Tensor.uniform(shape: [5, 1, 5, 5], using: &generator)
  let u = Tensor.uniform(shape: [1, 1, 5, 5], using: &generator)
  func run(_ kind: EstimatorKind) throws -> Tensor {
    try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic,
                          settings: EstimatorSettings(estimator: kind, patchSize: 5, sigma: 0.3)).estimate(inputs: u).images
  }
  #expect(try run(.lemmse).maxAbsoluteDifference(run(.emmse)) < 1e-5)
}

@Test func estimatorsHaveTheirLimitingBehaviour() throws {
  var generator = SeededGenerator(seed: 8)
  let training = Tensor.uniform(shape: [4, 1, 7, 7], using: &generator)
  // A query equal to a training image at tiny σ: MMSE returns that image.
  let mmse = try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic,
                                   settings: EstimatorSettings(estimator: .mmse, sigma: 0.001))
  #expect(try mmse.estimate(inputs: training.images(2..<3)).images.maxAbsoluteDifference(training.images(2..<3)) < 1e-6)
  // At huge σ every candidate weighs the same: LE-MMSE is the mean training pixel.
  let flat = try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic,
                                   settings: EstimatorSettings(estimator: .lemmse, patchSize: 3, sigma: 1e4))
  let estimate = try flat.estimate(inputs: training.images(0..<1)).images
  #expect(estimate.scalars.allSatisfy { abs(Double($0) - training.mean()) < 1e-4 })
  // Effective candidates: all of them at huge σ.
  let effective = try flat.estimate(inputs: training.images(0..<1)).effectiveCandidates
  #expect(effective.scalars.allSatisfy { abs($0 - Float(4 * 49)) < 0.01 })
}

@Test func badSettingsAreRejected() {
  let training = Tensor(zeros: [2, 1, 8, 8])
  func make(_ settings: EstimatorSettings, input: EstimatorInput = .agnostic,
            op: ForwardOperator = .denoising) throws { _ = try AnalyticEstimator(training: training, forwardOperator: op, input: input, settings: settings) }
  #expect(throws: AnalyticMMSEError.evenPatchSize(4)) { try make(EstimatorSettings(patchSize: 4, sigma: 0.1)) }
  #expect(throws: AnalyticMMSEError.patchTooLarge(patchSize: 9, height: 8, width: 8)) { try make(EstimatorSettings(patchSize: 9, sigma: 0.1)) }
  #expect(throws: AnalyticMMSEError.nonPositiveSigma(0)) { try make(EstimatorSettings(sigma: 0)) }
  #expect(throws: AnalyticMMSEError.equivariantNeedsCircularPadding) { try make(EstimatorSettings(estimator: .emmse, padding: .zeros, sigma: 0.1)) }
  #expect(throws: PhysicsError.self) {
    try make(EstimatorSettings(sigma: 0.1), input: .inverse(epsilon: 0.1), op: .inpainting(Inpainting(mask: Tensor(repeating: 1, shape: [8, 8]))))
  }
  #expect(throws: AnalyticMMSEError.self) {
    try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic, settings: EstimatorSettings(sigma: 0.1))
      .estimate(inputs: Tensor(zeros: [1, 3, 8, 8]))
  }
}
