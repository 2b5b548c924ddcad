import Foundation

/// `lemmse-bench <benchmark> [arguments…]`: runs one benchmark, named by its first argument.
///
/// Each benchmark lives in its own file as an enum with a `run(_ arguments: [String])` entry
/// point; add it to `benchmarks` below.
let benchmarks: [(name: String, summary: String, run: ([String]) -> Void)] = [
  ("gemm", "matrixMultiply (sgemm): square and im2col shapes, 1 and all threads", MatrixProductBenchmark.run),
  ("lemmse", "LE-MMSE on FashionMNIST and CIFAR-10 against the straightforward method [N] [tests]", EstimatorBenchmark.run),
  ("workload", "LE-MMSE at the paper's workload (one P, σ-grid × P-sweep, CIFAR-10) against the NumPy and JAX anchors [runs]", EstimatorWorkloadBenchmark.run),
  ("foundations", "FashionMNIST load time; direct vs FFT convolution", FoundationsBenchmark.run),
  ("conv", "one 3×3 convolution forward and backward, Winograd against im2col, at the networks' shapes [repetitions]", ConvolutionBenchmark.run),
  ("train", "training steps of PatchMLP, ResNet and U-Net, with the PyTorch anchor in the same run [steps] [rounds]", TrainingBenchmark.run),
]

let arguments = Array(CommandLine.arguments.dropFirst())
if let name = arguments.first, let benchmark = benchmarks.first(where: { $0.name == name }) {
  benchmark.run(Array(arguments.dropFirst()))
} else {
  print("usage: lemmse-bench <benchmark> [arguments…]\n\nbenchmarks:")
  for benchmark in benchmarks { print("  \(benchmark.name.padding(toLength: 10, withPad: " ", startingAt: 0))\(benchmark.summary)") }
  exit(arguments.isEmpty ? 0 : 64)
}
