import Foundation
import Testing
@testable import AnalyticMMSE
@testable import Experiments
import Tensors
import DataFiles
import Physics
#if canImport(FoundationXML)
import FoundationXML
#endif

func scratchDirectory() -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("lemmse-experiments-\(UUID().uuidString)")
  try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// A tiny data set as `.npy`: smooth random 1 × 12 × 12 images.
func tinyDataSet(in folder: URL, count: Int = 40) throws -> String {
  var generator = SeededGenerator(seed: 11)
  let raw = Tensor.uniform(shape: [count, 1, 12, 12], using: &generator)
  let smooth = Deconvolution(kernel: Kernels.box(size: 3)).apply(raw)
  let url = folder.appendingPathComponent("tiny.npy")
  try NumPyFile.write(smooth, to: url)
  return url.path
}

@Test func configsRejectUnknownKeysAndNameThem() throws {
  let good = #"{"datasets": ["x.npy"], "operators": ["denoising"], "sigmas": [0.1], "inputs": ["agnostic"], "models": [{"model": "patchmlp", "patch": 3}], "n_train": [10], "n_test": 2, "epochs": 1}"#
  #expect(try ExperimentConfig.decode(Data(good.utf8), name: "good").settings().count == 1)
  let typo = good.replacingOccurrences(of: "\"epochs\"", with: "\"epoch\"")
  #expect(throws: ExperimentError.self) { try ExperimentConfig.decode(Data(typo.utf8), name: "typo") }
  do {
    _ = try ExperimentConfig.decode(Data(typo.utf8), name: "typo")
  } catch {
    #expect("\(error)".contains("'epoch'"))
  }
  let modelTypo = good.replacingOccurrences(of: "\"patch\": 3", with: "\"pacth\": 3")
  #expect(throws: ExperimentError.unknownKey("models.pacth", allowed: [])) {
    do { _ = try ExperimentConfig.decode(Data(modelTypo.utf8), name: "m") } catch let ExperimentError.unknownKey(key, _) {
      throw ExperimentError.unknownKey(key, allowed: [])
    }
  }
  let missing = good.replacingOccurrences(of: "\"n_test\": 2, ", with: "")
  #expect(throws: ExperimentError.invalidValue(key: "n_test", message: "is missing")) {
    try ExperimentConfig.decode(Data(missing.utf8), name: "missing")
  }
}

@Test func theGridExpandsAndPhysicsAwareResolvesPerOperator() {
  let config = ExperimentConfig(datasets: ["a", "b"], operators: ["inpainting_center_15", "convolution_gaussian_1.0", "denoising"],
                                sigmas: [0.1, 0.2], inputs: ["physics-aware"],
                                models: [ModelSpecification(model: .patchMLP, patch: 3)], nTrain: [10, 20], nTest: 2, epochs: 1)
  let settings = config.settings()
  #expect(settings.count == 2 * 3 * 2 * 2)
  #expect(Set(settings.map(\.key)).count == settings.count)
  #expect(settings.first { $0.operator.name == "inpainting_center_15" }?.input == .adjoint)
  #expect(settings.first { $0.operator.name == "convolution_gaussian_1.0" }?.input == .inverse(epsilon: 1e-7))
  #expect(settings.first { $0.operator.name == "denoising" }?.input == .agnostic)
}

@Test func impossibleCombinationsFailBeforeAnyWork() throws {
  let folder = scratchDirectory()
  let data = try tinyDataSet(in: folder)
  func config(operators: [OperatorChoice] = ["denoising"], inputs: [InputChoice] = ["agnostic"],
              model: ModelSpecification = ModelSpecification(model: .patchMLP, patch: 3), datasets: [String]? = nil) -> ExperimentConfig {
    ExperimentConfig(datasets: (datasets ?? [data]).map { DataSetChoice(stringLiteral: $0) }, operators: operators, sigmas: [0.1], inputs: inputs, models: [model],
                     nTrain: [10], nTest: 2, epochs: 1)
  }
  let bad: [(ExperimentConfig, String)] = [
    (config(operators: ["inpainting_random_30"], inputs: ["inverse:0.1"]), "inputs"),
    (config(model: ModelSpecification(model: .patchMLP, patch: 13)), "models.patch"),
    (config(model: ModelSpecification(model: .patchMLP, patch: 4)), "patch"),
    (config(model: ModelSpecification(model: .classicUNet, widths: [4, 8, 16, 32])), "models"),
    (config(datasets: [folder.appendingPathComponent("absent.npy").path]), "datasets"),
  ]
  for (experiment, key) in bad {
    let runner = ExperimentRunner(config: experiment, outputDirectory: folder.appendingPathComponent("out"))
    #expect(throws: ExperimentError.self, "\(key)") { try runner.validate() }
    do { try runner.validate() } catch let ExperimentError.invalidValue(found, _) {
      #expect(found == key)
    } catch {}
  }
  #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
}

@Test func aTinyExperimentRunsRecordsAndResumes() throws {
  let folder = scratchDirectory()
  let data = try tinyDataSet(in: folder)
  let config = ExperimentConfig(name: "tiny", datasets: [DataSetChoice(stringLiteral: data)], operators: ["denoising"], sigmas: [0.2], inputs: ["agnostic"],
                                models: [ModelSpecification(model: .patchMLP, patch: 3, widths: [8])], nTrain: [16], nTest: 2,
                                epochs: 1, calibration: [1, 3, 5], seed: 1)
  let output = folder.appendingPathComponent("out")
  let runner = ExperimentRunner(config: config, outputDirectory: output)
  let records = try runner.run { _, _, _ in }
  #expect(records.count == 1)
  let record = try #require(records.first)
  #expect(record.calibration?.map(\.patch) == [1, 3, 5])
  #expect(record.nominalPatch == 3 && record.patch == 3)
  #expect(record.psnrNetworkLEMMSE == record.calibration?.first { $0.patch == 3 }?.psnrNetworkLEMMSE)
  #expect(record.bestPatch.map { [1, 3, 5].contains($0) } == true)
  let json = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("results.json"))) as! [[String: Any]]
  for key in ["dataset", "operator", "sigma", "input", "model", "patch", "n_train", "n_test", "epochs", "psnr_network_truth",
              "psnr_lemmse_truth", "psnr_network_lemmse", "seconds_train", "seconds_lemmse"] {
    #expect(json[0][key] != nil, "results.json lacks \(key)")
  }
  for file in ["results.csv", "results.md", "calibration.svg"] {
    #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path), "\(file) missing")
  }
  // A second run finds the finished setting and does not recompute it.
  let checkpoint = runner.runDirectory(config.settings()[0]).appendingPathComponent("network.safetensors")
  let before = try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as! Date
  let again = try runner.run { _, _, _ in }
  #expect(again == records)
  #expect(try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as! Date == before)
}

@Test func plotsAndTablesAreWellFormed() throws {
  let plot = LinePlot(title: "t <&>", xLabel: "P", yLabel: "dB",
                      series: [.init(name: "a", points: [(3, 20), (5, 25), (7, .nan)]), .init(name: "b", points: [(3, 22)])])
  let svg = plot.svg()
  #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
  #expect(svg.contains("t &lt;&amp;&gt;") && svg.contains("<polyline") && !svg.contains("nan"))
  _ = try XMLDocument(xmlString: svg)
  #expect(LinePlot.ticks(0, 10) == [0, 2, 4, 6, 8, 10])
  #expect(LinePlot.ticks(20.3, 27.9).first! >= 20.3)
}

@Test func densityBinsCoverEveryPixelInOrder() {
  var generator = SeededGenerator(seed: 2)
  let network = Tensor.uniform(shape: [2, 1, 4, 4], using: &generator)
  let estimate = Estimate(images: network * 0.9, effectiveCandidates: Tensor(zeros: [2, 1, 4, 4]),
                          logDensity: Tensor.uniform(shape: [2, 1, 4, 4], using: &generator),
                          statistics: EstimateStatistics(kernel: .circularBox, candidatePairs: 0, skippedPairs: 0, pruneThreshold: nil,
                                                         skippedWeightBound: 0, seconds: 0, threads: 1))
  let bins = DensityBin.study(network: network, estimate: estimate, bins: 4)
  #expect(bins.count == 4 && bins.reduce(0) { $0 + $1.pixels } == 32)
  #expect(zip(bins, bins.dropFirst()).allSatisfy { $0.logDensity <= $1.logDensity })
}
