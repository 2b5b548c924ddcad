import Foundation
import Testing
@testable import LEMMSECommand
@testable import Experiments
import Tensors
import DataFiles
import Physics
import NeuralNetworks

/// The `lemmse` executable built beside the test bundle, run as a user would run it.
func lemmseExecutable() -> URL? {
  let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                    Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
  return candidates.map { $0.appendingPathComponent("lemmse") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}

/// Runs `lemmse ARGUMENTS` in `folder` as a separate process: its exit status and standard error.
func runExecutable(_ arguments: [String], in folder: URL) throws -> (status: Int32, standardError: String) {
  let process = Process()
  process.executableURL = try #require(lemmseExecutable(), "the lemmse executable is built beside the tests")
  process.arguments = arguments
  process.currentDirectoryURL = folder
  let errorPipe = Pipe()
  process.standardError = errorPipe
  process.standardOutput = FileHandle.nullDevice
  try process.run()
  let data = errorPipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A folder with `x8.npy` (1×1×8×8 random images), measurements with one bad value each, a
/// mask with a NaN, and a good `OUT.npy` that no failing run may touch.
func badInputFolder() throws -> URL {
  let folder = temporaryDirectory()
  var generator = SeededGenerator(seed: 17)
  let x = Tensor.uniform(shape: [3, 1, 8, 8], using: &generator)
  try NumPyFile.write(x, to: folder.appendingPathComponent("x8.npy"))
  for (name, value) in [("ynan", Float.nan), ("yinf", Float.infinity), ("yneginf", -Float.infinity), ("ybig", 3e38)] {
    var y = x.images(0..<1)
    y[0, 0, 2, 3] = value
    try NumPyFile.write(y, to: folder.appendingPathComponent("\(name).npy"))
  }
  var nanTraining = x
  nanTraining[2, 0, 5, 5] = .nan
  try NumPyFile.write(nanTraining, to: folder.appendingPathComponent("xnan.npy"))
  var mask = Tensor(repeating: 1, shape: [8, 8])
  mask[1, 1] = .nan
  try NumPyFile.write(mask, to: folder.appendingPathComponent("masknan.npy"))
  try NumPyFile.write(Tensor(repeating: 1, shape: [7, 8]), to: folder.appendingPathComponent("mask78.npy"))
  try NumPyFile.write(Tensor(repeating: 1, shape: [9, 9]), to: folder.appendingPathComponent("kernel9.npy"))
  for shape in [[0, 1, 8, 8], [1, 1, 0, 0], [1, 0, 8, 8]] {
    try NumPyFile.write(Tensor(zeros: shape), to: folder.appendingPathComponent("empty\(shape.map(String.init).joined(separator: "x")).npy"))
  }
  // Headers whose sizes overflow (finding 2): 256 data bytes behind shapes of 2⁶² and 2⁶³·… values.
  for (name, shape) in [("hugeshape", "(4611686018427387968, 1, 1, 1)"), ("hugewidth", "(1, 1, 5, 3689348814741910336)"),
                        ("squareoverflow", "(4294967296, 4294967296)")] {
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
    header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
    bytes += Array(header.utf8) + [UInt8](repeating: 0, count: 256)
    try Data(bytes).write(to: folder.appendingPathComponent("\(name).npy"))
  }
  try Data("a file, not a folder".utf8).write(to: folder.appendingPathComponent("afile"))
  try FileManager.default.createDirectory(at: folder.appendingPathComponent("jsondir/OUT.json"), withIntermediateDirectories: true)
  try Data("good".utf8).write(to: folder.appendingPathComponent("OUT.npy"))
  try Data("good".utf8).write(to: folder.appendingPathComponent("jsondir/OUT.npy"))
  return folder
}

let measureBase = ["measure", "--images", "x8.npy", "--sigma", "0.1", "--output", "OUT.npy"]
let estimateBase = ["estimate", "--train", "x8.npy", "--measurements", "x8.npy", "--operator", "denoising", "--sigma", "0.1", "--output", "OUT.npy"]

/// Bad inputs of `measure` and `estimate`, each with a word its one-line error must contain.
let badMeasureEstimateCases: [(arguments: [String], needle: String)] = [
  // 1. Box masks outside the image.
  (measureBase + ["--operator", "inpainting", "--mask", "box:20,20,3,3"], "box:20,20,3,3"),
  (measureBase + ["--operator", "inpainting", "--mask", "box:-5,0,2,2"], "box:-5,0,2,2"),
  (measureBase + ["--operator", "inpainting", "--mask", "box:-100,-100,3,3"], "box:-100,-100,3,3"),
  (measureBase + ["--operator", "inpainting", "--mask", "box:9223372036854775807,0,1,1"], "box:9223372036854775807"),
  (measureBase + ["--operator", "inpainting", "--mask", "box:0,0,9223372036854775807,1"], "box:0,0,9223372036854775807"),
  (measureBase + ["--operator", "inpainting", "--mask", "center:9"], "center:9"),
  (estimateBase.filter { $0 != "denoising" && $0 != "--operator" } + ["--operator", "inpainting", "--mask", "box:20,20,3,3"], "box:20,20,3,3"),
  (measureBase + ["--operator", "inpainting", "--mask", "mask78.npy"], "mask78.npy"),
  (measureBase + ["--operator", "inpainting", "--mask", "masknan.npy"], "masknan.npy"),
  // 4. Kernels larger than the image, before anything is built.
  (measureBase + ["--operator", "deconvolution", "--kernel", "gaussian:1,100000"], "gaussian"),
  (measureBase + ["--operator", "deconvolution", "--kernel", "gaussian:1e5"], "gaussian"),
  (measureBase + ["--operator", "deconvolution", "--kernel", "defocus:100000"], "defocus"),
  (measureBase + ["--operator", "deconvolution", "--kernel", "box:100000"], "box:100000"),
  (measureBase + ["--operator", "deconvolution", "--kernel", "box:3037000500"], "box:3037000500"),
  (measureBase + ["--operator", "deconvolution", "--kernel", "kernel9.npy"], "kernel9.npy"),
  // 8. Accepted though wrong.
  (measureBase + ["--operator", "deconvolution", "--kernel", "gaussian:1e300"], "gaussian"),
  (measureBase + ["--operator", "deconvolution", "--kernel", "defocus:1e300"], "defocus"),
  (["measure", "--images", "empty0x1x8x8.npy", "--operator", "denoising", "--sigma", "0.1", "--output", "OUT.npy"], "empty0x1x8x8.npy"),
  (["measure", "--images", "empty1x1x0x0.npy", "--operator", "denoising", "--sigma", "0.1", "--output", "OUT.npy"], "empty1x1x0x0.npy"),
  (["measure", "--images", "empty1x0x8x8.npy", "--operator", "denoising", "--sigma", "0.1", "--output", "OUT.npy"], "empty1x0x8x8.npy"),
  (estimateBase + ["--diagnostics", "D", "--inspect", "1,1", "--top-k", "0"], "--top-k"),
  (estimateBase + ["--diagnostics", "D", "--inspect", "1,1", "--top-k=-1"], "--top-k"),
  // 6. A failing estimate writes nothing.
  (estimateBase + ["--diagnostics", "D", "--inspect", "100,100"], "--inspect"),
  (estimateBase + ["--diagnostics", "D", "--inspect", "-1,0"], "--inspect"),
  (estimateBase + ["--diagnostics", "D", "--inspect", "8,0"], "--inspect"),
  (estimateBase.filter { $0 != "le-mmse" } + ["--estimator", "mmse", "--diagnostics", "D", "--inspect", "1,1"], "--inspect"),
  (estimateBase + ["--diagnostics", "afile"], "--diagnostics"),
  (estimateBase + ["--patchwork"], "--patchwork"),
  (estimateBase.filter { $0 != "le-mmse" } + ["--estimator", "e-mmse", "--diagnostics", "D", "--patchwork"], "--patchwork"),
  (estimateBase.dropLast() + ["jsondir/OUT.npy"], "OUT.json"),
  // 7. Silent NaN.
  (["estimate", "--train", "x8.npy", "--measurements", "ynan.npy", "--operator", "denoising", "--sigma", "0.1", "--output", "OUT.npy"], "ynan.npy"),
  (["estimate", "--train", "x8.npy", "--measurements", "yinf.npy", "--operator", "denoising", "--sigma", "0.1", "--output", "OUT.npy"], "yinf.npy"),
  (["estimate", "--train", "x8.npy", "--measurements", "yneginf.npy", "--operator", "denoising", "--sigma", "0.1", "--output", "OUT.npy"], "yneginf.npy"),
  (["estimate", "--train", "x8.npy", "--measurements", "ybig.npy", "--operator", "denoising", "--sigma", "0.1", "--output", "OUT.npy"], "ybig.npy"),
  (["estimate", "--train", "x8.npy", "--measurements", "ybig.npy", "--operator", "denoising", "--sigma", "0.1", "--estimator", "mmse", "--output", "OUT.npy"], "ybig.npy"),
  (["estimate", "--train", "xnan.npy", "--measurements", "x8.npy", "--operator", "denoising", "--sigma", "0.1", "--output", "OUT.npy"], "xnan.npy"),
  (Array(estimateBase.prefix(8)) + ["--sigma", "1e-30", "--output", "OUT.npy"], "--sigma"),
  (Array(estimateBase.prefix(8)) + ["--sigma", "1e30", "--output", "OUT.npy"], "--sigma"),
  (Array(estimateBase.prefix(8)) + ["--sigma", "nan", "--output", "OUT.npy"], "--sigma"),
  (estimateBase + ["--prune-threshold", "1e-300"], "--prune-threshold"),
  (estimateBase + ["--threads", "0"], "--threads"),
  (estimateBase + ["--patch", "4"], "--patch"),
  (estimateBase + ["--patch", "33"], "patch size 33"),
  (estimateBase + ["--patch", "3,33"], "--patch"),
  (estimateBase + ["--patch", "3,4"], "--patch"),
  (estimateBase + ["--patch", "5,3,5"], "--patch"),
  (estimateBase + ["--patch", "0"], "--patch"),
  (estimateBase + ["--patch", "3,,5"], "--patch"),
  (estimateBase + ["--patch", "3,-1"], "--patch"),
  (estimateBase.filter { $0 != "le-mmse" } + ["--estimator", "mmse", "--patch", "3,5"], "--patch"),
  // 2. Sizes that overflow, through every flag that reads a .npy.
  (["measure", "--images", "hugeshape.npy", "--operator", "denoising", "--sigma", "0.1", "--output", "OUT.npy"], "hugeshape.npy"),
  (["measure", "--images", "hugewidth.npy", "--operator", "denoising", "--sigma", "0.1", "--output", "OUT.npy"], "hugewidth.npy"),
  (["measure", "--images", "squareoverflow.npy", "--operator", "denoising", "--sigma", "0.1", "--output", "OUT.npy"], "squareoverflow.npy"),
  (["estimate", "--train", "hugeshape.npy", "--measurements", "x8.npy", "--operator", "denoising", "--sigma", "0.1", "--output", "OUT.npy"], "hugeshape.npy"),
  (["estimate", "--train", "x8.npy", "--measurements", "hugewidth.npy", "--operator", "denoising", "--sigma", "0.1", "--output", "OUT.npy"], "hugewidth.npy"),
  (measureBase + ["--operator", "inpainting", "--mask", "hugeshape.npy"], "hugeshape.npy"),
  (measureBase + ["--operator", "deconvolution", "--kernel", "squareoverflow.npy"], "squareoverflow.npy"),
  // 10. Negative numbers reach validation.
  (Array(measureBase.prefix(3)) + ["--operator", "denoising", "--sigma", "-1", "--output", "OUT.npy"], "--sigma"),
  (Array(estimateBase.prefix(8)) + ["--sigma", "-1", "--output", "OUT.npy"], "--sigma"),
  (measureBase + ["--operator", "denoising", "--offset", "-1"], "--offset"),
  (measureBase + ["--operator", "denoising", "--offset", "9223372036854775807", "--count", "1"], "offset"),
  (measureBase + ["--operator", "denoising", "--input", "wiener:1e-300"], "wiener"),
  (measureBase + ["--operator", "superresolution"], "superresolution"),
  (measureBase + ["--operator", "denoising", "--frobnicate"], "--frobnicate"),
]

@Test(arguments: badMeasureEstimateCases.indices)
func badMeasureAndEstimateInputsFailInOneLineAndWriteNothing(index: Int) throws {
  let (arguments, needle) = badMeasureEstimateCases[index]
  let folder = try badInputFolder()
  let before = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
  let (status, message) = try runExecutable(arguments, in: folder)
  let lines = message.split(separator: "\n")
  #expect(status != 0, "\(arguments)")
  #expect(lines.count == 1, "\(arguments): \(message)")
  #expect(message.contains(needle), "\(arguments): \(message)")
  #expect(!message.contains("Fatal error") && !message.contains("Stack dump"), "\(arguments)")
  let after = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
  #expect(after == before, "\(arguments) left \(Set(after).subtracting(before))")
  #expect(try Data(contentsOf: folder.appendingPathComponent("OUT.npy")) == Data("good".utf8), "\(arguments)")
  #expect(try Data(contentsOf: folder.appendingPathComponent("jsondir/OUT.npy")) == Data("good".utf8), "\(arguments)")
  #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("jsondir").path).sorted() == ["OUT.json", "OUT.npy"])
}

@Test func tinyAndHugeGaussiansAreHandledExactly() throws {
  // gaussian:1e-200 is a delta (its centre used to be 0/0 = NaN): A x = x exactly.
  let folder = try badInputFolder()
  try runCommand(["measure", "--images", folder.appendingPathComponent("x8.npy").path, "--operator", "deconvolution",
                  "--kernel", "gaussian:1e-200", "--sigma", "0", "--output", folder.appendingPathComponent("ax.npy").path])
  let x = try NumPyFile.read(contentsOf: folder.appendingPathComponent("x8.npy"))
  let ax = try NumPyFile.read(contentsOf: folder.appendingPathComponent("ax.npy"))
  #expect(ax.maxAbsoluteDifference(x) == 0)
  // A huge standard deviation with a given size is a uniform box.
  let wide = try KernelSpecification(parsing: "gaussian:1e300,3").makeKernel(height: 8, width: 8) { _ in Tensor(zeros: [1, 1]) }
  #expect(wide.scalars.allSatisfy { abs($0 - 1 / 9) < 1e-7 })
}

@Test func estimateAtTheEndsOfTheSigmaRangeIsFinite() throws {
  let folder = try badInputFolder()
  for sigma in ["1e-6", "1000"] {
    let output = folder.appendingPathComponent("e\(sigma).npy")
    try runCommand(["estimate", "--train", folder.appendingPathComponent("x8.npy").path, "--measurements",
                    folder.appendingPathComponent("x8.npy").path, "--operator", "denoising", "--sigma", sigma, "--output", output.path])
    #expect(try NumPyFile.read(contentsOf: output).firstNonFiniteIndex == nil, "σ = \(sigma)")
  }
}
