import Foundation
import NeuralNetworks
@_spi(Benchmarks) import Tensors

/// Milliseconds per training step (forward, squared-loss backward, Adam update) of the three
/// networks of `../shared/anchors/train_bench.py`, batch 32, circular padding, ReLU, no
/// normalisation — so the comparison is like for like.
///
/// When a Python with torch is found (`Anchors`), the PyTorch anchor runs in the same
/// benchmark, alternating with LEMMSE network by network (LEMMSE, PyTorch, LEMMSE, PyTorch),
/// and the ratio of the medians is printed; otherwise LEMMSE's numbers only. The last line is
/// one JSON object, `{"patchmlp": MS, "resnet": MS, "unet": MS}`, LEMMSE's median ms per step.
///
/// `lemmse-bench train [steps] [rounds]` (default 20 steps, 2 rounds)
enum TrainingBenchmark {
  struct Setting {
    /// The anchor's name of the network (`train_bench.py NAME`).
    var name: String
    var label: String
    var shape: [Int]
    var make: () -> any Layer
  }

  static func run(_ arguments: [String]) {
    let steps = arguments.first.flatMap(Int.init) ?? 20
    let rounds = arguments.dropFirst().first.flatMap(Int.init) ?? 2
    print("training-step benchmark — `lemmse-bench train \(steps) \(rounds)`, release build, batch 32, Adam, squared loss")
    print("machine: \(MatrixProductBenchmark.cpuModel()), \(Parallel.defaultThreadCount) threads; load average before: \(MatrixProductBenchmark.loadAverage())")
    var generator = SeededGenerator(seed: 0)
    let settings: [Setting] = [
      Setting(name: "patchmlp", label: "PatchMLP P=5, 256, one 256→256 1×1, 1×1 out", shape: [32, 1, 28, 28]) {
        Sequential([Convolution2D(inputChannels: 1, outputChannels: 256, kernelSize: 5, generator: &generator), ActivationLayer(.relu),
                    Convolution2D(inputChannels: 256, outputChannels: 256, kernelSize: 1, generator: &generator), ActivationLayer(.relu),
                    Convolution2D(inputChannels: 256, outputChannels: 1, kernelSize: 1, generator: &generator)])
      },
      Setting(name: "resnet", label: "ResNet 3×3 stem, 4 × (h + conv(relu(conv(h)))) width 64, 3×3 out", shape: [32, 1, 28, 28]) {
        var layers: [any Layer] = [Convolution2D(inputChannels: 1, outputChannels: 64, kernelSize: 3, generator: &generator)]
        for _ in 0..<4 {
          layers.append(Residual(Sequential([
            Convolution2D(inputChannels: 64, outputChannels: 64, kernelSize: 3, generator: &generator), ActivationLayer(.relu),
            Convolution2D(inputChannels: 64, outputChannels: 64, kernelSize: 3, generator: &generator)])))
        }
        layers.append(Convolution2D(inputChannels: 64, outputChannels: 1, kernelSize: 3, generator: &generator))
        return Sequential(layers)
      },
      Setting(name: "unet", label: "U-Net 3 levels 32/64/128 (LEMMSE's classic UNet, ReLU, no norm)", shape: [32, 3, 32, 32]) {
        try! UNet(channels: 3, widths: [32, 64, 128], normalization: .none, activation: .relu, seed: 0)
      },
    ]
    let python = Anchors.python(importing: ["torch", "numpy"])
    print(python.map { "PyTorch anchor: \($0.path) running ../shared/anchors/train_bench.py, alternating with LEMMSE" }
          ?? "PyTorch anchor: no Python with torch found ($LEMMSE_ANCHORS_PYTHON, .venv-anchors/bin/python); LEMMSE only")
    print("| network | input | ms / step (median) | images / s | CPU ms / step | PyTorch ms / step | LEMMSE × faster |")
    print("|---|---|--:|--:|--:|--:|--:|")
    var medians: [String: Double] = [:]
    var phaseLines: [String] = []
    for setting in settings {
      var ours: [Double] = [], cpu: [Double] = [], theirs: [Double] = [], phases: [[Double]] = [], serials: [Double] = []
      for _ in 0..<rounds {
        let (wall, processor, phase, serial) = measure(setting, steps: steps)
        serials.append(serial)
        ours.append(wall)
        cpu.append(processor)
        phases.append(phase)
        if let python, let output = Anchors.run(python, ["train_bench.py", setting.name, "--threads", "\(Parallel.defaultThreadCount)",
                                                          "--steps", "\(steps)"]),
           let milliseconds = Anchors.number(after: "median ", in: output) {
          theirs.append(milliseconds)
        }
      }
      let median = ours.sorted()[ours.count / 2]
      medians[setting.name] = median
      let round = ours.firstIndex(of: median)!
      let phase = phases[round], processor = cpu.sorted()[cpu.count / 2]
      // The serial fraction: the share of a step's wall time outside multi-threaded
      // `Parallel.forEach` calls (CPU / wall says the same only when no other job shares the cores).
      phaseLines.append("| \(setting.name) | \(phase.map { MatrixProductBenchmark.format($0, 1) }.joined(separator: " | ")) | "
                        + "\(MatrixProductBenchmark.format(processor / median, 2)) | \(MatrixProductBenchmark.format(serials[round] * 100, 0)) % |")
      let pytorch = theirs.isEmpty ? nil : theirs.sorted()[theirs.count / 2]
      print("| \(setting.label) | \(setting.shape.map(String.init).joined(separator: "×")) | \(MatrixProductBenchmark.format(median, 1)) | "
            + "\(MatrixProductBenchmark.format(Double(setting.shape[0]) / median * 1000, 0)) | "
            + "\(MatrixProductBenchmark.format(cpu.sorted()[cpu.count / 2], 1)) | "
            + "\(pytorch.map { MatrixProductBenchmark.format($0, 1) } ?? "–") | \(pytorch.map { MatrixProductBenchmark.format($0 / median, 2) } ?? "–") |")
    }
    print("")
    print("| network | forward + loss ms | backward ms | Adam ms | CPU / wall | serial fraction |")
    print("|---|--:|--:|--:|--:|--:|")
    for line in phaseLines { print(line) }
    print("load average after: \(MatrixProductBenchmark.loadAverage())")
    let json = ["patchmlp", "resnet", "unet"].map { "\"\($0)\": \(medians[$0].map { MatrixProductBenchmark.format($0, 2) } ?? "null")" }
    print("{" + json.joined(separator: ", ") + "}")
  }

  /// Median wall and CPU milliseconds of `steps` training steps after two warm-up steps, and
  /// the median wall milliseconds of their phases (zero gradients + forward + loss, backward,
  /// optimiser update).
  static func measure(_ setting: Setting, steps: Int) -> (wall: Double, cpu: Double, phases: [Double], serial: Double) {
    let network = setting.make()
    let adam = Adam(parameters: network.parameters)
    var data = SeededGenerator(seed: 1)
    let x = Tensor.uniform(shape: setting.shape, using: &data)
    let input = x + Tensor.gaussian(shape: setting.shape, using: &data) * 0.2
    var times: [Double] = [], cpuTimes: [Double] = [], phases = [[Double]](repeating: [], count: 3), serial: [Double] = []
    for step in 0..<(steps + 2) {
      let start = Date(), cpuStart = processCPUMilliseconds(), parallelStart = Parallel.parallelSeconds
      network.zeroGradients()
      let output = network.forward(input)
      let gradient = (output - x) * (2 / Float(x.count))
      let forwardEnd = Date()
      _ = network.backward(gradient)
      let backwardEnd = Date()
      adam.update(learningRate: 1e-3)
      if step >= 2 {
        let end = Date()
        times.append(end.timeIntervalSince(start) * 1000)
        cpuTimes.append(processCPUMilliseconds() - cpuStart)
        phases[0].append(forwardEnd.timeIntervalSince(start) * 1000)
        phases[1].append(backwardEnd.timeIntervalSince(forwardEnd) * 1000)
        phases[2].append(end.timeIntervalSince(backwardEnd) * 1000)
        serial.append(1 - (Parallel.parallelSeconds - parallelStart) / end.timeIntervalSince(start))
      }
    }
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    return (median(times), median(cpuTimes), phases.map(median), median(serial))
  }

  /// CPU time of the whole process (all threads): with another job on the machine, wall time
  /// varies a lot while CPU time barely does, so it compares versions more reliably.
  static func processCPUMilliseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
  }
}
