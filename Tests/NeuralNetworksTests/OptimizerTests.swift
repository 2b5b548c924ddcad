import Foundation
import Testing
@testable import NeuralNetworks
import Tensors

/// Least squares `½‖A w − b‖²` with a consistent system (zero loss reachable), gradient `Aᵀ(Aw − b)`.
struct LeastSquares {
  var a: [[Float]], b: [Float]
  init(seed: UInt64, rows: Int = 20, columns: Int = 5) {
    var generator = SeededGenerator(seed: seed)
    a = (0..<rows).map { _ in (0..<columns).map { _ in Float(generator.nextGaussian()) } }
    let truth = (0..<columns).map { _ in Float(generator.nextGaussian()) }
    b = a.map { row in zip(row, truth).reduce(0) { $0 + $1.0 * $1.1 } }
  }
  func lossAndGradient(_ w: Parameter) -> Float {
    var loss: Float = 0
    w.zeroGradient()
    for (row, target) in zip(a, b) {
      let residual = zip(row, w.value.scalars).reduce(0) { $0 + $1.0 * $1.1 } - target
      loss += 0.5 * residual * residual
      for j in row.indices { w.gradient.scalars[j] += residual * row[j] }
    }
    return loss
  }
}

@Test(arguments: ["adam", "adamW"])
func optimizersSolveLeastSquares(kind: String) {
  let problem = LeastSquares(seed: 1)
  let w = Parameter(name: "w", value: Tensor(zeros: [5]), decays: kind == "adamW")
  let initial = problem.lossAndGradient(w)
  let adam = Adam(parameters: [w]), adamW = AdamW(parameters: [w], weightDecay: 1e-4)
  let schedule = CosineSchedule(peakLearningRate: 0.05, warmupSteps: 20, totalSteps: 3000)
  var loss = initial
  for step in 0..<3000 {
    loss = problem.lossAndGradient(w)
    if kind == "adam" { adam.update(learningRate: schedule.learningRate(atStep: step)) }
    else { adamW.update(learningRate: schedule.learningRate(atStep: step)) }
  }
  // AdamW's decay pulls slightly towards 0, so its optimum has a tiny positive loss.
  #expect(loss < initial * 1e-5, "loss \(initial) → \(loss)")
}

@Test func adamFirstStepMovesEveryWeightByTheLearningRate() {
  // m̂ = g and v̂ = g² after one step, so Δθ = −η · sign(g) (up to ε).
  let w = Parameter(name: "w", value: Tensor(shape: [3], scalars: [1, 2, 3]), decays: true)
  w.gradient = Tensor(shape: [3], scalars: [0.5, -4, 1e-3])
  Adam(parameters: [w]).update(learningRate: 0.1)
  #expect(w.value.maxAbsoluteDifference(Tensor(shape: [3], scalars: [0.9, 2.1, 2.9])) < 1e-4)
  // AdamW shrinks decaying weights by (1 − ηλ) before the Adam step; biases are left alone.
  let v = Parameter(name: "v", value: Tensor(shape: [1], scalars: [2]), decays: true)
  let bias = Parameter(name: "b", value: Tensor(shape: [1], scalars: [2]), decays: false)
  AdamW(parameters: [v, bias], weightDecay: 0.5).update(learningRate: 0.1)
  #expect(abs(v.value.scalars[0] - 2 * 0.95) < 1e-6 && bias.value.scalars[0] == 2)
}

@Test func optimizersTrainAConvolutionToZeroLoss() {
  // Regression of a random 3 × 3 convolution: the student has the teacher's architecture.
  var generator = SeededGenerator(seed: 9)
  let teacher = Convolution2D(inputChannels: 2, outputChannels: 2, kernelSize: 3, generator: &generator)
  let student = Convolution2D(inputChannels: 2, outputChannels: 2, kernelSize: 3, generator: &generator)
  let x = Tensor.gaussian(shape: [4, 2, 6, 6], using: &generator)
  let target = teacher.forward(x)
  let optimizer = AdamW(parameters: student.parameters, weightDecay: 0)
  let schedule = CosineSchedule(peakLearningRate: 0.03, warmupSteps: 10, totalSteps: 600)
  var losses: [Double] = []
  for step in 0..<600 {
    let residual = student.forward(x) - target
    losses.append(residual.dot(residual) / Double(residual.count))
    student.zeroGradients()
    _ = student.backward(2 / Float(residual.count) * residual)
    clipGradientNorm(student.parameters, maxNorm: 1)
    optimizer.update(learningRate: schedule.learningRate(atStep: step))
  }
  #expect(losses.last! < 1e-6 * losses.first!, "loss \(losses.first!) → \(losses.last!)")
}

@Test func cosineScheduleWarmsUpAndDecays() {
  let schedule = CosineSchedule(peakLearningRate: 1e-3, warmupSteps: 10, totalSteps: 110, finalLearningRate: 1e-5)
  #expect(abs(schedule.learningRate(atStep: 0) - 1e-4) < 1e-9)
  #expect(abs(schedule.learningRate(atStep: 9) - 1e-3) < 1e-9)
  #expect(abs(schedule.learningRate(atStep: 10) - 1e-3) < 1e-9)
  #expect(abs(schedule.learningRate(atStep: 60) - (1e-5 + 0.5 * (1e-3 - 1e-5))) < 1e-8)
  #expect(schedule.learningRate(atStep: 110) == 1e-5 && schedule.learningRate(atStep: 500) == 1e-5)
  let values = (10...110).map { schedule.learningRate(atStep: $0) }
  #expect(zip(values, values.dropFirst()).allSatisfy { $0 >= $1 })
}

@Test func clippingScalesTheGlobalNorm() {
  let a = Parameter(name: "a", value: Tensor(zeros: [2]), decays: true)
  let b = Parameter(name: "b", value: Tensor(zeros: [1]), decays: false)
  a.gradient = Tensor(shape: [2], scalars: [3, 0])
  b.gradient = Tensor(shape: [1], scalars: [4])
  #expect(clipGradientNorm([a, b], maxNorm: 10) == 5)
  #expect(a.gradient.scalars == [3, 0] && b.gradient.scalars == [4])
  #expect(clipGradientNorm([a, b], maxNorm: 1) == 5)
  #expect(abs(a.gradient.scalars[0] - 0.6) < 1e-6 && abs(b.gradient.scalars[0] - 0.8) < 1e-6)
}

@Test func movingAverageFollowsTheWeights() {
  let w = Parameter(name: "w", value: Tensor(shape: [1], scalars: [0]), decays: true)
  let average = ExponentialMovingAverage(parameters: [w], decay: 0.5)
  w.value = Tensor(shape: [1], scalars: [1])
  average.update()
  #expect(average.averages[0].scalars == [0.5])
  average.update()
  #expect(average.averages[0].scalars == [0.75])
  // Averaging noisy iterates around an optimum lands closer to it than the last iterate.
  var generator = SeededGenerator(seed: 4)
  let noisy = Parameter(name: "n", value: Tensor(zeros: [100]), decays: true)
  let smooth = ExponentialMovingAverage(parameters: [noisy], decay: 0.99)
  for _ in 0..<2000 {
    noisy.value = Tensor.gaussian(shape: [100], using: &generator) + 3
    smooth.update()
  }
  #expect(smooth.averages[0].maxAbsoluteDifference(Tensor(repeating: 3, shape: [100])) < 0.5)
  smooth.copyAveragesToParameters()
  #expect(noisy.value == smooth.averages[0])
}

/// AdamW differs from Adam only in how λ enters, so with λ = 0 the two take the same steps to
/// the last bit, moments included.
@Test func adamWWithoutDecayIsAdamExactly() {
  func run(_ make: ([Parameter]) -> any Optimizer) -> [Tensor] {
    let weight = Parameter(name: "w", value: Tensor(shape: [6], scalars: [-3, -1, 0, 0.5, 2, 7]), decays: true)
    let bias = Parameter(name: "b", value: Tensor(shape: [2], scalars: [0.25, -4]), decays: false)
    let optimizer = make([weight, bias])
    var generator = SeededGenerator(seed: 12)
    for step in 0..<30 {
      weight.gradient = Tensor.gaussian(shape: [6], using: &generator)
      bias.gradient = Tensor.gaussian(shape: [2], using: &generator)
      optimizer.update(learningRate: 0.01 * Float(step % 7 + 1))
    }
    #expect(optimizer.step == 30)
    return [weight.value, bias.value] + optimizer.stateTensors.sorted { $0.key < $1.key }.map(\.value)
  }
  let adam = run { Adam(parameters: $0) }
  #expect(run { AdamW(parameters: $0, weightDecay: 0) } == adam)
  #expect(run { OptimizerChoice.adamW(weightDecay: 0).makeOptimizer(parameters: $0) } == adam)
  #expect(run { OptimizerChoice.adam.makeOptimizer(parameters: $0) } == adam)
}

/// Two AdamW steps by hand (β₁ = 0.9, β₂ = 0.999, η = 0.1, λ = 0.5, θ₀ = 2, g = 0.5 then −0.25):
/// ```
/// t = 1: m̂ = 0.5, v̂ = 0.25;             θ₁ = 0.95 · 2 − 0.1 · 0.5 / 0.5 = 1.8
/// t = 2: m = 0.02, v = 3.1225e-4;  m̂ = 0.02 / 0.19, v̂ = 3.1225e-4 / 0.001999
///        θ₂ = 0.95 · 1.8 − 0.1 · m̂ / √v̂ = 1.683366…
/// ```
/// A bias (`decays == false`) takes the plain Adam steps: 2 − 0.1 = 1.9 after the first.
@Test func adamWMatchesTwoStepsByHand() {
  let weight = Parameter(name: "w", value: Tensor(shape: [1], scalars: [2]), decays: true)
  let bias = Parameter(name: "b", value: Tensor(shape: [1], scalars: [2]), decays: false)
  let optimizer = AdamW(parameters: [weight, bias], weightDecay: 0.5)
  weight.gradient = Tensor(shape: [1], scalars: [0.5])
  bias.gradient = Tensor(shape: [1], scalars: [0.5])
  optimizer.update(learningRate: 0.1)
  #expect(abs(weight.value.scalars[0] - 1.8) < 1e-6)
  #expect(abs(bias.value.scalars[0] - 1.9) < 1e-6)
  weight.gradient = Tensor(shape: [1], scalars: [-0.25])
  optimizer.update(learningRate: 0.1)
  #expect(abs(weight.value.scalars[0] - 1.683_366_3) < 1e-6)
  #expect(abs(optimizer.stateTensors["first.0"]!.scalars[0] - 0.02) < 1e-8)
}

/// The spelling of configurations and checkpoints: `OptimizerChoice` encodes as before.
@Test func optimizerChoicesKeepTheirJSON() throws {
  let encoder = JSONEncoder()
  encoder.outputFormatting = .sortedKeys
  #expect(String(decoding: try encoder.encode(OptimizerChoice.adam), as: UTF8.self) == #"{"adam":{}}"#)
  #expect(String(decoding: try encoder.encode(OptimizerChoice.adamW(weightDecay: 0.5)), as: UTF8.self)
    == #"{"adamW":{"weightDecay":0.5}}"#)
  let decoded = try JSONDecoder().decode([OptimizerChoice].self, from: Data(#"[{"adam":{}},{"adamW":{"weightDecay":0.25}}]"#.utf8))
  #expect(decoded == [.adam, .adamW(weightDecay: 0.25)])
  #expect(OptimizerChoice.adam.makeOptimizer(parameters: []) is Adam)
  #expect(OptimizerChoice.adamW(weightDecay: 0.1).makeOptimizer(parameters: []) is AdamW)
}
