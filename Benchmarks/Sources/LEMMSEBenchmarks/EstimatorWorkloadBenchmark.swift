import AnalyticMMSE
import DataFiles
import Foundation
import Physics
import Tensors

/// The LE-MMSE at the paper's workload, against the NumPy and JAX anchors of
/// `../shared/anchors/bench.py` run in the same benchmark (`Anchors`):
///
/// 1. FashionMNIST, N = 10,000, 2 test images, σ = 0.2, default mode, at P = 5 and P = 11;
/// 2. the σ-grid × P-sweep: σ ∈ {0.01, 0.05, 0.2, 0.8} × P ∈ {3, 5, 7, 9, 11} — LEMMSE computes
///    the five P in one call per σ; the anchors' cost does not depend on σ, so each P is
///    measured once and counted four times;
/// 3. CIFAR-10, N = 5,000, 1 test image, P = 5, σ = 0.2.
///
/// Every ratio divides the best anchor's seconds per test image by LEMMSE's, both measured now.
/// Without a Python that has numpy and jax it prints LEMMSE's numbers only.
///
/// `lemmse-bench workload [runs]` (default 3 calls per measurement, the median kept)
enum EstimatorWorkloadBenchmark {
  static let anchorImplementations = ["numpy_2thr", "jax"]

  static func run(_ arguments: [String]) {
    let runs = arguments.first.flatMap(Int.init) ?? 3
    print("LE-MMSE workload benchmark — `lemmse-bench workload \(runs)`, release build, \(Parallel.defaultThreadCount) threads")
    print("machine: \(MatrixProductBenchmark.cpuModel()); load average before: \(MatrixProductBenchmark.loadAverage())")
    let python = Anchors.python(importing: ["numpy", "jax"])
    print(python.map { "anchors: \($0.path) running ../shared/anchors/bench.py (\(anchorImplementations.joined(separator: ", ")))" }
          ?? "anchors: no Python with numpy and jax found ($LEMMSE_ANCHORS_PYTHON, .venv-anchors/bin/python); LEMMSE only")
    guard let fashion = DataLocator.find(.fashionMNIST, from: FileManager.default.currentDirectoryPath) ?? DataLocator.find(.fashionMNIST, from: "..") else {
      print("FashionMNIST not found")
      return
    }
    do {
      let training = try DataSets.load(DataSetRequest(source: .fashionMNIST(fashion), split: .train, count: 10_000))
      let truth = try DataSets.load(DataSetRequest(source: .fashionMNIST(fashion), split: .test, count: 2))
      print("| workload | LEMMSE s / test image | best anchor s / test image | anchor | LEMMSE × faster |")
      print("|---|--:|--:|---|--:|")
      var anchorPerPatch: [Int: (seconds: Double, name: String)] = [:]
      for patch in [5, 11] {
        let ours = seconds(training: training, truth: truth, patches: [patch], sigma: 0.2, runs: runs)
        let anchor = python.flatMap { best(python: $0, bench: "B1", patch: patch, runs: runs) }
        if let anchor { anchorPerPatch[patch] = anchor }
        row("FashionMNIST N=10000, P=\(patch), σ=0.2", ours, anchor)
      }
      let sweep = [3, 5, 7, 9, 11], sigmas = [0.01, 0.05, 0.2, 0.8]
      let ours = sigmas.reduce(0) { $0 + seconds(training: training, truth: truth, patches: sweep, sigma: $1, runs: 1) }
      var anchorTotal: Double? = python == nil ? nil : 0
      for patch in sweep where anchorTotal != nil {
        let anchor = anchorPerPatch[patch] ?? python.flatMap { best(python: $0, bench: "B1", patch: patch, runs: 1) }
        anchorTotal = anchor.map { anchorTotal! + Double(sigmas.count) * $0.seconds }
      }
      row("σ ∈ {0.01, 0.05, 0.2, 0.8} × P ∈ {3…11} (20 estimates)", ours, anchorTotal.map { ($0, "best per P") })
      if let cifar = DataLocator.find(.cifar10, from: FileManager.default.currentDirectoryPath) ?? DataLocator.find(.cifar10, from: "..") {
        let jpeg = cifar.appendingPathComponent("jpeg-q75")
        let source = FileManager.default.fileExists(atPath: jpeg.path) ? DataSetSource.cifar10(jpeg) : .cifar10(cifar)
        let cifarTraining = try DataSets.load(DataSetRequest(source: source, split: .train, count: 5000))
        let cifarTruth = try DataSets.load(DataSetRequest(source: .cifar10(cifar), split: .test, count: 1))
        let ours = seconds(training: cifarTraining, truth: cifarTruth, patches: [5], sigma: 0.2, runs: runs)
        row("CIFAR-10 N=5000, P=5, σ=0.2", ours, python.flatMap { best(python: $0, bench: "B3", patch: 5, runs: runs) })
      }
    } catch {
      print("error: \(error)")
    }
    print("load average after: \(MatrixProductBenchmark.loadAverage())")
  }

  static func row(_ label: String, _ ours: Double, _ anchor: (seconds: Double, name: String)?) {
    print("| \(label) | \(MatrixProductBenchmark.format(ours, 3)) | \(anchor.map { MatrixProductBenchmark.format($0.seconds, 3) } ?? "–") | "
          + "\(anchor?.name ?? "–") | \(anchor.map { MatrixProductBenchmark.format($0.seconds / ours, 1) } ?? "–") |")
  }

  /// Median seconds per test image of LEMMSE's default mode for `patches` in one call.
  static func seconds(training: Tensor, truth: Tensor, patches: [Int], sigma: Double, runs: Int) -> Double {
    let y = Physics.measure(truth, with: .denoising, sigma: Float(sigma), seed: 1)
    let estimator = try! AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic,
                                           settings: EstimatorSettings(estimator: .lemmse, patchSize: patches[0], sigma: sigma))
    let times = (0..<max(runs, 1)).map { _ in
      let start = Date()
      _ = try! estimator.estimate(measurements: y, patchSizes: patches)
      return Date().timeIntervalSince(start) / Double(truth.imageBatchShape.count)
    }
    return times.sorted()[times.count / 2]
  }

  /// The fastest anchor's seconds per test image at `patch` (σ = 0.2, the anchors' noise).
  static func best(python: URL, bench: String, patch: Int, runs: Int) -> (seconds: Double, name: String)? {
    var best: (seconds: Double, name: String)?
    for name in anchorImplementations {
      // The chunk sizes the anchors' README found fastest on these machines.
      let chunk = name == "jax" ? "4" : "2"
      guard let output = Anchors.run(python, ["bench.py", name, bench, "--P", "\(patch)", "--runs", "\(runs)", "--chunk", chunk,
                                              "--out", "/dev/null", "--tag", "tune-lemmse-bench"]),
            let seconds = Anchors.number(after: "-> ", in: output) else { continue }
      if best == nil || seconds < best!.seconds { best = (seconds, name) }
    }
    return best
  }
}
