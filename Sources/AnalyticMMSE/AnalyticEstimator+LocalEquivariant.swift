import Foundation
import Tensors

extension AnalyticEstimator {
  /// `le-mmse`: every position of every training image, class by class — by the circular box
  /// kernel where it applies, else by the dense class kernel.
  func accumulateLocalEquivariant(_ inputs: Tensor, progress: (@Sendable (Double) -> Void)?) -> (ReductionPart, EstimatorKernel) {
    if let factor = circularBoxFactor {
      return (accumulateCircularBox(inputs, radii: [settings.patchSize / 2], factors: [factor], progress: progress)[0], .circularBox)
    }
    return (accumulateDenseClass(inputs, progress: progress), .denseClass)
  }

  /// `1 / (2 σ² s)` when the circular box kernel computes this estimator — `le-mmse` with
  /// circular padding, one class of noise-free pattern, an isotropic metric `σ² s I` and
  /// `P ≤ H, W` up to the kernel's largest radius — else nil.
  var circularBoxFactor: Float? {
    let shape = training.imageBatchShape
    guard settings.estimator == .lemmse, settings.padding == .circular,
          settings.patchSize <= Swift.min(shape.height, shape.width),
          settings.patchSize / 2 <= CircularBoxKernel.largestRadius else { return nil }
    let geometry = patchGeometry
    guard geometry.classes.count == 1, let scale = geometry.classes[0].isotropicScale else { return nil }
    return scale * scale / 2
  }

  /// The circular box kernel for the patch radii `radii` (with their factors) in one pass:
  /// `result[k]` is size `k`'s part, one accumulator per test image.
  func accumulateCircularBox(_ inputs: Tensor, radii: [Int], factors: [Float],
                             progress: (@Sendable (Double) -> Void)?) -> [ReductionPart] {
    let shape = training.imageBatchShape
    let tests = inputs.imageBatchShape.count, sizes = radii.count
    let means = self.means, training = self.training
    let kernel = CircularBoxKernel(channels: shape.channels, height: shape.height, width: shape.width, radii: radii,
                                   factors: factors, pruneThreshold: settings.pruneThreshold.map(Float.init))
    @Sendable func run(_ kernel: CircularBoxKernel, test t: Int, images: Range<Int>, seeds: [[Float]]?) -> [SoftmaxAccumulator] {
      inputs.scalars.withUnsafeBufferPointer { u in
        means.scalars.withUnsafeBufferPointer { m in
          training.scalars.withUnsafeBufferPointer { x in
            kernel.accumulate(query: u.baseAddress! + t * shape.imageSize, means: m.baseAddress!, values: x.baseAddress!,
                              images: images, seeds: seeds)
          }
        }
      }
    }
    // Seeds: the best candidate of training image 0, exactly, so every piece starts from a
    // reference near the final one, rarely rescales, and can prune from its first image.
    var seeding = kernel
    seeding.slack = 0
    seeding.pruneThreshold = nil
    let seeds: [[[Float]]] = (0..<tests).map { t in
      run(seeding, test: t, images: 0..<1, seeds: nil).map { $0.maximum.map(Float.init) }
    }
    // Pieces return size-major flat arrays (k · tests + t), merged element by element.
    let flat = reduceOverTraining(tests: tests * sizes, progress: progress) { images in
      let perTest = (0..<tests).map { t in run(kernel, test: t, images: images, seeds: seeds[t]) }
      return (0..<sizes).flatMap { k in perTest.map { $0[k] } }
    }
    return (0..<sizes).map { k in flat.mapAccumulators { Array($0[k * tests ..< (k + 1) * tests]) } }
  }

  /// `le-mmse` by `DenseClassKernel`: whitened features, class by class, pruned below `T`.
  func accumulateDenseClass(_ inputs: Tensor, progress: (@Sendable (Double) -> Void)?) -> ReductionPart {
    let geometry = patchGeometry
    let threshold = Float(settings.pruneThreshold ?? .infinity)
    let tests = inputs.imageBatchShape.count
    let means = self.means, training = self.training
    let kernel = DenseClassKernel(geometry: geometry, threshold: threshold)
    let queries = kernel.queries(for: inputs)
    let seeds: [[Float]]? = threshold.isFinite ? means.scalars.withUnsafeBufferPointer { m in
      training.scalars.withUnsafeBufferPointer { x in
        DenseClassKernel(geometry: geometry, threshold: .infinity)
          .accumulate(queries: queries, tests: tests, means: m.baseAddress!, values: x.baseAddress!, images: 0..<1, seeds: nil)
          .map { $0.maximum.map(Float.init) }
      }
    } : nil
    return reduceOverTraining(tests: tests, progress: progress) { images in
      means.scalars.withUnsafeBufferPointer { m in
        training.scalars.withUnsafeBufferPointer { x in
          kernel.accumulate(queries: queries, tests: tests, means: m.baseAddress!, values: x.baseAddress!,
                            images: images, seeds: seeds)
        }
      }
    }
  }
}
