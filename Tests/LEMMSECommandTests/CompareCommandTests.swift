import Foundation
import Testing
@testable import LEMMSECommand
@testable import Experiments
import Tensors
import DataFiles
import Physics
import AnalyticMMSE
import NeuralNetworks

/// PSNR with peak 1 of one image, written plainly.
func plainPSNR(_ a: [Float], _ b: [Float]) -> Double {
  let mse = zip(a, b).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / Double(a.count)
  return 10 * log10(1 / mse)
}

@Test func compareCalibratesAnExternalNetworkAgainstTheLEMMSE() throws {
  let folder = temporaryDirectory()
  var generator = SeededGenerator(seed: 31)
  let training = Tensor.uniform(shape: [12, 1, 9, 9], using: &generator)
  let truth = Tensor.uniform(shape: [3, 1, 9, 9], using: &generator)
  let y = measure(truth, with: .denoising, sigma: 0.3, seed: 2)
  // "A network" that behaves like the LE-MMSE of P = 5, up to a small perturbation.
  let lemmse5 = try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic,
                                      settings: EstimatorSettings(patchSize: 5, sigma: 0.3)).estimate(measurements: y).images
  let network = lemmse5 + Tensor.uniform(shape: lemmse5.shape, using: &generator) * 0.01
  for (name, tensor) in [("train", training), ("y", y), ("net", network), ("x", truth)] {
    try NumPyFile.write(tensor, to: folder.appendingPathComponent("\(name).npy"))
  }
  let out = folder.appendingPathComponent("calibration")
  try runCommand(["compare", "--network", folder.appendingPathComponent("net.npy").path,
                  "--measurements", folder.appendingPathComponent("y.npy").path,
                  "--truth", folder.appendingPathComponent("x.npy").path,
                  "--train", folder.appendingPathComponent("train.npy").path, "--operator", "denoising", "--sigma", "0.3",
                  "--patch", "3,5,7", "--output", out.path])
  let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("results.json"))) as! [String: Any]
  #expect(json["best_patch"] as? Int == 5)
  let calibration = try #require(json["calibration"] as? [[String: Any]])
  #expect(calibration.map { $0["patch"] as? Int } == [3, 5, 7])
  for point in calibration {
    let patch = point["patch"] as! Int
    // Independently: the estimator at that P, PSNR per image written out, then averaged.
    let estimate = try AnalyticEstimator(training: training, forwardOperator: .denoising, input: .agnostic,
                                         settings: EstimatorSettings(patchSize: patch, sigma: 0.3)).estimate(measurements: y).images
    let expected = (0..<3).map { plainPSNR(network.image($0).scalars, estimate.image($0).scalars) }.reduce(0, +) / 3
    #expect(abs((point["psnr_network_lemmse"] as! Double) - expected) < 1e-3, "P = \(patch)")
    let cosine = point["cosine_network_lemmse"] as! Double
    #expect(cosine > 0.9 && cosine <= 1.0 + 1e-9)
  }
  for name in CalibrationReport.fileNames {
    #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
  }
  let best = try NumPyFile.read(contentsOf: out.appendingPathComponent("lemmse_best.npy"))
  #expect(best.maxAbsoluteDifference(lemmse5) < 1e-6)
  let csv = try String(contentsOf: out.appendingPathComponent("per_image.csv"), encoding: .utf8)
  #expect(csv.split(separator: "\n").count == 4)
}

@Test func compareRefusesMismatchedInputsAndWritesNothing() throws {
  let folder = temporaryDirectory()
  var generator = SeededGenerator(seed: 32)
  try NumPyFile.write(Tensor.uniform(shape: [6, 1, 8, 8], using: &generator), to: folder.appendingPathComponent("train.npy"))
  try NumPyFile.write(Tensor.uniform(shape: [6, 3, 8, 8], using: &generator), to: folder.appendingPathComponent("train3.npy"))
  try NumPyFile.write(Tensor.uniform(shape: [6, 1, 9, 9], using: &generator), to: folder.appendingPathComponent("train9.npy"))
  try NumPyFile.write(Tensor.uniform(shape: [2, 1, 8, 8], using: &generator), to: folder.appendingPathComponent("y.npy"))
  try NumPyFile.write(Tensor.uniform(shape: [3, 1, 8, 8], using: &generator), to: folder.appendingPathComponent("net3.npy"))
  try NumPyFile.write(Tensor.uniform(shape: [2, 1, 8, 8], using: &generator), to: folder.appendingPathComponent("net.npy"))
  let base = ["compare", "--measurements", "y.npy", "--operator", "denoising", "--sigma", "0.2", "--output", "out"]
  let cases: [([String], String)] = [
    (base + ["--network", "net3.npy", "--train", "train.npy"], "--network"),
    (base + ["--network", "net.npy", "--train", "train3.npy"], "--train"),
    (base + ["--network", "net.npy", "--train", "train9.npy"], "--train"),
    (base + ["--network", "net.npy", "--train", "train.npy", "--patch", "3,4,5"], "--patch"),
    (base + ["--network", "net.npy", "--train", "train.npy", "--patch", "3,,5"], "--patch"),
    (base + ["--network", "net.npy", "--train", "train.npy", "--patch", "11"], "--patch"),
    (base + ["--network", "absent.npy", "--train", "train.npy"], "absent.npy"),
  ]
  for (arguments, needle) in cases {
    let (status, message) = try runExecutable(arguments, in: folder)
    #expect(status != 0, "\(arguments)")
    #expect(message.split(separator: "\n").count == 1 && message.contains(needle), "\(arguments): \(message)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), "\(arguments)")
  }
}

/// The README's Python snippet, run with numpy on arrays of another dtype, rank and order,
/// writes files that `lemmse compare` reads as the same images.
@Test func theReadmePythonSnippetSavesTheExpectedLayout() throws {
  let python = ["/usr/bin/python3", "/usr/local/bin/python3", "/root/.pyenv/shims/python3"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }
  guard let python else { return }
  let check = Process()
  check.executableURL = URL(fileURLWithPath: python)
  check.arguments = ["-c", "import numpy"]
  check.standardError = FileHandle.nullDevice
  try check.run()
  check.waitUntilExit()
  guard check.terminationStatus == 0 else { return }  // numpy absent: nothing to run the snippet with

  let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
  let section = try #require(readme.range(of: "## Compare your own network"))
  let rest = readme[section.upperBound...]
  let start = try #require(rest.range(of: "```python\n"))
  let end = try #require(rest[start.upperBound...].range(of: "```"))
  let snippet = String(rest[start.upperBound..<end.lowerBound])

  let folder = temporaryDirectory()
  var generator = SeededGenerator(seed: 33)
  let y = Tensor.uniform(shape: [1, 9, 9], using: &generator)
  let network = Tensor.uniform(shape: [1, 1, 9, 9], using: &generator)
  try NumPyFile.write(y, to: folder.appendingPathComponent("y_raw.npy"), dtype: .float64)
  try NumPyFile.write(network, to: folder.appendingPathComponent("net_raw.npy"))
  let driver = snippet + """

    y = np.load("y_raw.npy")                                   # C x H x W, float64
    out = np.asfortranarray(np.load("net_raw.npy")).astype(np.float64)
    save_for_lemmse(y, out)
    """
  let process = Process()
  process.executableURL = URL(fileURLWithPath: python)
  process.arguments = ["-c", driver]
  process.currentDirectoryURL = folder
  try process.run()
  process.waitUntilExit()
  #expect(process.terminationStatus == 0)
  let savedY = try NumPyFile.read(contentsOf: folder.appendingPathComponent("y.npy"))
  let savedNetwork = try NumPyFile.read(contentsOf: folder.appendingPathComponent("net.npy"))
  #expect(savedY.shape == [1, 1, 9, 9] && savedY.maxAbsoluteDifference(y.reshaped([1, 1, 9, 9])) == 0)
  #expect(savedNetwork == network)

  try NumPyFile.write(Tensor.uniform(shape: [8, 1, 9, 9], using: &generator), to: folder.appendingPathComponent("train.npy"))
  try runCommand(["compare", "--network", folder.appendingPathComponent("net.npy").path,
                  "--measurements", folder.appendingPathComponent("y.npy").path,
                  "--train", folder.appendingPathComponent("train.npy").path, "--operator", "denoising", "--sigma", "0.2",
                  "--patch", "3", "--output", folder.appendingPathComponent("out").path])
  #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/results.json").path))
}

/// `lemmse compare` on the files an experiment run leaves reproduces that run's calibration.
@Test func compareReproducesTheExperimentRunnersCalibration() throws {
  let folder = temporaryDirectory()
  var generator = SeededGenerator(seed: 34)
  let raw = Tensor.uniform(shape: [40, 1, 12, 12], using: &generator)
  let data = folder.appendingPathComponent("tiny.npy")
  try NumPyFile.write(Deconvolution(kernel: Kernels.box(size: 3)).apply(raw), to: data)
  let config = ExperimentConfig(name: "tiny", datasets: [DataSetChoice(stringLiteral: data.path)], operators: ["denoising"], sigmas: [0.2], inputs: ["agnostic"],
                                models: [ModelSpecification(model: .patchMLP, patch: 3, widths: [8])], nTrain: [16], nTest: 2,
                                epochs: 1, calibration: [1, 3, 5], seed: 1)
  let runner = ExperimentRunner(config: config, outputDirectory: folder.appendingPathComponent("out"))
  let record = try #require(try runner.run { _, _, _ in }.first)
  let run = runner.runDirectory(config.settings()[0])
  let out = folder.appendingPathComponent("compare")
  try runCommand(["compare", "--network", run.appendingPathComponent("network.npy").path,
                  "--measurements", run.appendingPathComponent("measurements.npy").path,
                  "--train", data.path, "--count", "16", "--operator", "denoising", "--sigma", "0.2",
                  "--patch", "1,3,5", "--output", out.path])
  let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("results.json"))) as! [String: Any]
  let points = try #require(json["calibration"] as? [[String: Any]])
  let expected = try #require(record.calibration)
  #expect(points.count == expected.count)
  for (point, reference) in zip(points, expected) {
    #expect(point["patch"] as? Int == reference.patch)
    #expect(abs((point["psnr_network_lemmse"] as! Double) - reference.psnrNetworkLEMMSE) < 0.01, "P = \(reference.patch)")
  }
  #expect(json["best_patch"] as? Int == record.bestPatch)
}
