import Foundation
import Testing
@testable import Experiments
import DataFiles
import NeuralNetworks
import Physics
import Tensors
import ImageQuality

// The one pipeline (TrainingJob → Comparison) and the drift it removed: the seed streams,
// what `psnr_measurement_truth` compares, and typed specifications that fail at decode time.

/// The test measurements of a run are `A x + σ e` with `e` from `SeedStreams.testNoise`, and
/// the record's PSNRs compare exactly what their names say, for an input with `u ≠ y`.
@Test func theRunnerMeasuresWithTheTestStreamAndRecordsBothMeasurementAndInput() throws {
  let folder = scratchDirectory()
  let data = try tinyDataSet(in: folder)
  let config = ExperimentConfig(datasets: [DataSetChoice(stringLiteral: data)], operators: ["inpainting_random_30"],
                                sigmas: [0.1], inputs: ["wiener:0.5"],
                                models: [ModelSpecification(model: .patchMLP, patch: 3, widths: [8])], nTrain: [12], nTest: 2,
                                epochs: 1, calibration: [3], seed: 7)
  var runner = ExperimentRunner(config: config, outputDirectory: folder.appendingPathComponent("out"))
  runner.reusesFinishedSettings = false
  let setting = config.settings()[0]
  let outcome = try runner.run(setting) { _, _, _ in }
  let run = outcome.directory
  let truth = try NumPyFile.read(contentsOf: run.appendingPathComponent("truth.npy"))
  let y = try NumPyFile.read(contentsOf: run.appendingPathComponent("measurements.npy"))
  let op = try setting.operator.makeOperator(height: 12, width: 12)
  // The stream, written out here: seed 7 → test noise seed 8, not the weights' 7.
  #expect(y.scalars == measure(truth, with: op, sigma: 0.1, seed: 8).scalars)
  #expect(y.scalars != measure(truth, with: op, sigma: 0.1, seed: 7).scalars)
  let u = try EstimatorInput.wiener(lambda: 0.5).map(y, for: op)
  #expect(u.scalars != y.scalars)
  let record = outcome.record
  #expect(record.psnrMeasurementTruth == psnr(y, truth))
  #expect(record.psnrInputTruth == psnr(u, truth))
  #expect(record.input == "wiener:0.5")
  // The checkpoint names the operator and input it was trained for, typed.
  let saved = try Checkpoint.read(from: run.appendingPathComponent("network.safetensors"))
  #expect(saved.description.operator == setting.operator)
  #expect(saved.description.input == .wiener(lambda: 0.5))
  #expect(saved.description.training.seed == SeedStreams(seed: 7).training)
}

/// The demo is a one-setting experiment: its config is a grid of one, calibrated at its own P,
/// so it shares every seed and every PSNR definition with `lemmse experiment`.
@Test func theDemoIsAOneSettingExperiment() throws {
  var demo = Demo(outputDirectory: scratchDirectory())
  demo.seed = 5
  let config = demo.config(dataSet: "fashion-mnist")
  let settings = config.settings()
  #expect(settings.count == 1)
  #expect(config.calibration == [demo.patchSize])
  #expect(config.seeds == SeedStreams(seed: 5))
  #expect(settings[0].model.label == "patchmlp-P5-w256")
  #expect(settings[0].input == .agnostic && settings[0].operator.specification == .denoising)
  // Its network is the one `ModelSpecification` describes by default.
  let description = try settings[0].model.description(channels: 1, noiseConditional: false)
  #expect(description == ModelDescription(architecture: .patchMLP, channels: 1, patchSize: 5, widths: [256], depth: 3,
                                          residualBlocks: false, normalization: .none, activation: .gelu))
}

/// One architecture vocabulary: the CLI names are the raw values, and checkpoints of the
/// earlier camel-case names still decode.
@Test func architecturesSpeakTheCommandLinesNames() throws {
  #expect(Architecture.allCases.map(\.rawValue) == ["patchmlp", "resnet", "unet", "unet-classic"])
  for (text, expected) in [("\"patchMLP\"", Architecture.patchMLP), ("\"localUNet\"", .localUNet), ("\"unet\"", .localUNet),
                           ("\"unet-classic\"", .classicUNet)] {
    #expect(try JSONDecoder().decode(Architecture.self, from: Data(text.utf8)) == expected)
  }
  #expect(throws: DecodingError.self) { try JSONDecoder().decode(Architecture.self, from: Data("\"mlp\"".utf8)) }
}

/// Operators, inputs, data sets and normalisations are parsed when the config is decoded; a
/// bad one is an error naming its key, and every value encodes back to its spelling.
@Test func typedSpecificationsFailAtDecodeTimeNamingTheKey() throws {
  func config(_ field: String, _ value: String) -> Data {
    var fields = [
      "datasets": #"["x.npy"]"#, "operators": #"["denoising"]"#, "inputs": #"["agnostic"]"#,
      "models": #"[{"model": "unet", "patch": 5, "normalization": "group:4"}]"#,
    ]
    fields[field] = value
    let body = fields.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
    return Data(#"{\#(body), "sigmas": [0.1], "n_train": [4], "n_test": 1, "epochs": 1}"#.utf8)
  }
  let good = try ExperimentConfig.decode(config("inputs", #"["agnostic"]"#), name: "good")
  #expect(good.models[0].normalization == .group(groups: 4))
  #expect(good.models[0].model == .localUNet)
  for (field, value, key) in [("operators", #"["denoising", "blur"]"#, "operators[1]"), ("inputs", #"["wiener:x"]"#, "inputs[0]"),
                              ("models", #"[{"model": "unet", "patch": 5, "normalization": "layer"}]"#, "models[0].normalization"),
                              ("datasets", #"["nosuch:thing"]"#, "datasets[0]")] {
    do {
      _ = try ExperimentConfig.decode(config(field, value), name: "bad")
      Issue.record("\(field) = \(value) decoded")
    } catch let ExperimentError.invalidValue(found, _) {
      #expect(found == key, "\(field) = \(value)")
    }
  }
  // Round trip: the encoded config decodes to the same values, spelled as written.
  let encoded = try JSONEncoder().encode(good)
  #expect(try ExperimentConfig.decode(encoded, name: "again") == good)
  let text = String(decoding: encoded, as: UTF8.self)
  #expect(text.contains(#""normalization":"group:4""#) && text.contains(#""operators":["denoising"]"#))
}

/// `physics-aware` resolves per operator to the paper's inputs.
@Test func physicsAwareResolvesToThePapersInputs() throws {
  let choice = try InputChoice(parsing: "physics-aware")
  #expect(choice.resolved(for: try OperatorSpecification(name: "inpainting_center_15")) == .adjoint)
  #expect(choice.resolved(for: try OperatorSpecification(name: "convolution_gaussian_1.0")) == .inverse(epsilon: 1e-7))
  #expect(choice.resolved(for: .denoising) == .agnostic)
  #expect(try InputChoice(parsing: "adjoint").resolved(for: .denoising) == .adjoint)
}

/// With `train_sigma_range`, one network per (data set, operator, input, model, N) is trained
/// once and evaluated at every σ: one record per σ, one checkpoint, the same training time, a
/// warning for a σ outside the range, the σ-column figure, and a second run recomputes nothing.
@Test func aSigmaConditionalNetworkIsTrainedOnceAndEvaluatedAtEverySigma() throws {
  let folder = scratchDirectory()
  let data = try tinyDataSet(in: folder)
  let config = ExperimentConfig(datasets: [DataSetChoice(stringLiteral: data)], operators: ["denoising"], sigmas: [0.1, 0.3, 0.8],
                                inputs: ["agnostic"], models: [ModelSpecification(model: .patchMLP, patch: 3, widths: [8])],
                                nTrain: [12], nTest: 2, epochs: 1, trainSigmaRange: [0, 0.5], calibration: [3], seed: 3)
  let output = folder.appendingPathComponent("out")
  let runner = ExperimentRunner(config: config, outputDirectory: output)
  #expect(runner.trainingGroups().map(\.count) == [3])
  let records = try runner.run { _, _, _ in }
  #expect(records.map(\.sigma) == [0.1, 0.3, 0.8])
  #expect(Set(records.map(\.checkpoint)).count == 1 && records[0].checkpoint != nil)
  #expect(Set(records.map(\.secondsTrain)).count == 1)
  #expect(records.allSatisfy { $0.trainSigmaRange == [0, 0.5] })
  #expect(records[0].warnings == nil && records[2].warnings?.first?.contains("outside") == true)
  let runs = try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("runs").path)
  #expect(runs.count == 1 && !runs[0].contains("_s0."), "one folder per network, its name without σ: \(runs)")
  let checkpoint = output.appendingPathComponent(records[0].checkpoint!)
  let saved = try Checkpoint.read(from: checkpoint)
  #expect(saved.description.model.noiseConditional)
  #expect(saved.description.sigma == .uniform(lower: 0, upper: 0.5))
  // The test noise differs per σ but is drawn from the same stream: y − x scales with σ.
  let first = config.settings()[0]
  let y = try NumPyFile.read(contentsOf: runner.evaluationDirectory(first).appendingPathComponent("measurements.npy"))
  let truth = try NumPyFile.read(contentsOf: runner.evaluationDirectory(first).appendingPathComponent("truth.npy"))
  #expect(y.scalars == measure(truth, with: .denoising, sigma: 0.1, seed: 4).scalars)
  #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("figures/\(first.trainingKey)_sigmas.png").path))
  // A second run finds every σ finished.
  let before = try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as! Date
  #expect(try runner.run { _, _, _ in } == records)
  #expect(try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.modificationDate] as! Date == before)
}

/// Mean, population standard deviation and NumPy's linearly interpolated 10th percentile,
/// against values computed by hand.
@Test func matchStatisticsAgreeWithHandComputedValues() {
  // 1…10: mean 5.5, sd √8.25, p10 at position 0.9 → 1.9.
  let statistics = MatchStatistics((1...10).map(Double.init).reversed())
  #expect(statistics.mean == 5.5)
  #expect(abs(statistics.standardDeviation - 8.25.squareRoot()) < 1e-12)
  #expect(abs(statistics.percentile10 - 1.9) < 1e-12)
  let one = MatchStatistics([27])
  #expect(one.mean == 27 && one.standardDeviation == 0 && one.percentile10 == 27)
}

/// The summary figure of a grid: one row per operator, every architecture beside the LE-MMSE
/// of its P, per data set and σ.
@Test func theSummaryFigureShowsEveryArchitecturePerOperator() throws {
  let folder = scratchDirectory()
  let data = try tinyDataSet(in: folder)
  let config = ExperimentConfig(datasets: [DataSetChoice(stringLiteral: data)], operators: ["denoising", "inpainting_random_30"],
                                sigmas: [0.1], inputs: ["agnostic"],
                                models: [ModelSpecification(model: .patchMLP, patch: 3, widths: [8]),
                                         ModelSpecification(model: .resNet, patch: 5, widths: [4])],
                                nTrain: [12], nTest: 2, epochs: 1, calibration: [3], seed: 2)
  let output = folder.appendingPathComponent("out")
  let records = try ExperimentRunner(config: config, outputDirectory: output).run { _, _, _ in }
  #expect(records.count == 4)
  let name = "summary_\(data)_s0.1".map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "-" }
  let figure = output.appendingPathComponent("figures").appendingPathComponent(String(name) + ".png")
  let image = try PNGFile.read(contentsOf: figure)
  // Two rows of 12-pixel panels enlarged to ≥ 112 px, six columns: measurement, LE-MMSE P=3,
  // patchmlp, LE-MMSE P=5, resnet, ground truth.
  #expect(image.shape[1] > 2 * 112 && image.shape[2] > 6 * 112)
}
