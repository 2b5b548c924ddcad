import AnalyticMMSE
import DataFiles
import Foundation
import Physics
import Tensors

/// Seconds per test image and candidate pairs per second of the LE-MMSE, against the
/// straightforward method measured in the same run.
///
/// The straightforward method is what one writes in NumPy or JAX: materialise the training
/// patches in blocks, distances by a matrix product (`‖q‖² − 2 q·k + ‖k‖²`, our own SIMD
/// `matrixMultiply`), and an online log-sum-exp. It runs on fewer training images and its
/// time is scaled to the same `N` (its cost is linear in `N`).
///
/// Then the paper's workload against the anchors (`EstimatorWorkloadBenchmark`).
///
/// `lemmse-bench lemmse [N] [tests]` — FashionMNIST denoising, σ = 0.2, agnostic input, at
/// `P = 5` and `P = 11` and σ = 0.1, pruned (T = 30) and exact, with the largest difference
/// between the two; CIFAR-10 `N = 5,000`, `P = 5`.
enum EstimatorBenchmark {
  static func cpuModel() -> String { MatrixProductBenchmark.cpuModel() }
  static func loadAverage() -> String { MatrixProductBenchmark.loadAverage() }
  static func format(_ value: Double, _ digits: Int) -> String { MatrixProductBenchmark.format(value, digits) }

  static func run(_ arguments: [String]) {
    let trainingCount = arguments.first.flatMap(Int.init) ?? 10_000
    let tests = arguments.dropFirst().first.flatMap(Int.init) ?? 4
    let only = arguments.dropFirst(2).first  // "fashion-mnist" or "cifar10" runs one data set
    let threads = Parallel.defaultThreadCount
    print("LE-MMSE benchmark — `lemmse-bench lemmse \(trainingCount) \(tests)`, release build")
    print("machine: \(cpuModel()), \(threads) threads; load average before: \(loadAverage())")
    guard let fashion = DataLocator.find(.fashionMNIST, from: FileManager.default.currentDirectoryPath)
      ?? DataLocator.find(.fashionMNIST, from: "..") else {
      print("FashionMNIST not found (\(DataLocator.searchedLocations.joined(separator: ", ")))")
      return
    }
    print("| data | N | P | σ | mode | s / test image | pairs / s | straightforward s / image | × straightforward |")
    print("|---|--:|--:|--:|---|--:|--:|--:|--:|")
    do {
      if only == nil || only == "fashion-mnist" {
      let training = try DataSets.load(DataSetRequest(source: .fashionMNIST(fashion), split: .train, count: trainingCount))
      let truth = try DataSets.load(DataSetRequest(source: .fashionMNIST(fashion), split: .test, count: tests))
      for (patch, sigma) in [(5, 0.2), (11, 0.2), (5, 0.1)] {
        let baseline = straightforwardSeconds(training: training, truth: truth, patch: patch, sigma: sigma)
        var estimates: [Tensor] = []
        for threshold in [30.0, nil] {
          estimates.append(measure(label: "fashion-mnist", training: training, truth: truth, patch: patch, sigma: sigma,
                                   threshold: threshold, baseline: baseline))
        }
        print("|  |  |  |  | max \\|pruned − exact\\| = \(String(format: "%.1e", estimates[0].maxAbsoluteDifference(estimates[1]))) |  |  |  |  |")
      }
      }
      if only == nil || only == "cifar10",
         let cifar = DataLocator.find(.cifar10, from: FileManager.default.currentDirectoryPath) ?? DataLocator.find(.cifar10, from: "..") {
        // The exact binary subset has 4,000 training images; beyond that, the complete JPEG set.
        let count = min(5000, trainingCount)
        let jpeg = cifar.appendingPathComponent("jpeg-q75")
        let source = count > 4000 && FileManager.default.fileExists(atPath: jpeg.path) ? DataSetSource.cifar10(jpeg) : .cifar10(cifar)
        let cifarTraining = try DataSets.load(DataSetRequest(source: source, split: .train, count: count))
        let cifarTruth = try DataSets.load(DataSetRequest(source: .cifar10(cifar), split: .test, count: tests))
        let baseline = straightforwardSeconds(training: cifarTraining, truth: cifarTruth, patch: 5, sigma: 0.2)
        measure(label: "cifar10", training: cifarTraining, truth: cifarTruth, patch: 5, sigma: 0.2, threshold: 30, baseline: baseline)
      }
    } catch {
      print("error: \(error)")
    }
    print("load average after: \(loadAverage())")
    // The paper's workload, with the anchors measured in the same run.
    if only == nil { EstimatorWorkloadBenchmark.run([]) }
  }

  @discardableResult
  static func measure(label: String, training: Tensor, truth: Tensor, patch: Int, sigma: Double, threshold: Double?,
                      baseline: Double) -> Tensor {
    let y = Physics.measure(truth, with: .denoising, sigma: Float(sigma), seed: 1)
    let estimator = try! AnalyticEstimator(
      training: training, forwardOperator: .denoising, input: .agnostic,
      settings: EstimatorSettings(estimator: .lemmse, patchSize: patch, sigma: sigma, pruneThreshold: threshold))
    let start = Date()
    let result = try! estimator.estimate(measurements: y)
    let seconds = Date().timeIntervalSince(start) / Double(truth.imageBatchShape.count)
    let pairs = Double(result.statistics.candidatePairs) / Double(truth.imageBatchShape.count)
    print("| \(label) | \(training.imageBatchShape.count) | \(patch) | \(sigma) | \(threshold.map { "pruned T=\(Int($0))" } ?? "exact") | "
          + "\(format(seconds, 3)) | \(format(pairs / seconds / 1e9, 2)) G | \(format(baseline, 3)) | \(format(baseline / seconds, 1)) |")
    return result.images
  }

  /// Seconds per test image of the straightforward method, measured on at most 1,000
  /// training images and one test image, scaled to the full training set.
  static func straightforwardSeconds(training: Tensor, truth: Tensor, patch: Int, sigma: Double) -> Double {
    let shape = training.imageBatchShape
    let sample = min(shape.count, 1000)
    let y = Physics.measure(truth.images(0..<1), with: .denoising, sigma: Float(sigma), seed: 1)
    let start = Date()
    _ = straightforwardLEMMSE(training: training.images(0..<sample), query: y, patch: patch, sigma: sigma)
    return Date().timeIntervalSince(start) * Double(shape.count) / Double(sample)
  }

  /// The straightforward LE-MMSE of one image: patches, matrix-product distances, log-sum-exp.
  static func straightforwardLEMMSE(training: Tensor, query: Tensor, patch: Int, sigma: Double) -> Tensor {
    let shape = training.imageBatchShape
    let (C, H, W) = (shape.channels, shape.height, shape.width)
    let pixels = H * W, r = patch / 2, d = C * patch * patch
    func patches(_ images: Tensor, _ n: Int) -> [Float] {
      var out = [Float](repeating: 0, count: pixels * d)
      for p in 0..<pixels {
        var k = 0
        for c in 0..<C {
          for dy in -r...r {
            for dx in -r...r {
              let i = ((p / W + dy) % H + H) % H, j = ((p % W + dx) % W + W) % W
              out[p * d + k] = images[n, c, i, j]
              k += 1
            }
          }
        }
      }
      return out
    }
    let queries = patches(query.asImageBatch, 0)
    let queryNorms = (0..<pixels).map { p in (0..<d).reduce(Float(0)) { $0 + queries[p * d + $1] * queries[p * d + $1] } }
    var maximum = [Double](repeating: -.infinity, count: pixels), total = [Double](repeating: 0, count: pixels)
    var weighted = [Double](repeating: 0, count: pixels * C)
    var products = [Float](repeating: 0, count: pixels * pixels)
    let scale = 1 / (2 * sigma * sigma)
    for n in 0..<shape.count {
      let keys = patches(training, n)
      queries.withUnsafeBufferPointer { q in
        keys.withUnsafeBufferPointer { k in
          products.withUnsafeMutableBufferPointer { c in
            matrixMultiply(.none, .transposed, m: pixels, n: pixels, k: d, a: q.baseAddress!, lda: d,
                           b: k.baseAddress!, ldb: d, c: c.baseAddress!, ldc: pixels)
          }
        }
      }
      let keyNorms = (0..<pixels).map { p in (0..<d).reduce(Float(0)) { $0 + keys[p * d + $1] * keys[p * d + $1] } }
      for p in 0..<pixels {
        for q in 0..<pixels {
          let logit = -Double(queryNorms[p] - 2 * products[p * pixels + q] + keyNorms[q]) * scale
          if logit > maximum[p] {
            let rescale = exp(maximum[p] - logit)
            total[p] *= rescale
            for c in 0..<C { weighted[p * C + c] *= rescale }
            maximum[p] = logit
          }
          let weight = exp(logit - maximum[p])
          total[p] += weight
          for c in 0..<C { weighted[p * C + c] += weight * Double(training[n, c, q / W, q % W]) }
        }
      }
    }
    return Tensor(shape: [1, C, H, W], generator: { index in
      let c = index / pixels, p = index % pixels
      return Float(weighted[p * C + c] / total[p])
    })
  }
}
