import Experiments
import Foundation
import Tensors
import DataFiles
import AnalyticMMSE

/// What an `estimate` command computed, as OUT.json records it beside the statistics — kept in
/// a partial file so that `lemmse merge` writes the OUT.npy and OUT.json the single command would.
struct EstimateRecord: Codable, Equatable {
  var estimator: EstimatorKind
  var patches: [Int]
  var padding: Padding
  var sigma: Double
  var input: String
  var `operator`: String
  var training: String
  var trainingCount: Int
  var measurements: String
  /// The measurements' shape, `M × C × H × W` or `C × H × W`.
  var shape: [Int]

  /// OUT.npy and OUT.json: one size as the measurements' shape with `EstimateMetadata`;
  /// several stacked as `K × M × C × H × W` with `PatchSweepMetadata`.
  func addEstimates(_ results: [Estimate], output: URL, to outputs: inout OutputFiles) throws {
    let metadataURL = output.deletingPathExtension().appendingPathExtension("json")
    if results.count == 1 {
      outputs.add(NumPyFile.encode(results[0].images.reshaped(shape)), to: output)
      let metadata = EstimateMetadata(
        estimator: estimator.rawValue, patch: patches[0], padding: padding.rawValue, sigma: sigma, input: input,
        operator: `operator`, training: training, trainingCount: trainingCount, measurements: measurements,
        statistics: results[0].statistics)
      outputs.add(try encodedJSON(metadata), to: metadataURL)
      return
    }
    let batch = results[0].images.shape
    outputs.add(NumPyFile.encode(stacked(results.map(\.images))), to: output)
    let metadata = PatchSweepMetadata(
      estimator: estimator.rawValue, patches: patches, shape: [results.count] + batch, padding: padding.rawValue,
      sigma: sigma, input: input, operator: `operator`, training: training, trainingCount: trainingCount,
      measurements: measurements, statistics: results.map(\.statistics))
    outputs.add(try encodedJSON(metadata), to: metadataURL)
  }
}
