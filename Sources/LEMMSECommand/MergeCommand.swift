import ArgumentParser
import Foundation
import AnalyticMMSE

struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Combine the parts of 'lemmse estimate --shard I/K' into the estimate, bit for bit that of one process.",
    discussion: """
      Give the parts of all K shards, in any order. Every part must come from the same \
      estimate command (settings, training images, measurements and patch sizes are checked by \
      a fingerprint); a missing, repeated or foreign part stops the merge with one line naming \
      it, and nothing is written. OUT.npy and OUT.json are what 'lemmse estimate --output' \
      would have written (the statistics' seconds and threads are the largest of any shard's).

      Example (a Slurm job array of 4 tasks, then one merge):
        lemmse estimate --train fashion-mnist --count 10000 --measurements y.npy --operator denoising --sigma 0.2 \\
          --shard $SLURM_ARRAY_TASK_ID/4 --partial part_$SLURM_ARRAY_TASK_ID.npz
        lemmse merge part_*.npz --output lemmse.npy
      """)

  @Argument(help: ArgumentHelp("The parts (.npz), one per shard.", valueName: "PART"))
  var parts: [String]
  @Option(help: "Where to write the .npy estimate; OUT.json goes beside it (missing folders are created).")
  var output: String

  func validate() throws {
    guard !parts.isEmpty else { throw ValidationError("give the parts to merge, e.g. part_*.npz") }
    guard output.lowercased().hasSuffix(".npy") else { throw ValidationError("--output must name a .npy file (got \(output))") }
  }

  func run() throws {
    let outputURL = fileURL(output)
    try OutputFiles.checkFile(outputURL, flag: "--output")
    try OutputFiles.checkFile(outputURL.deletingPathExtension().appendingPathExtension("json"), flag: "--output (its .json)")
    let read = try parts.map { try PartialFile.read(fileURL($0)) }
    for (k, part) in read.enumerated() where part.record != read[0].record {
      throw CommandError("\(parts[k]): written by another estimate command than \(parts[0]) (its settings, data or measurements differ)")
    }
    var seen: [TrainingShard: String] = [:]
    for (k, part) in read.enumerated() {
      if let other = seen.updateValue(parts[k], forKey: part.partial.shard) {
        throw CommandError("\(parts[k]): repeats shard \(part.partial.shard) of \(other); give each shard's part once")
      }
    }
    let results: [Estimate]
    do {
      results = try AnalyticEstimator.combine(read.map(\.partial))
    } catch let AnalyticMMSEError.incompatiblePartial(part, detail) {
      throw CommandError("\(parts[part]): \(detail)")
    } catch let error as AnalyticMMSEError {
      throw CommandError(error.description)
    }
    var outputs = OutputFiles()
    try read[0].record.addEstimates(results, output: outputURL, to: &outputs)
    try outputs.commit()
    printError(EstimateCommand.summary(results, output: output, seconds: results.map(\.statistics.seconds).max() ?? 0))
  }
}
