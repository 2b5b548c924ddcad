import ArgumentParser
import Foundation
import Testing
@testable import LEMMSECommand
@testable import Experiments
import Tensors
import DataFiles
import Physics
import AnalyticMMSE
import NeuralNetworks

/// Runs `lemmse ARGUMENTS` in process, as the executable would.
func runCommand(_ arguments: [String]) throws {
  var command = try LEMMSE.parseAsRoot(arguments)
  try command.run()
}

func temporaryDirectory() -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("lemmse-command-\(UUID().uuidString)")
  try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// SPEC.md §2's convolution, written plainly in Double.
func plainConvolution(_ x: [[Double]], _ kernel: [[Double]]) -> [[Double]] {
  let (h, w, kh, kw) = (x.count, x[0].count, kernel.count, kernel[0].count)
  return (0..<h).map { i in
    (0..<w).map { j in
      var total = 0.0
      for a in 0..<kh {
        for b in 0..<kw {
          total += kernel[a][b] * x[((i - a + kh / 2) % h + h) % h][((j - b + kw / 2) % w + w) % w]
        }
      }
      return total
    }
  }
}

@Test func measureWithoutNoiseIsTheOperatorForEveryFamily() throws {
  let folder = temporaryDirectory()
  var generator = SeededGenerator(seed: 3)
  let images = Tensor.uniform(shape: [2, 3, 12, 11], using: &generator)
  let imagesURL = folder.appendingPathComponent("x.npy")
  try NumPyFile.write(images, to: imagesURL)
  var customKernel = Tensor(zeros: [3, 2])
  customKernel.scalars = [0.1, 0.2, 0.3, 0.05, 0.25, 0.1]
  try NumPyFile.write(customKernel, to: folder.appendingPathComponent("k.npy"))
  var fileMask = Tensor(repeating: 1, shape: [12, 11])
  fileMask[4, 5] = 0
  fileMask[0, 0] = 0
  try NumPyFile.write(fileMask, to: folder.appendingPathComponent("m.npy"))
  try PNGFile.write(fileMask.reshaped([1, 12, 11]), to: folder.appendingPathComponent("m.png"))

  // Independent expectations: masks and kernels written out by hand.
  func gaussian(_ std: Double, _ size: Int) -> [[Double]] {
    let c = size / 2
    let raw = (0..<size).map { a in (0..<size).map { b in exp(-Double((a - c) * (a - c) + (b - c) * (b - c)) / (2 * std * std)) } }
    let total = raw.flatMap { $0 }.reduce(0, +)
    return raw.map { $0.map { $0 / total } }
  }
  let disk: [[Double]] = (0..<5).map { a in (0..<5).map { b in (a - 2) * (a - 2) + (b - 2) * (b - 2) <= 6 ? 1.0 / 21 : 0 } }
  let box3 = [[Double]](repeating: [Double](repeating: 1.0 / 9, count: 3), count: 3)
  let custom = [[0.1, 0.2], [0.3, 0.05], [0.25, 0.1]]
  func boxMask(_ top: Int, _ left: Int, _ height: Int, _ width: Int) -> [[Double]] {
    (0..<12).map { i in (0..<11).map { j in (i >= top && i < top + height && j >= left && j < left + width) ? 0 : 1 } }
  }
  let fromFile = (0..<12).map { i in (0..<11).map { j in Double(fileMask[i, j]) } }
  var generatorForMask = SeededGenerator(seed: 7)
  let random = (0..<12).map { _ in (0..<11).map { _ in generatorForMask.nextUniformDouble() < 0.3 ? 0.0 : 1.0 } }

  let cases: [([String], (([[Double]]) -> [[Double]]))] = [
    (["--operator", "denoising"], { $0 }),
    (["--operator", "inpainting", "--mask", "box:2,3,4,5"], { x in zip(x, boxMask(2, 3, 4, 5)).map { zip($0, $1).map(*) } }),
    (["--operator", "inpainting", "--mask", "center:5"], { x in zip(x, boxMask(3, 3, 5, 5)).map { zip($0, $1).map(*) } }),
    (["--operator", "inpainting", "--mask", "random:0.3,7"], { x in zip(x, random).map { zip($0, $1).map(*) } }),
    (["--operator", "inpainting", "--mask", folder.appendingPathComponent("m.npy").path], { x in zip(x, fromFile).map { zip($0, $1).map(*) } }),
    (["--operator", "inpainting", "--mask", folder.appendingPathComponent("m.png").path], { x in zip(x, fromFile).map { zip($0, $1).map(*) } }),
    (["--operator", "deconvolution", "--kernel", "gaussian:1.0"], { plainConvolution($0, gaussian(1.0, 9)) }),
    (["--operator", "deconvolution", "--kernel", "gaussian:0.7,5"], { plainConvolution($0, gaussian(0.7, 5)) }),
    (["--operator", "deconvolution", "--kernel", "defocus:2.5"], { plainConvolution($0, disk) }),
    (["--operator", "deconvolution", "--kernel", "box:3"], { plainConvolution($0, box3) }),
    (["--operator", "deconvolution", "--kernel", folder.appendingPathComponent("k.npy").path], { plainConvolution($0, custom) }),
    (["--operator", "convolution_gaussian_1.0"], { plainConvolution($0, gaussian(1.0, 9)) }),
    (["--operator", "convolution_defocus_2.5"], { plainConvolution($0, disk) }),
  ]
  for (index, (flags, expected)) in cases.enumerated() {
    let output = folder.appendingPathComponent("y\(index).npy")
    try runCommand(["measure", "--images", imagesURL.path, "--sigma", "0", "--output", output.path] + flags)
    let y = try NumPyFile.read(contentsOf: output)
    #expect(y.shape == images.shape, "\(flags)")
    for n in 0..<2 {
      for c in 0..<3 {
        let plane = (0..<12).map { i in (0..<11).map { j in Double(images[n, c, i, j]) } }
        let reference = expected(plane)
        var largest = 0.0
        for i in 0..<12 { for j in 0..<11 { largest = max(largest, abs(reference[i][j] - Double(y[n, c, i, j]))) } }
        #expect(largest < 1e-6, "\(flags) image \(n) channel \(c): off by \(largest)")
      }
    }
  }
}

@Test func measureAddsSeededNoiseAndKeepsTheInputRank() throws {
  let folder = temporaryDirectory()
  let image = Tensor(repeating: 0.5, shape: [1, 16, 16])
  try NumPyFile.write(image, to: folder.appendingPathComponent("one.npy"))
  let first = folder.appendingPathComponent("a.npy"), second = folder.appendingPathComponent("b.npy")
  for output in [first, second] {
    try runCommand(["measure", "--images", folder.appendingPathComponent("one.npy").path, "--operator", "denoising",
                    "--sigma", "0.1", "--seed", "4", "--output", output.path])
  }
  let a = try NumPyFile.read(contentsOf: first), b = try NumPyFile.read(contentsOf: second)
  #expect(a.shape == [1, 16, 16])
  #expect(a == b)
  let noise = a - image
  #expect(abs((noise.dot(noise) / Double(noise.count)).squareRoot() - 0.1) < 0.02)
}

@Test func estimateAgreesWithTheReferenceOnASmallProblem() throws {
  let folder = temporaryDirectory()
  var generator = SeededGenerator(seed: 5)
  let training = Tensor.uniform(shape: [5, 1, 7, 6], using: &generator)
  let clean = Tensor.uniform(shape: [2, 1, 7, 6], using: &generator)
  try NumPyFile.write(training, to: folder.appendingPathComponent("train.npy"))
  let op = ForwardOperator.deconvolution(Deconvolution(kernel: Kernels.box(size: 3)))
  let y = measure(clean, with: op, sigma: 0.1, seed: 1)
  try NumPyFile.write(y, to: folder.appendingPathComponent("y.npy"))
  for (estimator, input, padding) in [("le-mmse", "adjoint", "circular"), ("le-mmse", "agnostic", "zeros"),
                                      ("l-mmse", "wiener:0.1", "zeros"), ("e-mmse", "inverse:0.2", "circular"),
                                      ("mmse", "agnostic", "circular")] {
    let output = folder.appendingPathComponent("\(estimator)-\(padding).npy")
    try runCommand(["estimate", "--train", folder.appendingPathComponent("train.npy").path,
                    "--measurements", folder.appendingPathComponent("y.npy").path, "--operator", "deconvolution",
                    "--kernel", "box:3", "--sigma", "0.1", "--estimator", estimator, "--patch", "3", "--padding", padding,
                    "--input", input, "--output", output.path])
    let inputMode = try EstimatorInput(parsing: input)
    let reference = try ReferenceEstimator.estimate(
      training: training, inputs: inputMode.map(y, for: op), forwardOperator: op, input: inputMode,
      settings: EstimatorSettings(estimator: EstimatorKind(rawValue: estimator)!, patchSize: 3,
                                  padding: Padding(rawValue: padding)!, sigma: 0.1))
    #expect(try NumPyFile.read(contentsOf: output).maxAbsoluteDifference(reference) < 1e-4, "\(estimator) \(input) \(padding)")
    #expect(FileManager.default.fileExists(atPath: output.deletingPathExtension().appendingPathExtension("json").path))
  }
}

@Test func badInputFailsWithOneLineAndWritesNothing() throws {
  let folder = temporaryDirectory()
  let images = Tensor(repeating: 0.5, shape: [2, 1, 8, 8])
  let imagesPath = folder.appendingPathComponent("x.npy").path
  try NumPyFile.write(images, to: URL(fileURLWithPath: imagesPath))
  try Data("\u{93}NUMPY garbage".utf8).write(to: folder.appendingPathComponent("bad.npy"))
  try NumPyFile.write(Tensor(repeating: 1, shape: [5, 5]), to: folder.appendingPathComponent("small-mask.npy"))
  let output = folder.appendingPathComponent("out.npy").path
  let failures: [[String]] = [
    ["measure", "--images", folder.appendingPathComponent("missing.npy").path, "--operator", "denoising", "--sigma", "0.1", "--output", output],
    ["measure", "--images", folder.appendingPathComponent("bad.npy").path, "--operator", "denoising", "--sigma", "0.1", "--output", output],
    ["measure", "--images", imagesPath, "--operator", "superresolution", "--sigma", "0.1", "--output", output],
    ["measure", "--images", imagesPath, "--operator", "denoising", "--sigma", "-0.1", "--output", output],
    ["measure", "--images", imagesPath, "--operator", "inpainting", "--mask", folder.appendingPathComponent("small-mask.npy").path, "--sigma", "0.1", "--output", output],
    ["measure", "--images", imagesPath, "--operator", "deconvolution", "--kernel", "box:9", "--sigma", "0.1", "--output", output],
    ["measure", "--images", "folder:" + folder.appendingPathComponent("nothing-here").path, "--operator", "denoising", "--sigma", "0.1", "--output", output],
    ["estimate", "--train", imagesPath, "--measurements", imagesPath, "--operator", "denoising", "--sigma", "0.1", "--patch", "4", "--output", output],
    ["estimate", "--train", imagesPath, "--measurements", imagesPath, "--operator", "denoising", "--sigma", "0", "--output", output],
    ["estimate", "--train", imagesPath, "--measurements", imagesPath, "--operator", "denoising", "--sigma", "0.1", "--patch", "11", "--output", output],
    ["estimate", "--train", imagesPath, "--measurements", imagesPath, "--operator", "denoising", "--sigma", "0.1", "--estimator", "e-mmse", "--padding", "zeros", "--output", output],
    ["estimate", "--train", imagesPath, "--measurements", imagesPath, "--operator", "inpainting_center_15", "--input", "inverse:0.1", "--sigma", "0.1", "--output", output],
  ]
  for arguments in failures {
    #expect(throws: (any Error).self, "\(arguments)") { try runCommand(arguments) }
    #expect(!FileManager.default.fileExists(atPath: output), "\(arguments) left an output")
  }
  // Errors read as one line naming the input.
  do {
    try runCommand(failures[0])
  } catch {
    let message = LEMMSE.message(for: error)
    #expect(message.contains("missing.npy") && !message.contains("\n"))
  }
}

@Test func helpDocumentsTheSyntax() {
  let help = LEMMSE.helpMessage(for: MeasureCommand.self)
  for fragment in ["fashion-mnist:DIR", "center:SIZE", "random:DROP_FRACTION,SEED", "gaussian:STD[,SIZE]", "wiener:λ", "inpainting_center_15"] {
    #expect(help.contains(fragment), "measure --help lacks \(fragment)")
  }
  let estimateHelp = LEMMSE.helpMessage(for: EstimateCommand.self)
  for fragment in ["--prune-threshold", "--exact", "--diagnostics", "le-mmse", "3,5,7,9,11", "K×M×C×H×W"] {
    #expect(estimateHelp.contains(fragment), "estimate --help lacks \(fragment)")
  }
}

/// `--patch 3,1,5` writes K × M × C × H × W, each slice the bits of that size alone, and
/// OUT.json lists the sizes with one statistics entry each; a single size keeps its keys.
@Test func estimateWritesOneSlicePerPatchSize() throws {
  let folder = temporaryDirectory()
  var generator = SeededGenerator(seed: 8)
  let training = Tensor.uniform(shape: [18, 3, 6, 5], using: &generator)
  let y = Tensor.uniform(shape: [2, 3, 6, 5], using: &generator)
  try NumPyFile.write(training, to: folder.appendingPathComponent("train.npy"))
  try NumPyFile.write(y, to: folder.appendingPathComponent("y.npy"))
  func run(_ patch: String, padding: String, extra: [String] = []) throws -> (Tensor, [String: Any]) {
    let output = folder.appendingPathComponent("\(patch)-\(padding).npy")
    try runCommand(["estimate", "--train", folder.appendingPathComponent("train.npy").path,
                    "--measurements", folder.appendingPathComponent("y.npy").path, "--operator", "denoising",
                    "--sigma", "0.1", "--patch", patch, "--padding", padding, "--output", output.path] + extra)
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: output.deletingPathExtension().appendingPathExtension("json")))
    return (try NumPyFile.read(contentsOf: output), try #require(json as? [String: Any]))
  }
  for padding in ["circular", "zeros"] {
    let (sweep, metadata) = try run("3,1,5", padding: padding)
    #expect(sweep.shape == [3, 2, 3, 6, 5])
    #expect(metadata["patches"] as? [Int] == [3, 1, 5])
    #expect(metadata["shape"] as? [Int] == [3, 2, 3, 6, 5])
    let statistics = try #require(metadata["statistics"] as? [[String: Any]])
    #expect(statistics.count == 3)
    #expect(statistics.allSatisfy { $0["kernel"] as? String == (padding == "circular" ? "circular-box" : "dense-class") })
    for (k, size) in [3, 1, 5].enumerated() {
      let (single, singleMetadata) = try run("\(size)", padding: padding)
      #expect(single.shape == [2, 3, 6, 5])
      #expect(Array(sweep.scalars[k * single.count ..< (k + 1) * single.count]) == single.scalars, "P=\(size) \(padding)")
      #expect(Set(singleMetadata.keys) == ["estimator", "patch", "padding", "sigma", "input", "operator", "training",
                                           "trainingCount", "measurements", "statistics"])
      #expect(singleMetadata["patch"] as? Int == size)
      let singleStatistics = try #require(singleMetadata["statistics"] as? [String: Any])
      #expect(singleStatistics["candidatePairs"] as? Int == statistics[k]["candidatePairs"] as? Int)
      #expect(singleStatistics["skippedPairs"] as? Int == statistics[k]["skippedPairs"] as? Int)
    }
  }
  // Diagnostics: one map per size, stacked the same way.
  let diagnostics = folder.appendingPathComponent("maps")
  _ = try run("1,3", padding: "circular", extra: ["--diagnostics", diagnostics.path, "--inspect", "2,2", "--top-k", "2"])
  #expect(try NumPyFile.read(contentsOf: diagnostics.appendingPathComponent("effective_candidates.npy")).shape == [2, 2, 1, 6, 5])
  #expect(try NumPyFile.read(contentsOf: diagnostics.appendingPathComponent("log_density.npy")).shape == [2, 2, 1, 6, 5])
  let inspected = try JSONSerialization.jsonObject(with: Data(contentsOf: diagnostics.appendingPathComponent("top_contributors.json")))
  #expect((inspected as? [[String: Any]])?.compactMap { $0["patch"] as? Int } == [1, 1, 3, 3])
}
