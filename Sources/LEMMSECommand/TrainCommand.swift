import ArgumentParser
import Experiments
import Foundation
import NeuralNetworks
import Tensors
import DataFiles
import Physics
import ImageQuality
import Cluster

extension Architecture: ExpressibleByArgument {}
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
  @Option(parsing: .unconditional, help: "A fixed training noise level σ: 0 (noiseless) or 1e-06…1000.")
  var sigma: Float?
  @Option(name: .customLong("sigma-range"), parsing: .unconditional,
          help: "Draw σ uniformly from A,B (0 ≤ A ≤ B ≤ 1000) for every image at every step (noise-conditional).")
  var sigmaRange: CommaSeparated<Float>?
  @Option(help: "patchmlp, resnet, unet (local, receptive field P) or unet-classic (2×2 down-sampling).")
  var model: Architecture
  @Option(parsing: .unconditional,
          help: "Receptive field P (odd, 1…255, at most the image size): PatchMLP's patch, 3 + 2L for ResNet, the local U-Net's field.")
  var patch: Int?
  @Option(parsing: .unconditional,
          help: "Width(s) in 1…4096, comma-separated: one for patchmlp/resnet, one per level (1…8) for the U-Nets.")
  var width: CommaSeparated<Int>?
  @Option(parsing: .unconditional, help: "PatchMLP depth (layers, 2…256).")
  var depth: Int = 3
  @Flag(name: .customLong("residual-blocks"), help: "PatchMLP hidden layers as residual MLP blocks with LayerNorm and GELU.")
  var residualBlocks = false
  @Option(help: "none, batch, or group:G.", transform: { try Normalization(parsing: $0) })
  var normalization: Normalization?
  @Option(help: "relu, gelu or silu.")
  var activation: Activation?
  @Option(help: "circular or zeros.")
  var padding: Padding?
  @Option(name: .customLong("input-scale"), parsing: .unconditional,
          help: "Multiply the network's input by this factor > 0, or auto: 1 / RMS of the training inputs (input normalisation, for inputs such as the inverse filter's).",
          transform: { text in
            guard let scale = InputScale(text) else { throw ValidationError("--input-scale expects auto or a number > 0 (got '\(text)')") }
            return scale
          })
  var inputScale: InputScale?
  @Option(parsing: .unconditional, help: "Epochs (1…100000).")
  var epochs: Int = 10
  @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Images per step (1…65536).")
  var batchSize: Int = 32
  @Option(name: .customLong("learning-rate"), parsing: .unconditional, help: "Peak learning rate of the cosine schedule (> 0, ≤ 1).")
  var learningRate: Float = 1e-3
  @Option(name: .customLong("weight-decay"), parsing: .unconditional, help: "AdamW weight decay in 0…1 (0: Adam).")
  var weightDecay: Float = 0
  @Option(parsing: .unconditional, help: "Exponential moving average of the weights with this decay in [0, 1) (e.g. 0.999).")
  var ema: Float?
  @Option(parsing: .unconditional, help: "Seed of the weights, the shuffling, σ and the noise.")
  var seed: UInt64 = 0
  @Option(parsing: .unconditional, help: "Held-out test images to report the PSNR on (from the test split; 0…100000, 0: none).")
  var validation: Int = 100
  @Option(parsing: .unconditional,
          help: ArgumentHelp("Split every batch into S fixed shares, each run forward and backward alone (BatchNorm statistics per share), their gradients summed in share order (1…batch size; default 1, or K under mpirun -np K). The same --shares gives the same network bit for bit alone or under mpirun -np K for any K ≤ S.", valueName: "S"))
  var shares: Int?
  @Option(help: "Where to write the .safetensors checkpoint (rewritten after every epoch; missing folders are created).")
  var checkpoint: String
  @Flag(help: "Continue the unfinished run in --checkpoint (same flags); it ends exactly as an uninterrupted run.")
  var resume = false

  static let validationLimit = 0...100_000

  /// Every check that needs no file: the flags, the model's ranges and the training's.
  func validate() throws {
    guard (sigma == nil) != (sigmaRange == nil) else { throw ValidationError("give exactly one of --sigma and --sigma-range") }
    guard Self.validationLimit.contains(validation) else {
      throw ValidationError("--validation must be in 0…\(Self.validationLimit.upperBound) (got \(validation))")
    }
    guard checkpoint.lowercased().hasSuffix(".safetensors") else {
      throw ValidationError("--checkpoint must name a .safetensors file (got \(checkpoint))")
    }
    _ = try specification()
    _ = try trainingConfiguration()
  }

  func sigmaSampling() throws -> SigmaSampling {
    if let sigma { return .fixed(sigma) }
    let parts = sigmaRange?.values ?? []
    guard parts.count == 2, parts.allSatisfy(\.isFinite) else {
      throw ValidationError("--sigma-range expects A,B with 0 ≤ A ≤ B ≤ 1000 (got \(sigmaRange?.description ?? ""))")
    }
    return .uniform(lower: parts[0], upper: parts[1])
  }

  /// The flag that sets a field of `ModelDescription` or `TrainingConfiguration`.
  func flag(for field: String) -> String {
    switch field {
    case "patchSize", "patch": return "--patch"
    case "widths": return "--width"
    case "depth": return "--depth"
    case "normalization": return "--normalization"
    case "inputScale", "input_scale": return "--input-scale"
    case "channels": return "the channels of \(data)"
    case "epochs": return "--epochs"
    case "batchSize": return "--batch-size"
    case "sigma": return sigma == nil ? "--sigma-range" : "--sigma"
    case "learningRate": return "--learning-rate"
    case "weightDecay": return "--weight-decay"
    case "emaDecay": return "--ema"
    case "batchShares": return "--shares"
    default: return field
    }
  }

  /// The training configuration, checked with `TrainingConfiguration.validate()`.
  func trainingConfiguration() throws -> TrainingConfiguration {
    let configuration = TrainingConfiguration(
      epochs: epochs, batchSize: batchSize, sigma: try sigmaSampling(),
      optimizer: weightDecay != 0 ? .adamW(weightDecay: weightDecay) : .adam, learningRate: learningRate,
      warmupSteps: 0, finalLearningRate: 0, gradientClipNorm: 1, emaDecay: ema, seed: seed,
      batchShares: shares ?? Cluster.world.size)
    do { try configuration.validate() } catch let NetworkError.invalidValue(name, message) {
      throw ValidationError("\(flag(for: name)) \(message)")
    }
    guard configuration.batchShares >= Cluster.world.size else {
      throw ValidationError("--shares \(configuration.batchShares) is fewer than the \(Cluster.world.size) ranks that share every batch")
    }
    return configuration
  }

  func specification() throws -> ModelSpecification {
    let specification = ModelSpecification(model: model, patch: patch, widths: width?.values, depth: depth, residualBlocks: residualBlocks,
                                           normalization: normalization, activation: activation, padding: padding,
                                           inputScale: inputScale)
    do { try specification.validate() } catch let ExperimentError.invalidValue(key, message) {
      throw ValidationError("\(flag(for: key)) \(message)")
    }
    return specification
  }

  /// The network for `shape`'s images, or a one-line error naming the flag or the data.
  func makeNetwork(for shape: ImageBatchShape) throws -> (ModelDescription, any DenoisingNetwork) {
    guard shape.count > 0 else { throw CommandError("\(data) holds no images; training needs at least one") }
    let description: ModelDescription
    let network: any DenoisingNetwork
    do {
      description = try specification().description(channels: shape.channels, noiseConditional: sigmaRange != nil)
      network = try description.makeNetwork(seed: seed)
    } catch let ExperimentError.invalidValue(key, message) {
      throw CommandError("\(flag(for: key)) \(message) (the images of \(data))")
    } catch let NetworkError.invalidValue(name, message) {
      throw CommandError("\(flag(for: name)) \(message) (the images of \(data))")
    } catch let error as NetworkError {
      if case .invalidPatchSize = error { throw CommandError("--patch \(patch ?? 0): \(error)") }
      throw CommandError("--model \(model.rawValue) with these flags: \(error)")
    }
    do { try network.validate(height: shape.height, width: shape.width) } catch let error as NetworkError {
      if case .invalidPatchSize = error { throw CommandError("--patch \(patch ?? 0) does not fit \(data): \(error)") }
      throw CommandError("\(data): \(error)")
    }
    return (description, network)
  }

  /// What every rank has read and checked before the first step.
  struct Prepared {
    var configuration: TrainingConfiguration
    var seeds: SeedStreams
    var images: Tensor
    var job: TrainingJob
    var network: any DenoisingNetwork
    var heldOut: (u: Tensor, truth: Tensor, sigma: Float)?
    var snapshot: TrainingSnapshot?
  }

  /// Reads the images, builds the physics and the network, and reads the snapshot to resume;
  /// `isRoot` (rank 0, or the one process) also measures the held-out images and says what it
  /// resumes.
  func prepare(isRoot: Bool) throws -> Prepared {
    let configuration = try trainingConfiguration()
    let seeds = SeedStreams(seed: seed)
    let (images, _) = try selection.load(data)
    let shape = images.imageBatchShape
    if let bad = images.firstNonFiniteDescription {
      throw CommandError("\(data): training images must be finite; found \(bad)")
    }
    let choice = try physics.choice
    let op = try physics.makeOperator(height: shape.height, width: shape.width)
    let input = physics.input
    try input.validate(for: op)
    var (description, network) = try makeNetwork(for: shape)
    var job = TrainingJob(model: description, operator: choice, forwardOperator: op, input: input,
                          configuration: configuration, dataset: data)
    job.normalizesInput = inputScale == .auto
    job = try job.resolvingInputScale(images: images, seeds: seeds)
    (description, network.inputScale) = (job.model, job.model.inputScale ?? 1)
    let heldOut = isRoot ? try heldOutImages(trainingShape: shape, operator: op, seeds: seeds, sampling: configuration.sigma) : nil
    let snapshot = try resumedSnapshot(at: fileURL(checkpoint), description: description, configuration: configuration,
                                       count: shape.count, announce: isRoot)
    return Prepared(configuration: configuration, seeds: seeds, images: images, job: job, network: network,
                    heldOut: heldOut, snapshot: snapshot)
  }

  func run() throws {
    let world = Cluster.world
    guard world.size > 1 else { return try train(try prepare(isRoot: true), on: nil) }
    // Under mpirun every rank checks everything; the first failure in rank order ends all.
    var prepared: Prepared?, failure = ""
    do { prepared = try prepare(isRoot: world.rank == 0) } catch { failure = LEMMSE.oneLine(LEMMSE.message(for: error)) }
    try agree(on: failure, world: world)
    guard let prepared else { preconditionFailure("every rank prepared") }
    try train(prepared, on: world)
  }

  /// Trains, alone or as one rank of `world`: every rank takes its shares of every batch and
  /// the ranks keep identical weights; rank 0 alone reports progress and writes the checkpoints.
  func train(_ prepared: Prepared, on world: (any Communicator)?) throws {
    let isRoot = (world?.rank ?? 0) == 0
    let url = fileURL(checkpoint)
    let network = prepared.network, heldOut = prepared.heldOut
    // The files as they were before this run: a run that fails puts them back (or removes
    // what it created), so a failure never leaves a partial or diverged checkpoint.
    let outputs = isRoot ? CheckpointFiles(url) : nil
    let ranks = (world?.size ?? 1) > 1 ? " on \(world!.size) ranks" : ""
    let bar = isRoot ? ProgressBar("training \(model.rawValue)" + ranks) : nil
    let heldOutText = LockedText()
    let result: TrainedNetwork
    do {
      result = try prepared.job.train(
        network, images: prepared.images, seeds: prepared.seeds, resume: prepared.snapshot,
        progress: { progress in
          bar?.update(Double(progress.step + 1) / Double(max(progress.totalSteps, 1)), detail: progress.summary + heldOutText.value)
        },
        epochEnd: { snapshot, record in
          var failure = ""
          if let outputs {
            do {
              outputs.willWrite()
              try Checkpoint.writeSnapshot(snapshot, description: record, to: url)
              if let heldOut {
                let estimate = try network.predict(heldOut.u, sigma: heldOut.sigma)
                heldOutText.value = String(format: ", held-out PSNR %.2f dB (input %.2f)", psnr(estimate, heldOut.truth), psnr(heldOut.u, heldOut.truth))
              }
            } catch {
              guard world != nil else { throw error }
              failure = LEMMSE.oneLine(LEMMSE.message(for: error))
            }
          }
          // Rank 0's failure to save ends every rank at the same epoch.
          if let world { try agree(on: failure, world: world) }
        },
        exchange: world.map(ClusterExchange.init))
      if let outputs {
        outputs.willWrite()
        try Checkpoint.write(network: result.network, description: result.description, to: url)
      }
    } catch {
      bar?.finish()
      guard let outputs else { throw error }
      let restored = outputs.restore()
      if let error = error as? TrainingJobError {
        throw CommandError("\(error.description.replacingOccurrences(of: "lower the learning rate", with: "\(restored) — lower --learning-rate"))")
      }
      if let error = error as? CommandError { throw CommandError("\(error.description); \(restored)") }
      throw CommandError("\(LEMMSE.message(for: error)); \(restored)")
    }
    guard let bar else { return }
    bar.finish()
    let shape = prepared.images.imageBatchShape
    printError(String(format: "trained %@ (%d parameters) on %d images%@; final loss %.5f; wrote %@",
                      model.rawValue, result.network.parameters.reduce(0) { $0 + $1.value.count }, shape.count, ranks,
                      result.lossHistory.last ?? .nan, checkpoint))
    if let heldOut {
      let estimate = try result.network.predict(heldOut.u, sigma: heldOut.sigma)
      printError(String(format: "held-out PSNR on %d test images: input %.2f dB, network %.2f dB",
                        heldOut.truth.imageBatchShape.count, psnr(heldOut.u, heldOut.truth), psnr(estimate, heldOut.truth)))
    }
  }

  /// The snapshot to continue with `--resume` (nil without it), after checking it belongs to
  /// the same network, training and data.
  func resumedSnapshot(at url: URL, description: ModelDescription, configuration: TrainingConfiguration,
                       count: Int, announce: Bool) throws -> TrainingSnapshot? {
    guard resume else { return nil }
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw CommandError("--resume: \(checkpoint) does not exist; start the run without --resume")
    }
    guard let saved = try Checkpoint.readSnapshot(from: url) else {
      throw CommandError("--resume: \(checkpoint) holds a finished network; nothing to continue")
    }
    guard saved.description.model == description, saved.description.training == configuration,
          saved.description.trainingCount == count else {
      throw CommandError("--resume: \(checkpoint) was trained with other settings; rerun with the same flags as the first run")
    }
    if announce { printError("resuming \(checkpoint) after epoch \(saved.snapshot.epochsCompleted) of \(epochs)") }
    return saved.snapshot
  }

  /// `--validation` test images of the data set, measured once with the test-noise stream at
  /// the training σ (the middle of `--sigma-range`), when the data set has a test split of
  /// the training images' shape; nil otherwise.
  func heldOutImages(trainingShape shape: ImageBatchShape, operator op: ForwardOperator, seeds: SeedStreams,
                     sampling: SigmaSampling) throws -> (u: Tensor, truth: Tensor, sigma: Float)? {
    guard validation > 0,
          let truth = try? DataSets.load(DataSetRequest(source: DataSetSource(parsing: data), split: .test, count: validation,
                                                        color: selection.color, imageSize: selection.imageSize)),
          Array(truth.imageBatchShape.dimensions.dropFirst()) == Array(shape.dimensions.dropFirst()) else { return nil }
    let sigma: Float
    switch sampling {
    case let .fixed(value): sigma = value
    case let .uniform(lower, upper): sigma = (lower + upper) / 2
    }
    return (try physics.input.map(measure(truth, with: op, sigma: sigma, seed: seeds.testNoise), for: op), truth, sigma)
  }
}

/// A checkpoint and its `.json` as they were before a run, to put back when the run fails.
final class CheckpointFiles: @unchecked Sendable {
  private let files: [(url: URL, contents: Data?)]
  /// The outermost folder of the checkpoint that did not exist (created by the first write).
  private let createdFolder: URL?
  private let checkpoint: String
  private var wrote = false

  init(_ url: URL) {
    checkpoint = url.path
    files = [url, url.deletingPathExtension().appendingPathExtension("json")].map { ($0, try? Data(contentsOf: $0)) }
    var folder = url.deletingLastPathComponent(), missing: URL?
    while !FileManager.default.fileExists(atPath: folder.path), folder.path != "/" {
      missing = folder
      folder = folder.deletingLastPathComponent()
    }
    createdFolder = missing
  }

  func willWrite() { wrote = true }

  /// Puts the files back; returns what the user should be told.
  func restore() -> String {
    let folderCreated = createdFolder.map { FileManager.default.fileExists(atPath: $0.path) } ?? false
    let changed = wrote && (folderCreated || files.contains { (try? Data(contentsOf: $0.url)) != $0.contents })
    guard changed else { return "wrote nothing" }
    for (url, contents) in files {
      if let contents { try? AtomicFile.write(contents, to: url) } else { try? FileManager.default.removeItem(at: url) }
    }
    if let createdFolder { try? FileManager.default.removeItem(at: createdFolder) }
    return files[0].contents == nil ? "removed the unfinished \(checkpoint)" : "left \(checkpoint) as it was before this run"
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
