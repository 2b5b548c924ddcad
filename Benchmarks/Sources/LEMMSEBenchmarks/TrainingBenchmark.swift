import Foundation
import NeuralNetworks
import Tensors

/// Milliseconds per training step (forward, squared-loss backward, Adam update) of the three
/// networks the PyTorch reference was timed on, batch 32, circular padding, ReLU, no
/// normalisation — so the comparison is like for like.
///
/// PyTorch 2.15 on this kind of machine (CPU, 2 threads), median ms per step:
/// PatchMLP 75, ResNet 158, U-Net 104 (from the networks issue).
///
/// `lemmse-bench train [steps]`
enum TrainingBenchmark {
  struct Setting {
    var label: String
    var shape: [Int]
    var pytorchMilliseconds: Double
    var make: () -> any Layer
  }

  static func run(_ arguments: [String]) {
    let steps = arguments.first.flatMap(Int.init) ?? 10
    print("training-step benchmark — `lemmse-bench train \(steps)`, release build, batch 32, Adam, squared loss")
    print("machine: \(MatrixProductBenchmark.cpuModel()), \(Parallel.defaultThreadCount) threads; load average before: \(MatrixProductBenchmark.loadAverage())")
    var generator = SeededGenerator(seed: 0)
    let settings: [Setting] = [
      Setting(label: "PatchMLP P=5, 256, one 256→256 1×1, 1×1 out", shape: [32, 1, 28, 28], pytorchMilliseconds: 75) {
        Sequential([Convolution2D(inputChannels: 1, outputChannels: 256, kernelSize: 5, generator: &generator), ActivationLayer(.relu),
                    Convolution2D(inputChannels: 256, outputChannels: 256, kernelSize: 1, generator: &generator), ActivationLayer(.relu),
                    Convolution2D(inputChannels: 256, outputChannels: 1, kernelSize: 1, generator: &generator)])
      },
      Setting(label: "ResNet 3×3 stem, 4 × (h + conv(relu(conv(h)))) width 64, 3×3 out", shape: [32, 1, 28, 28], pytorchMilliseconds: 158) {
        var layers: [any Layer] = [Convolution2D(inputChannels: 1, outputChannels: 64, kernelSize: 3, generator: &generator)]
        for _ in 0..<4 {
          layers.append(Residual(Sequential([
            Convolution2D(inputChannels: 64, outputChannels: 64, kernelSize: 3, generator: &generator), ActivationLayer(.relu),
            Convolution2D(inputChannels: 64, outputChannels: 64, kernelSize: 3, generator: &generator)])))
        }
        layers.append(Convolution2D(inputChannels: 64, outputChannels: 1, kernelSize: 3, generator: &generator))
        return Sequential(layers)
      },
      Setting(label: "U-Net 3 levels 32/64/128 (LEMMSE's classic UNet, ReLU, no norm)", shape: [32, 3, 32, 32], pytorchMilliseconds: 104) {
        try! UNet(channels: 3, widths: [32, 64, 128], normalization: .none, activation: .relu, seed: 0)
      },
    ]
    print("| network | input | ms / step (median) | images / s | PyTorch ms / step | × PyTorch | CPU ms / step (median) |")
    print("|---|---|--:|--:|--:|--:|--:|")
    for setting in settings {
      let network = setting.make()
      let adam = Adam(parameters: network.parameters)
      var data = SeededGenerator(seed: 1)
      let x = Tensor.uniform(shape: setting.shape, using: &data)
      let input = x + Tensor.gaussian(shape: setting.shape, using: &data) * 0.2
      var times: [Double] = [], cpuTimes: [Double] = []
      for step in 0..<(steps + 2) {
        let start = Date(), cpuStart = processCPUMilliseconds()
        network.zeroGradients()
        let output = network.forward(input)
        let gradient = (output - x) * (2 / Float(x.count))
        _ = network.backward(gradient)
        adam.update(learningRate: 1e-3)
        if step >= 2 {
          times.append(Date().timeIntervalSince(start) * 1000)
          cpuTimes.append(processCPUMilliseconds() - cpuStart)
        }
      }
      let median = times.sorted()[times.count / 2]
      print("| \(setting.label) | \(setting.shape.map(String.init).joined(separator: "×")) | \(MatrixProductBenchmark.format(median, 1)) | "
            + "\(MatrixProductBenchmark.format(Double(setting.shape[0]) / median * 1000, 0)) | \(Int(setting.pytorchMilliseconds)) | "
            + "\(MatrixProductBenchmark.format(setting.pytorchMilliseconds / median, 2)) | "
            + "\(MatrixProductBenchmark.format(cpuTimes.sorted()[cpuTimes.count / 2], 1)) |")
    }
    print("load average after: \(MatrixProductBenchmark.loadAverage())")
  }

  /// CPU time of the whole process (all threads): with another job on the machine, wall time
  /// varies a lot while CPU time barely does, so it compares versions more reliably.
  static func processCPUMilliseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
  }
}
