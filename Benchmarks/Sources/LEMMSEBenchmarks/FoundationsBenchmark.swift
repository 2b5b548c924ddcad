import DataFiles
import Foundation
import Physics
import Tensors

/// Data loading and the two deconvolution paths.
///
/// `lemmse-bench foundations`: seconds to load all 60,000 FashionMNIST training images (read,
/// gunzip, convert to Float), and images per second of the direct and FFT convolutions for
/// the paper's kernels on 28 × 28 and 64 × 64 images.
enum FoundationsBenchmark {
  static func run(_ arguments: [String]) {
    print("foundations benchmark — `lemmse-bench foundations`, release build")
    print("machine: \(MatrixProductBenchmark.cpuModel()), \(Parallel.defaultThreadCount) threads; load average: \(MatrixProductBenchmark.loadAverage())")
    if let folder = DataLocator.find(.fashionMNIST) ?? DataLocator.find(.fashionMNIST, from: "..") {
      var best = Double.infinity
      for _ in 0..<3 {
        let start = Date()
        let images = try! DataSets.load(DataSetRequest(source: .fashionMNIST(folder), split: .train))
        best = min(best, Date().timeIntervalSince(start))
        precondition(images.imageBatchShape.count == 60_000)
      }
      print("FashionMNIST, 60,000 training images (read + gunzip + Float): \(MatrixProductBenchmark.format(best, 3)) s (best of 3)")
    }
    print("| kernel | image | direct images/s | FFT images/s | max |direct − FFT| |")
    print("|---|---|--:|--:|--:|")
    for (name, kernel) in [("gaussian std 1 (9×9)", Kernels.gaussian(standardDeviation: 1)), ("defocus r 2.5 (5×5)", Kernels.defocus(radius: 2.5))] {
      for size in [28, 64] {
        var generator = SeededGenerator(seed: 0)
        let x = Tensor.uniform(shape: [64, 1, size, size], using: &generator)
        let operator_ = Deconvolution(kernel: kernel)
        func rate(_ method: Deconvolution.Method) -> (Double, Tensor) {
          var best = Double.infinity
          var result = x
          for _ in 0..<3 {
            let start = Date()
            result = operator_.apply(x, method: method)
            best = min(best, Date().timeIntervalSince(start))
          }
          return (64 / best, result)
        }
        let (direct, a) = rate(.direct), (fft, b) = rate(.fft)
        print("| \(name) | \(size)×\(size) | \(MatrixProductBenchmark.format(direct, 0)) | \(MatrixProductBenchmark.format(fft, 0)) | \(a.maxAbsoluteDifference(b)) |")
      }
    }
  }
}
