import ArgumentParser
import Experiments
import Foundation
import NeuralNetworks

struct ApplyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "apply",
    abstract: "Apply a trained network to measurements y (it applies its own input map first).")

  @Option(help: "A checkpoint written by 'lemmse train'.")
  var checkpoint: String
  @Option(help: "Measurements y, .npy of M×C×H×W (or C×H×W).")
  var measurements: String
  @Option(help: "The noise level, for a noise-conditional network (default: the training σ).")
  var sigma: Float?
  @Option(help: "Where to write the .npy output.")
  var output: String

  func validate() throws {
    guard output.lowercased().hasSuffix(".npy") else { throw ValidationError("--output must name a .npy file (got \(output))") }
    if let sigma, sigma < 0 { throw ValidationError("--sigma must be ≥ 0 (got \(sigma))") }
  }

  func run() throws {
    let (network, description) = try Checkpoint.read(from: fileURL(checkpoint))
    let y = try NumPyFile.read(contentsOf: fileURL(measurements))
    guard y.rank == 3 || y.rank == 4 else {
      throw ValidationError("\(measurements) has shape \(y.shape); expected M×C×H×W or C×H×W measurements")
    }
    let batch = y.asImageBatch
    let shape = batch.imageBatchShape
    guard shape.channels == description.model.channels else {
      throw ValidationError("\(measurements) has \(shape.channels) channels; the network takes \(description.model.channels)")
    }
    let op = try OperatorSpecification(name: description.operatorName, mask: description.mask, kernel: description.kernel)
      .makeOperator(height: shape.height, width: shape.width)
    let u = try EstimatorInput(parsing: description.input).map(batch, for: op)
    var noise = sigma
    if noise == nil, case let .fixed(trained) = description.sigma { noise = trained }
    if description.model.noiseConditional && noise == nil {
      throw ValidationError("this network is noise-conditional: give --sigma")
    }
    let result = try network.predict(u, sigma: noise)
    try NumPyFile.write(result.reshaped(y.shape), to: fileURL(output))
    printError("wrote \(output) (\(description.model.architecture.rawValue), \(shape.count) image\(shape.count == 1 ? "" : "s"))")
  }
}
