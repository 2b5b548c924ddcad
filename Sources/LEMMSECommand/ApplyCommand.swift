import ArgumentParser
import Experiments
import Foundation
import NeuralNetworks
import Tensors
import DataFiles
import Physics

struct ApplyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "apply",
    abstract: "Apply a trained network to measurements y (it applies its own input map first).")

  @Option(help: "A checkpoint written by 'lemmse train'.")
  var checkpoint: String
  @Option(help: "Measurements y, .npy of M×C×H×W (or C×H×W), finite.")
  var measurements: String
  @Option(parsing: .unconditional,
          help: "The noise level σ (0 or 1e-06…1000), for a noise-conditional network (default: the training σ).")
  var sigma: Float?
  @Option(help: "Where to write the .npy output (missing folders are created).")
  var output: String

  func validate() throws {
    guard output.lowercased().hasSuffix(".npy") else { throw ValidationError("--output must name a .npy file (got \(output))") }
    if let sigma, let problem = SigmaSampling.problem(with: Double(sigma), allowingZero: true) {
      throw ValidationError("--sigma \(problem)")
    }
  }

  func run() throws {
    let (network, description) = try Checkpoint.read(from: fileURL(checkpoint))
    let y = try NumPyFile.read(contentsOf: fileURL(measurements))
    guard y.rank == 3 || y.rank == 4 else {
      throw CommandError("\(measurements) has shape \(y.shape); expected M×C×H×W or C×H×W measurements")
    }
    if let bad = y.firstNonFiniteDescription {
      throw CommandError("\(measurements): measurements must be finite; found \(bad)")
    }
    let batch = y.asImageBatch
    let shape = batch.imageBatchShape
    guard shape.count > 0 else { throw CommandError("\(measurements) holds no measurements (shape \(y.shape))") }
    guard shape.channels == description.model.channels else {
      throw CommandError("\(measurements) has \(shape.channels) channels; the network takes \(description.model.channels)")
    }
    let op: ForwardOperator
    let u: Tensor
    do {
      op = try description.operator.makeOperator(height: shape.height, width: shape.width)
      u = try description.input.map(batch, for: op)
    } catch {
      throw CommandError("\(checkpoint): its operator \(description.operator) (input \(description.input)) does not fit the \(shape.height)×\(shape.width) measurements of \(measurements): \(LEMMSE.message(for: error))")
    }
    var noise = sigma
    if noise == nil, case let .fixed(trained) = description.sigma { noise = trained }
    if description.model.noiseConditional && noise == nil {
      throw CommandError("this network is noise-conditional: give --sigma")
    }
    let result: Tensor
    do { result = try network.predict(u, sigma: noise) } catch let error as NetworkError {
      throw CommandError("\(checkpoint) cannot run on \(measurements): \(error)")
    }
    if let bad = result.firstNonFiniteDescription {
      throw CommandError("the network of \(checkpoint) produced \(bad) on \(measurements); wrote nothing")
    }
    try NumPyFile.write(result.reshaped(y.shape), to: fileURL(output))
    printError("wrote \(output) (\(description.model.architecture.rawValue), \(shape.count) image\(shape.count == 1 ? "" : "s"))")
  }
}
