import ArgumentParser
import Experiments
import Foundation
import NeuralNetworks

extension ModelKind: ExpressibleByArgument {}
extension Activation: ExpressibleByArgument {}

struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Train a CNN (PatchMLP, ResNet, local or classic U-Net) for a forward model, with the squared loss.",
    discussion: """
      Every step measures its batch afresh: y = A x + σ e with new noise (and a new σ per image \
      with --sigma-range), mapped to the --input the network sees. Writes the weights as \
      safetensors (the description in its metadata) and OUT.json beside it.

      Example:
        lemmse train --data fashion-mnist --count 1000 --operator denoising --sigma 0.2 --model patchmlp --patch 5 --epochs 10 --checkpoint mlp.safetensors
      """)

  @Option(help: ArgumentHelp("The clean training images. " + dataReferenceHelp, valueName: "DATA"))
  var data: String
  @OptionGroup var selection: SelectionOptions
  @OptionGroup var physics: OperatorOptions
  @Option(help: "A fixed training noise level σ.")
  var sigma: Float?
  @Option(name: .customLong("sigma-range"), help: "Draw σ uniformly from A,B for every image at every step (noise-conditional).")
  var sigmaRange: String?
  @Option(help: "patchmlp, resnet, unet (local, receptive field P) or unet-classic (2×2 down-sampling).")
  var model: ModelKind
  @Option(help: "Receptive field P (odd): PatchMLP's patch, 3 + 2L for ResNet, the local U-Net's field.")
  var patch: Int?
  @Option(help: "Width(s), comma-separated: one for patchmlp/resnet, one per level for the U-Nets.")
  var width: String?
  @Option(help: "PatchMLP depth (layers, ≥ 2).")
  var depth: Int = 3
  @Flag(name: .customLong("residual-blocks"), help: "PatchMLP hidden layers as residual MLP blocks with LayerNorm and GELU.")
  var residualBlocks = false
  @Option(help: "none, batch, or group:G.")
  var normalization: String?
  @Option(help: "relu, gelu or silu.")
  var activation: Activation?
  @Option(help: "circular or zeros.")
  var padding: Padding?
  @Option(help: "Epochs.")
  var epochs: Int = 10
  @Option(name: .customLong("batch-size"), help: "Images per step.")
  var batchSize: Int = 32
  @Option(name: .customLong("learning-rate"), help: "Peak learning rate of the cosine schedule.")
  var learningRate: Float = 1e-3
  @Option(name: .customLong("weight-decay"), help: "AdamW weight decay (0: Adam).")
  var weightDecay: Float = 0
  @Option(help: "Exponential moving average of the weights with this decay (e.g. 0.999).")
  var ema: Float?
  @Option(help: "Seed of the weights, the shuffling, σ and the noise.")
  var seed: UInt64 = 0
  @Option(help: "Held-out test images to report the PSNR on (from the test split).")
  var validation: Int = 100
  @Option(help: "Where to write the .safetensors checkpoint (rewritten after every epoch).")
  var checkpoint: String
  @Flag(help: "Continue the unfinished run in --checkpoint (same flags); it ends exactly as an uninterrupted run.")
  var resume = false

  func validate() throws {
    guard (sigma == nil) != (sigmaRange == nil) else { throw ValidationError("give exactly one of --sigma and --sigma-range") }
    if let sigma, sigma < 0 { throw ValidationError("--sigma must be ≥ 0 (got \(sigma))") }
    _ = try sigmaSampling()
    if let patch, patch <= 0 || patch % 2 == 0 { throw ValidationError("--patch must be odd (got \(patch))") }
    if model != .unetClassic && patch == nil { throw ValidationError("--patch is required for \(model.rawValue)") }
    if model == .resnet, let patch, patch < 3 { throw ValidationError("a ResNet's --patch is 3 + 2L ≥ 3 (got \(patch))") }
    guard epochs >= 0, batchSize > 0 else { throw ValidationError("--epochs must be ≥ 0 and --batch-size > 0") }
    guard checkpoint.lowercased().hasSuffix(".safetensors") else {
      throw ValidationError("--checkpoint must name a .safetensors file (got \(checkpoint))")
    }
    _ = try specification()
  }

  func sigmaSampling() throws -> SigmaSampling {
    if let sigma { return .fixed(sigma) }
    let parts = (sigmaRange ?? "").split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 2, parts[0] >= 0, parts[1] >= parts[0] else {
      throw ValidationError("--sigma-range expects A,B with 0 ≤ A ≤ B (got \(sigmaRange ?? ""))")
    }
    return .uniform(lower: parts[0], upper: parts[1])
  }

  func specification() throws -> ModelSpecification {
    let widths = try width.map { text -> [Int] in
      let values = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard !values.isEmpty, values.allSatisfy({ $0 > 0 }) else { throw ValidationError("--width expects positive integers (got \(text))") }
      return values
    }
    let specification = ModelSpecification(model: model, patch: patch, widths: widths, depth: depth, residualBlocks: residualBlocks,
                                           normalization: normalization, activation: activation, padding: padding)
    do { try specification.validate() } catch let error as ExperimentError { throw ValidationError(error.description) }
    return specification
  }

  func run() throws {
    let (images, _) = try selection.load(data)
    let shape = images.imageBatchShape
    let spec = try physics.specification
    let op = try spec.makeOperator(height: shape.height, width: shape.width)
    let input = try physics.estimatorInput
    try input.validate(for: op)
    let sampling = try sigmaSampling()
    let description = try specification().description(channels: shape.channels, noiseConditional: sigmaRange != nil)
    let network = try description.makeNetwork(seed: seed)
    try network.validate(height: shape.height, width: shape.width)
    let configuration = TrainingConfiguration(
      epochs: epochs, batchSize: batchSize, sigma: sampling,
      optimizer: weightDecay > 0 ? .adamW(weightDecay: weightDecay) : .adam, learningRate: learningRate,
      warmupSteps: 0, finalLearningRate: 0, gradientClipNorm: 1, emaDecay: ema, seed: seed)
    // Held-out test images, measured once, for a PSNR after every epoch.
    var heldOut: (u: Tensor, truth: Tensor, sigma: Float)?
    if validation > 0, let truth = try? DataSets.load(DataSetRequest(source: DataSetSource(parsing: data), split: .test,
                                                                       count: validation, color: selection.color,
                                                                       imageSize: selection.imageSize)),
       Array(truth.imageBatchShape.dimensions.dropFirst()) == Array(shape.dimensions.dropFirst()) {
      let sigma: Float
      switch sampling {
      case let .fixed(value): sigma = value
      case let .uniform(lower, upper): sigma = (lower + upper) / 2
      }
      heldOut = (try input.map(measure(truth, with: op, sigma: sigma, seed: seed &+ 1), for: op), truth, sigma)
    }
    var snapshot: TrainingSnapshot?
    let url = fileURL(checkpoint)
    if resume {
      guard FileManager.default.fileExists(atPath: url.path) else {
        throw ValidationError("--resume: \(checkpoint) does not exist; start the run without --resume")
      }
      guard let saved = try Checkpoint.readSnapshot(from: url) else {
        throw ValidationError("--resume: \(checkpoint) holds a finished network; nothing to continue")
      }
      guard saved.description.model == description, saved.description.training == configuration,
            saved.description.trainingCount == shape.count else {
        throw ValidationError("--resume: \(checkpoint) was trained with other settings; rerun with the same flags as the first run")
      }
      snapshot = saved.snapshot
      printError("resuming \(checkpoint) after epoch \(saved.snapshot.epochsCompleted) of \(epochs)")
    }
    let bar = ProgressBar("training \(model.rawValue)")
    let start = Date()
    func record(_ loss: Float?) -> CheckpointDescription {
      CheckpointDescription(
        model: description, operatorName: physics.operatorName, mask: physics.mask, kernel: physics.kernel,
        input: physics.input, sigma: sampling, training: configuration, dataset: data, trainingCount: shape.count,
        imageShape: [shape.channels, shape.height, shape.width], finalLoss: loss,
        seconds: Date().timeIntervalSince(start))
    }
    let heldOutText = LockedText()
    let result = try NeuralNetworks.train(
      network, images: images, configuration: configuration, makeInput: NetworkTraining.inputMaker(operator: op, input: input),
      progress: { progress in
        bar.update(Double(progress.step + 1) / Double(max(progress.totalSteps, 1)),
                   detail: String(format: "epoch %d, loss %.5f, %.0f img/s", progress.epoch + 1, progress.loss, progress.imagesPerSecond)
                     + heldOutText.value)
      },
      resume: snapshot,
      epochEnd: { snapshot in
        if let bad = snapshot.lossHistory.firstIndex(where: { !$0.isFinite }) {
          throw ValidationError("the loss became \(snapshot.lossHistory[bad]) at step \(bad + 1); kept the last good checkpoint — lower --learning-rate")
        }
        try Checkpoint.writeSnapshot(snapshot, description: record(snapshot.lossHistory.last), to: url)
        if let heldOut {
          let estimate = try network.predict(heldOut.u, sigma: heldOut.sigma)
          heldOutText.value = String(format: ", held-out PSNR %.2f dB (input %.2f)", psnr(estimate, heldOut.truth), psnr(heldOut.u, heldOut.truth))
        }
      })
    bar.finish()
    try Checkpoint.write(network: result.network, description: record(result.lossHistory.last), to: url)
    printError(String(format: "trained %@ (%d parameters) on %d images; final loss %.5f; wrote %@",
                      model.rawValue, result.network.parameters.reduce(0) { $0 + $1.value.count }, shape.count,
                      result.lossHistory.last ?? .nan, checkpoint))
    if let heldOut {
      let estimate = try result.network.predict(heldOut.u, sigma: heldOut.sigma)
      printError(String(format: "held-out PSNR on %d test images: input %.2f dB, network %.2f dB",
                        heldOut.truth.imageBatchShape.count, psnr(heldOut.u, heldOut.truth), psnr(estimate, heldOut.truth)))
    }
  }
}

/// A string shared between the epoch callback and the progress callback.
final class LockedText: @unchecked Sendable {
  private let lock = NSLock()
  private var text = ""
  var value: String {
    get { lock.lock(); defer { lock.unlock() }; return text }
    set { lock.lock(); text = newValue; lock.unlock() }
  }
}
