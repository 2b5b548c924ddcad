import Foundation
import NeuralNetworks
import Tensors
import DataFiles

/// Checkpoints: the weights as safetensors, the description in its metadata and beside it
/// as JSON, each written atomically.
public enum Checkpoint {
  /// Writes a finished network: its weights as safetensors at `url`, `description` as JSON in
  /// the file's metadata (key `lemmse`) and, pretty-printed, beside it with the extension `.json`
  /// (`network.safetensors` → `network.json`). `read(from:)` reads it back.
  /// - Throws: `DataFileError.cannotWrite` or `.invalidTensor` when a file cannot be written;
  ///   `EncodingError` when the description's `finalLoss` is NaN or ±∞.
  public static func write(network: any DenoisingNetwork, description: CheckpointDescription, to url: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = String(decoding: try encoder.encode(description), as: UTF8.self)
    try SafeTensorsFile.write(network.checkpointTensors(), metadata: [CheckpointDescription.metadataKey: json], to: url)
    try writeJSON(description, to: url.deletingPathExtension().appendingPathExtension("json"))
  }

  /// Writes an unfinished run: the raw weights, plus the optimiser, averages, generators and
  /// order of `snapshot` (tensors under `training.`, the rest as JSON metadata), so
  /// `lemmse train --resume` continues it exactly. The description is written beside it as
  /// for `write(network:description:to:)`.
  /// - Throws: `DataFileError.cannotWrite` or `.invalidTensor` when a file cannot be written;
  ///   `EncodingError` for a NaN or ±∞ in the description or the training state.
  public static func writeSnapshot(_ snapshot: TrainingSnapshot, description: CheckpointDescription, to url: URL) throws {
    var tensors = snapshot.network
    for (name, tensor) in snapshot.optimizer { tensors["training.optimizer." + name] = tensor }
    for (index, average) in (snapshot.averages ?? []).enumerated() { tensors["training.average.\(index)"] = average }
    let state = SnapshotState(epochsCompleted: snapshot.epochsCompleted, step: snapshot.step, order: snapshot.order,
                              shuffleGenerator: snapshot.shuffleGenerator, noiseGenerator: snapshot.noiseGenerator,
                              lossHistory: snapshot.lossHistory, optimizerStep: snapshot.optimizerStep,
                              averages: snapshot.averages?.count)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    try SafeTensorsFile.write(tensors, metadata: [
      CheckpointDescription.metadataKey: String(decoding: try encoder.encode(description), as: UTF8.self),
      SnapshotState.metadataKey: String(decoding: try encoder.encode(state), as: UTF8.self),
    ], to: url)
    try writeJSON(description, to: url.deletingPathExtension().appendingPathExtension("json"))
  }

  /// The snapshot of an unfinished run, or nil when the checkpoint holds a finished network.
  /// - Throws: `DataFileError` naming the file, as `read(from:)`, and for a training state that
  ///   does not parse or a weight average that is missing.
  public static func readSnapshot(from url: URL) throws -> (snapshot: TrainingSnapshot, description: CheckpointDescription)? {
    let (tensors, metadata) = try SafeTensorsFile.read(contentsOf: url)
    guard let stateJSON = metadata[SnapshotState.metadataKey] else { return nil }
    guard let descriptionJSON = metadata[CheckpointDescription.metadataKey] else {
      throw DataFileError.corrupt(file: url.path, detail: "not a LEMMSE checkpoint: no '\(CheckpointDescription.metadataKey)' metadata")
    }
    let description = try decodeDescription(descriptionJSON, file: url)
    guard let state = try? JSONDecoder().decode(SnapshotState.self, from: Data(stateJSON.utf8)) else {
      throw DataFileError.corrupt(file: url.path, detail: "its training state does not parse")
    }
    try requireFinite(tensors, file: url)
    var network: [String: Tensor] = [:], optimizer: [String: Tensor] = [:]
    for (name, tensor) in tensors {
      if name.hasPrefix("training.optimizer.") { optimizer[String(name.dropFirst("training.optimizer.".count))] = tensor }
      else if !name.hasPrefix("training.") { network[name] = tensor }
    }
    // The weights must fit the description, as in `read(from:)`, so a damaged snapshot is
    // reported with its file name before training starts.
    do { try description.model.makeNetwork(seed: 0).load(from: network) } catch let error as NetworkError {
      throw DataFileError.corrupt(file: url.path, detail: "\(error)")
    }
    let averages = try state.averages.map { count in
      try (0..<count).map { index in
        guard let tensor = tensors["training.average.\(index)"] else {
          throw DataFileError.corrupt(file: url.path, detail: "weight average \(index) is missing")
        }
        return tensor
      }
    }
    let snapshot = TrainingSnapshot(
      epochsCompleted: state.epochsCompleted, step: state.step, order: state.order, shuffleGenerator: state.shuffleGenerator,
      noiseGenerator: state.noiseGenerator, lossHistory: state.lossHistory, network: network,
      optimizerStep: state.optimizerStep, optimizer: optimizer, averages: averages)
    return (snapshot, description)
  }

  /// Reads a checkpoint and rebuilds its network.
  /// - Throws: `DataFileError` naming the file for a missing or damaged file, a model
  ///   description out of `ModelDescription.validate()`'s ranges, weights that do not fit the
  ///   architecture the description names, or a NaN or ±∞ weight.
  public static func read(from url: URL) throws -> (network: any DenoisingNetwork, description: CheckpointDescription) {
    let (tensors, metadata) = try SafeTensorsFile.read(contentsOf: url)
    guard let json = metadata[CheckpointDescription.metadataKey] else {
      throw DataFileError.corrupt(file: url.path, detail: "not a LEMMSE checkpoint: no '\(CheckpointDescription.metadataKey)' metadata")
    }
    let description = try decodeDescription(json, file: url)
    let weights = tensors.filter { !$0.key.hasPrefix("training.") }
    try requireFinite(weights, file: url)
    let network: any DenoisingNetwork
    do {
      network = try description.model.makeNetwork(seed: 0)
      try network.load(from: weights)
    } catch let error as NetworkError {
      throw DataFileError.corrupt(file: url.path, detail: "\(error)")
    }
    return (network, description)
  }

  /// The description in a checkpoint's metadata, decoded and checked before any network is built.
  static func decodeDescription(_ json: String, file url: URL) throws -> CheckpointDescription {
    let description: CheckpointDescription
    do {
      description = try JSONDecoder().decode(CheckpointDescription.self, from: Data(json.utf8))
    } catch let DecodingError.keyNotFound(key, context) {
      throw DataFileError.corrupt(file: url.path, detail: "its model description lacks '\(configKeyPath(context.codingPath + [key]))'")
    } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context), let DecodingError.dataCorrupted(context) {
      let key = configKeyPath(context.codingPath)
      throw DataFileError.corrupt(file: url.path, detail: "its model description does not parse\(key.isEmpty ? "" : " at '\(key)'"): \(context.debugDescription)")
    } catch {
      throw DataFileError.corrupt(file: url.path, detail: "its model description does not parse (\(error))")
    }
    do {
      try description.model.validate()
      try description.sigma.validate()
    } catch let NetworkError.invalidValue(name, message) {
      throw DataFileError.corrupt(file: url.path, detail: "its model description is out of range: \(name) \(message)")
    }
    return description
  }

  /// Throws naming the file and the tensor unless every value is finite.
  static func requireFinite(_ tensors: [String: Tensor], file url: URL) throws {
    for name in tensors.keys.sorted() {
      if let bad = tensors[name]!.firstNonFiniteDescription {
        throw DataFileError.corrupt(file: url.path, detail: "tensor '\(name)' has \(bad); a checkpoint's weights must be finite")
      }
    }
  }
}

