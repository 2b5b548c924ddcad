import Foundation
import Testing
@testable import Experiments
import DataFiles
import NeuralNetworks
import Physics
import Tensors

// The two studies of the paper's protocol that explain where networks depart from the
// theory: the match by region of an inpainting mask, and the match against training epochs.

/// A mask of `height × width` with the pixels of `hole` (row, column) unobserved.
private func mask(height: Int, width: Int, hole: Set<[Int]>) -> Tensor {
  Tensor(shape: [height, width], scalars: (0..<height * width).map { hole.contains([$0 / width, $0 % width]) ? 0 : 1 })
}

/// The plain definition: a hole pixel is in the band when some observed pixel lies within
/// `P/2` in both directions, indices wrapping.
private func plainRegions(_ mask: Tensor, patch: Int) -> [UInt8] {
  let (height, width) = (mask.shape[0], mask.shape[1])
  let radius = patch / 2
  return (0..<height * width).map { index in
    let (i, j) = (index / width, index % width)
    if mask.scalars[index] == 1 { return 0 }
    for k in 0..<height * width where mask.scalars[k] == 1 {
      let (a, b) = (k / width, k % width)
      let rowDistance = min(abs(a - i), height - abs(a - i)), columnDistance = min(abs(b - j), width - abs(b - j))
      if max(rowDistance, columnDistance) <= radius { return 1 }
    }
    return 2
  }
}

/// A 4 × 4 hole in a 12 × 12 image: at P = 3 its 12 edge pixels are the band and its inner
/// 2 × 2 is deep; at P = 5 all of it is band. A stripe at the left border reaches the right
/// border through the wrap; random masks agree with the plain definition.
@Test func regionsOfAHoleFollowThePatchAndTheWrap() {
  let box = mask(height: 12, width: 12, hole: Set((4..<8).flatMap { i in (4..<8).map { [i, $0] } }))
  let three = RegionMatch.regions(mask: box, patch: 3)
  #expect(three.filter { $0 == 0 }.count == 128 && three.filter { $0 == 1 }.count == 12 && three.filter { $0 == 2 }.count == 4)
  #expect(three[5 * 12 + 5] == 2 && three[4 * 12 + 4] == 1 && three[4 * 12 + 6] == 1)
  #expect(RegionMatch.regions(mask: box, patch: 5).filter { $0 == 2 }.isEmpty)
  // Columns 0…2 missing in every row: column 0 touches column 11, column 2 touches 3, column 1 is deep at P = 3.
  let stripe = mask(height: 12, width: 12, hole: Set((0..<12).flatMap { i in (0..<3).map { [i, $0] } }))
  let labels = RegionMatch.regions(mask: stripe, patch: 3)
  #expect((0..<12).allSatisfy { labels[$0 * 12] == 1 && labels[$0 * 12 + 1] == 2 && labels[$0 * 12 + 2] == 1 })
  var generator = SeededGenerator(seed: 5)
  for patch in [1, 3, 5, 7] {
    let random = Tensor.uniform(shape: [9, 11], using: &generator).map { $0 < 0.7 ? 0 : 1 }
    #expect(RegionMatch.regions(mask: random, patch: patch) == plainRegions(random, patch: patch))
  }
}

/// Each region's PSNR is the mean over images of 10 log10(1 / MSE over the region's pixels of
/// every channel), written here as plainly as possible.
@Test func theRegionMatchIsAMaskedPSNRPerImageAveraged() {
  var generator = SeededGenerator(seed: 9)
  let network = Tensor.uniform(shape: [3, 2, 12, 12], using: &generator)
  let reference = Tensor.uniform(shape: [3, 2, 12, 12], using: &generator)
  let box = mask(height: 12, width: 12, hole: Set((3..<9).flatMap { i in (3..<9).map { [i, $0] } }))
  let match = RegionMatch(network: network, reference: reference, mask: box, patch: 3)
  let labels = plainRegions(box, patch: 3)
  func plain(_ region: UInt8) -> Double {
    var total = 0.0
    for n in 0..<3 {
      var squared = 0.0, count = 0
      for c in 0..<2 {
        for k in 0..<144 where labels[k] == region {
          let index = ((n * 2 + c) * 144) + k
          squared += pow(Double(network.scalars[index]) - Double(reference.scalars[index]), 2)
          count += 1
        }
      }
      total += 10 * log10(1 / (squared / Double(count)))
    }
    return total / 3
  }
  #expect(match.pixels == [108, 20, 16])
  #expect(abs(match.observed! - plain(0)) < 1e-9 && abs(match.band! - plain(1)) < 1e-9 && abs(match.deep! - plain(2)) < 1e-9)
  let wide = RegionMatch(network: network, reference: reference, mask: box, patch: 7)
  #expect(wide.deep == nil && wide.pixels == [108, 36, 0])
}

/// With `evaluate_epochs` every network is evaluated at those epochs of one training run (one
/// record each, checkpoint kept) and at the last, whose record is the one a run without them
/// gives; the LE-MMSE is computed once per setting; a second run finds everything finished.
@Test func evaluateEpochsRecordsTheMatchAlongOneTrainingRun() throws {
  let folder = scratchDirectory()
  let data = try tinyDataSet(in: folder)
  func config(_ snapshots: [Int]?) -> ExperimentConfig {
    var config = ExperimentConfig(datasets: [DataSetChoice(stringLiteral: data)], operators: [try! OperatorChoice(name: "inpainting", mask: "center:4")],
                                  sigmas: [0.1, 0.4], inputs: ["agnostic"], models: [ModelSpecification(model: .patchMLP, patch: 3, widths: [8])],
                                  nTrain: [12], nTest: 2, epochs: 3, trainSigmaRange: [0, 0.5], calibration: [3, 5], seed: 3)
    config.evaluateEpochs = snapshots
    return config
  }
  let plain = try ExperimentRunner(config: config(nil), outputDirectory: folder.appendingPathComponent("plain")).run { _, _, _ in }
  let output = folder.appendingPathComponent("epochs")
  let runner = ExperimentRunner(config: config([1, 2]), outputDirectory: output)
  let records = try runner.run { _, _, _ in }
  #expect(records.map(\.epochs) == [1, 1, 2, 2, 3, 3] && records.map(\.sigma) == [0.1, 0.4, 0.1, 0.4, 0.1, 0.4])
  var last = Array(records.suffix(2)), expected = plain
  for index in 0..<2 {  // all but where the network lies and how long things took
    (last[index].checkpoint, expected[index].checkpoint) = (nil, nil)
    (last[index].secondsTrain, expected[index].secondsTrain) = (0, 0)
    (last[index].secondsLEMMSE, expected[index].secondsLEMMSE) = (0, 0)
  }
  #expect(last == expected, "the last epoch's records are those of a run that kept no snapshots")
  #expect(records[0].secondsTrain < records[2].secondsTrain && records[2].secondsTrain < records[4].secondsTrain)
  #expect(records.allSatisfy { $0.regions?.first?.patch == 3 && $0.regions?.first?.pixels == [128, 12, 4] })
  // The epoch-1 record is the epoch-1 checkpoint's network on the same test inputs.
  let setting = config([1, 2]).settings()[0]
  let early = runner.evaluationDirectory(setting, epoch: 1)
  #expect(early.path.hasSuffix("/e1/s0.1"))
  let saved = try Checkpoint.read(from: output.appendingPathComponent(records[0].checkpoint!))
  let u = try NumPyFile.read(contentsOf: early.appendingPathComponent("measurements.npy"))
  #expect(try saved.network.predict(u, sigma: 0.1).scalars == NumPyFile.read(contentsOf: early.appendingPathComponent("network.npy")).scalars)
  #expect(try Data(contentsOf: early.appendingPathComponent("lemmse.npy"))
          == Data(contentsOf: runner.evaluationDirectory(setting).appendingPathComponent("lemmse.npy")))
  #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("psnr_epochs.svg").path))
  #expect(try runner.run { _, _, _ in } == records)
}

/// `evaluate_epochs` must list ascending epochs below `epochs`; the key is named.
@Test func evaluateEpochsOutsideTheTrainingAreRefused() throws {
  let base = ExperimentConfig(datasets: ["x.npy"], operators: ["denoising"], sigmas: [0.1], inputs: ["agnostic"],
                              models: [ModelSpecification(model: .patchMLP, patch: 3)], nTrain: [10], nTest: 2, epochs: 4)
  for (list, key) in [([Int](), "evaluate_epochs"), ([4], "evaluate_epochs[0]"), ([0], "evaluate_epochs[0]"),
                      ([2, 2], "evaluate_epochs[1]"), ([3, 1], "evaluate_epochs[1]")] {
    var config = base
    config.evaluateEpochs = list
    #expect {
      try ExperimentRunner(config: config, outputDirectory: scratchDirectory()).validateValues()
    } throws: { ($0 as? ExperimentError).map { if case .invalidValue(key, _) = $0 { true } else { false } } ?? false }
  }
  let json = #"{"datasets": ["x.npy"], "operators": ["denoising"], "sigmas": [0.1], "inputs": ["agnostic"], "models": [{"model": "patchmlp", "patch": 3}], "n_train": [10], "n_test": 2, "epochs": 4, "evaluate_epochs": [1.5]}"#
  #expect(throws: ExperimentError.self) { try ExperimentConfig.decode(Data(json.utf8), name: "c") }
  var good = base
  good.evaluateEpochs = [1, 3]
  try ExperimentRunner(config: good, outputDirectory: scratchDirectory()).validateValues()
  #expect(good.evaluationEpochs == [1, 3, 4])
}
