import ArgumentParser
import Experiments
import Foundation
import Tensors
import DataFiles
import Physics
import AnalyticMMSE

extension EstimateCommand {
  /// What OUT.json records, for these measurements and this training set.
  func record(shape: [Int], training: Tensor, operator op: ForwardOperator, input: EstimatorInput) -> EstimateRecord {
    EstimateRecord(estimator: estimator, patches: patchSizes, padding: padding, sigma: sigma, input: input.description,
                   operator: op.description, training: train, trainingCount: training.imageBatchShape.count,
                   measurements: measurements, shape: shape)
  }

  /// The maps (`M × 1 × H × W`, or `K × M × 1 × H × W` for several sizes), their figures (one
  /// row per size), the inspected pixels' contributors and the patchworks of every size.
  func addDiagnostics(_ results: [Estimate], inputs u: Tensor, folder: URL, to outputs: inout OutputFiles,
                      estimatorFor: (Int) throws -> AnalyticEstimator) throws {
    let several = results.count > 1
    let effective = results.map(\.effectiveCandidates), logDensity = results.map(\.logDensity)
    outputs.add(NumPyFile.encode(several ? stacked(effective) : effective[0]), to: folder.appendingPathComponent("effective_candidates.npy"))
    outputs.add(NumPyFile.encode(several ? stacked(logDensity) : logDensity[0]), to: folder.appendingPathComponent("log_density.npy"))
    // Maps with a viridis colour bar on their real scale (candidates on a log scale).
    let images = u.imageBatchShape.count
    let headers = (0..<images).map { "image \($0)" }
    func figure(_ name: String, _ maps: [Tensor], _ scale: MapFigure.Scale) -> MapFigure {
      MapFigure(columnHeaders: headers, rows: zip(patchSizes, maps).map { size, map in
        .init(name: several ? "\(name) P=\(size)" : name, maps: (0..<images).map { map.image($0) }, scale: scale)
      })
    }
    outputs.add(try PNGFile.encode(figure("candidates", effective, .logarithmic).png()),
                to: folder.appendingPathComponent("effective_candidates.png"))
    outputs.add(try PNGFile.encode(figure("log-density", logDensity, .linear).png()), to: folder.appendingPathComponent("log_density.png"))
    guard !inspect.isEmpty || patchwork else { return }
    var inspected: [InspectedPixel] = []
    var winners: [Float] = [], counts: [Float] = []
    for size in patchSizes {
      let analytic = try estimatorFor(size)
      for t in 0..<images {
        for (row, column) in try inspectedPixels() {
          let contributors = try analytic.topContributors(input: u.image(t), row: row, column: column, count: topK)
          inspected.append(InspectedPixel(patch: several ? size : nil, image: t, row: row, column: column, contributors: contributors))
        }
      }
      if patchwork { try addPatchworks(analytic, inputs: u, name: several ? "patchwork_P\(size)" : "patchwork", folder: folder,
                                       winners: &winners, counts: &counts, to: &outputs) }
    }
    if !inspected.isEmpty { outputs.add(try encodedJSON(inspected), to: folder.appendingPathComponent("top_contributors.json")) }
    if patchwork {
      let shape = u.imageBatchShape
      let mapShape = (several ? [results.count] : []) + [images, 1, shape.height, shape.width]
      outputs.add(NumPyFile.encode(Tensor(shape: mapShape, scalars: winners)), to: folder.appendingPathComponent("winning_image.npy"))
      outputs.add(NumPyFile.encode(Tensor(shape: mapShape, scalars: counts)), to: folder.appendingPathComponent("half_weight_counts.npy"))
    }
  }

  /// The patchwork figures of every test input, appending the maps to `winners` and `counts`.
  func addPatchworks(_ analytic: AnalyticEstimator, inputs u: Tensor, name: String, folder: URL,
                     winners: inout [Float], counts: inout [Float], to outputs: inout OutputFiles) throws {
    let shape = u.imageBatchShape
    for t in 0..<shape.count {
      let map = try analytic.patchwork(input: u.image(t))
      winners += map.winningImages.map(Float.init)
      counts += map.halfWeightCounts.scalars
      let figure = PatchworkFigure(winners: map.winningImages, height: shape.height, width: shape.width,
                                   halfWeightCounts: map.halfWeightCounts)
      outputs.add(try PNGFile.encode(figure.png()), to: folder.appendingPathComponent("\(name)_\(t).png"))
      outputs.add(Data(try figure.svg().utf8), to: folder.appendingPathComponent("\(name)_\(t).svg"))
    }
  }
}

/// Tensors of one shape stacked along a new leading axis.
func stacked(_ tensors: [Tensor]) -> Tensor {
  Tensor(shape: [tensors.count] + tensors[0].shape, scalars: tensors.flatMap(\.scalars))
}

/// OUT.json of an estimate with one patch size.
struct EstimateMetadata: Codable {
  var estimator: String
  var patch: Int
  var padding: String
  var sigma: Double
  var input: String
  var `operator`: String
  var training: String
  var trainingCount: Int
  var measurements: String
  var statistics: EstimateStatistics
}

/// OUT.json of an estimate with several patch sizes: `statistics[k]` belongs to `patches[k]`,
/// the `k`-th slice of OUT.npy (shape `shape`, `K × M × C × H × W`).
struct PatchSweepMetadata: Codable {
  var estimator: String
  var patches: [Int]
  var shape: [Int]
  var padding: String
  var sigma: Double
  var input: String
  var `operator`: String
  var training: String
  var trainingCount: Int
  var measurements: String
  var statistics: [EstimateStatistics]
}

/// The top contributors of one inspected pixel (`patch` only when several sizes were asked).
struct InspectedPixel: Codable {
  var patch: Int?
  var image: Int
  var row: Int
  var column: Int
  var contributors: [Contributor]
}
