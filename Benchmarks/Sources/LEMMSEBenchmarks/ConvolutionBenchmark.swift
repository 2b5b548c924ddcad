import Foundation
@_spi(Benchmarks) import NeuralNetworks
import Tensors

/// Milliseconds of one `Convolution2D` forward and backward pass at the shapes of the training
/// benchmark's networks, Winograd F(2 × 2, 3 × 3) against im2col, alternating; the minimum over
/// the repetitions (robust when other jobs share the machine) and the median.
///
/// `lemmse-bench conv [repetitions]` (default 10)
enum ConvolutionBenchmark {
  static func run(_ arguments: [String]) {
    let repetitions = arguments.first.flatMap(Int.init) ?? 10
    print("convolution benchmark — `lemmse-bench conv \(repetitions)`, release build, circular padding, 3 × 3")
    print("machine: \(MatrixProductBenchmark.cpuModel()), \(Parallel.defaultThreadCount) threads; load average before: \(MatrixProductBenchmark.loadAverage())")
    let shapes: [(label: String, shape: [Int], outputChannels: Int)] = [
      ("ResNet stem", [32, 1, 28, 28], 64),
      ("ResNet block", [32, 64, 28, 28], 64),
      ("ResNet output", [32, 64, 28, 28], 1),
      ("U-Net input", [32, 3, 32, 32], 32),
      ("U-Net level 0", [32, 32, 32, 32], 32),
      ("U-Net level 1", [32, 64, 16, 16], 64),
      ("U-Net level 2", [32, 128, 8, 8], 128),
      ("U-Net decoder 1", [32, 192, 16, 16], 64),
      ("U-Net decoder 0", [32, 96, 32, 32], 32),
    ]
    print("| layer | input | O | im2col fwd min / median | Winograd fwd | im2col bwd | Winograd bwd | × faster (fwd+bwd, min) |")
    print("|---|---|--:|--:|--:|--:|--:|--:|")
    for (label, shape, outputChannels) in shapes {
      var generator = SeededGenerator(seed: 0)
      let layer = Convolution2D(inputChannels: shape[1], outputChannels: outputChannels, kernelSize: 3, generator: &generator)
      let x = Tensor.uniform(shape: shape, using: &generator)
      let gradient = Tensor.uniform(shape: [shape[0], outputChannels, shape[2], shape[3]], using: &generator)
      var times = [[Double]](repeating: [], count: 4)  // im2col fwd, Winograd fwd, im2col bwd, Winograd bwd
      for repetition in 0..<(repetitions + 1) {
        for winograd in [false, true] {
          layer.usesWinograd = winograd
          let start = Date()
          _ = layer.forward(x)
          let middle = Date()
          _ = layer.backward(gradient)
          let end = Date()
          if repetition > 0 {
            times[winograd ? 1 : 0].append(middle.timeIntervalSince(start) * 1000)
            times[winograd ? 3 : 2].append(end.timeIntervalSince(middle) * 1000)
          }
        }
      }
      func cell(_ values: [Double]) -> String {
        let sorted = values.sorted()
        return "\(MatrixProductBenchmark.format(sorted[0], 2)) / \(MatrixProductBenchmark.format(sorted[sorted.count / 2], 2))"
      }
      let ratio = (times[0].min()! + times[2].min()!) / (times[1].min()! + times[3].min()!)
      print("| \(label) | \(shape.map(String.init).joined(separator: "×")) | \(outputChannels) | \(cell(times[0])) | \(cell(times[1])) | "
            + "\(cell(times[2])) | \(cell(times[3])) | \(MatrixProductBenchmark.format(ratio, 2)) |")
    }
    print("load average after: \(MatrixProductBenchmark.loadAverage())")
  }
}
