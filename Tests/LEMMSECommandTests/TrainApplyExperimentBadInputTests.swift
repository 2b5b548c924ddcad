import ArgumentParser
import Foundation
import Testing
@testable import LEMMSECommand
@testable import Experiments
import Tensors
import DataFiles
import NeuralNetworks

// Bad input to `train`, `apply` and `experiment` (and the checkpoints they read): every case
// runs the real argument vector and must fail with one line naming the input, a non-zero exit
// code, and no output written — a pre-existing output stays byte-identical.

/// Tiny inputs in a fresh folder: 1×8×8 images, measurements, and a checkpoint trained for one
/// epoch on four images.
struct BadInputFixture {
  let folder: URL
  var images: String { path("x.npy") }
  var checkpoint: String { path("good.safetensors") }

  /// - Parameter training: Whether to train the checkpoint (not needed to test `train` itself).
  init(training: Bool = true) throws {
    folder = temporaryDirectory()
    var generator = SeededGenerator(seed: 9)
    try NumPyFile.write(Tensor.uniform(shape: [4, 1, 8, 8], using: &generator), to: url("x.npy"))
    try NumPyFile.write(Tensor.uniform(shape: [2, 1, 8, 8], using: &generator), to: url("y.npy"))
    var withNaN = Tensor.uniform(shape: [2, 1, 8, 8], using: &generator)
    withNaN[1, 0, 3, 4] = .nan
    try NumPyFile.write(withNaN, to: url("y-nan.npy"))
    try NumPyFile.write(Tensor(zeros: [4, 1, 0, 0]), to: url("empty-images.npy"))
    try NumPyFile.write(Tensor(repeating: 1e30, shape: [4, 1, 8, 8]), to: url("huge.npy"))
    var trainingNaN = Tensor.uniform(shape: [4, 1, 8, 8], using: &generator)
    trainingNaN[2, 0, 1, 1] = .infinity
    try NumPyFile.write(trainingNaN, to: url("x-inf.npy"))
    guard training else { return }
    try runCommand(["train", "--data", path("x.npy"), "--operator", "denoising", "--sigma", "0.1", "--model", "patchmlp",
                    "--patch", "3", "--width", "8", "--epochs", "1", "--validation", "0", "--checkpoint", path("good.safetensors")])
  }

  func url(_ name: String) -> URL { folder.appendingPathComponent(name) }
  func path(_ name: String) -> String { url(name).path }

  /// A copy of the good checkpoint with its model description edited.
  func checkpoint(named name: String, editModel: (inout [String: Any]) -> Void = { _ in },
                  editTensors: (inout [String: Tensor]) -> Void = { _ in }) throws -> String {
    var (tensors, metadata) = try SafeTensorsFile.read(contentsOf: URL(fileURLWithPath: checkpoint))
    var description = try JSONSerialization.jsonObject(with: Data(metadata["lemmse"]!.utf8)) as! [String: Any]
    var model = description["model"] as! [String: Any]
    editModel(&model)
    description["model"] = model
    metadata["lemmse"] = String(decoding: try JSONSerialization.data(withJSONObject: description), as: UTF8.self)
    editTensors(&tensors)
    try SafeTensorsFile.write(tensors, metadata: metadata, to: url(name))
    return path(name)
  }

  /// Writes `text` as a config file.
  func config(_ name: String, _ text: String) throws -> String {
    try Data(text.utf8).write(to: url(name))
    return path(name)
  }
}

/// The contents of `urls` (nil for a missing file), to compare after a failed command.
func snapshot(_ urls: [URL]) -> [Data?] { urls.map { try? Data(contentsOf: $0) } }

/// Runs `arguments`, which must fail with one line that contains every fragment, a non-zero
/// exit code, and leave `outputs` as they were.
func expectBadInput(_ arguments: [String], mentions fragments: [String], outputs: [URL],
                    sourceLocation: SourceLocation = #_sourceLocation) {
  let before = snapshot(outputs)
  do {
    try runCommand(arguments)
    Issue.record("succeeded: \(arguments)", sourceLocation: sourceLocation)
  } catch {
    let message = LEMMSE.message(for: error)
    #expect(!message.contains("\n"), "not one line: \(message)", sourceLocation: sourceLocation)
    #expect(LEMMSE.exitCode(for: error) != .success, "exit code 0 for \(arguments)", sourceLocation: sourceLocation)
    for fragment in fragments {
      #expect(message.contains(fragment), "'\(message)' does not mention '\(fragment)'", sourceLocation: sourceLocation)
    }
  }
  #expect(snapshot(outputs) == before, "\(arguments) wrote output", sourceLocation: sourceLocation)
}

/// The cases run in three parts (of every third case), to keep each test short.
@Test(arguments: 0..<3) func trainRefusesBadFlagsAndDataWritingNothing(part: Int) throws {
  let fixture = try BadInputFixture(training: false)
  // A checkpoint already at the output path must stay byte-identical; a fresh path in a
  // missing folder must not appear (nor the folder).
  let existing = fixture.url("existing.safetensors")
  try Data("an earlier checkpoint".utf8).write(to: existing)
  try Data("{}".utf8).write(to: fixture.url("existing.json"))
  let fresh = fixture.url("new-folder/fresh.safetensors")
  func train(_ changes: [String: String?], checkpoint: URL) -> [String] {
    var flags: [(String, String?)] = [("--data", fixture.images), ("--operator", "denoising"), ("--sigma", "0.1"),
                                      ("--model", "patchmlp"), ("--patch", "3"), ("--width", "8"), ("--epochs", "1"),
                                      ("--validation", "0")]
    flags = flags.map { ($0.0, changes[$0.0] ?? $0.1) }
    for (flag, value) in changes where !flags.contains(where: { $0.0 == flag }) { flags.append((flag, value)) }
    return ["train"] + flags.flatMap { flag, value in value.map { [flag, $0] } ?? [] } + ["--checkpoint", checkpoint.path]
  }
  let cases: [([String: String?], [String])] = [
    (["--patch": "33"], ["--patch", "8×8", "P ≤ 7"]),
    (["--patch": "99"], ["--patch", "8×8"]),
    (["--patch": "99999"], ["--patch", "99999"]),
    (["--width": "1000000000"], ["--width", "1000000000"]),
    (["--depth": "100000000"], ["--depth", "100000000"]),
    (["--learning-rate": "-1"], ["--learning-rate", "-1"]),
    (["--learning-rate": "nan"], ["--learning-rate", "nan"]),
    (["--ema": "2"], ["--ema", "[0, 1)"]),
    (["--ema": "nan"], ["--ema", "nan"]),
    (["--validation": "-1"], ["--validation", "-1"]),
    (["--weight-decay": "-1"], ["--weight-decay", "-1"]),
    (["--sigma": "-1"], ["--sigma", "got -1"]),
    (["--sigma": "nan"], ["--sigma", "nan"]),
    (["--sigma": "1e9"], ["--sigma", "1000"]),
    (["--sigma": nil, "--sigma-range": "-1,2"], ["--sigma-range"]),
    (["--sigma": nil, "--sigma-range": "0.5,0.1"], ["--sigma-range"]),
    (["--sigma": nil, "--sigma-range": "0,inf"], ["--sigma-range"]),
    (["--sigma": nil, "--sigma-range": "0,2,3"], ["--sigma-range"]),
    (["--epochs": "0"], ["--epochs", "got 0"]),
    (["--epochs": "1000000000"], ["--epochs"]),
    (["--batch-size": "0"], ["--batch-size"]),
    (["--batch-size": "-1"], ["--batch-size", "-1"]),
    (["--width": "8,x"], ["--width", "8,x"]),
    (["--data": fixture.path("empty-images.npy")], ["empty-images.npy", "no images"]),
    (["--data": fixture.path("x-inf.npy")], ["x-inf.npy", "+inf at [2, 0, 1, 1]"]),
    // Values far beyond images (1e30² would overflow the loss) are refused when loaded; the stop
    // at a non-finite loss itself is tested in NeuralNetworksTests.
    (["--data": fixture.path("huge.npy")], ["huge.npy", "expected images in [0, 1]"]),
  ]
  for (index, (changes, fragments)) in cases.enumerated() where index % 3 == part {
    expectBadInput(train(changes, checkpoint: existing), mentions: fragments,
                   outputs: [existing, fixture.url("existing.json")])
  }
  for (changes, fragments) in (cases.prefix(3) + cases.suffix(2))[part...].enumerated().filter({ $0.offset % 3 == 0 }).map(\.element) {
    expectBadInput(train(changes, checkpoint: fresh), mentions: fragments, outputs: [fresh])
    #expect(!FileManager.default.fileExists(atPath: fixture.path("new-folder")), "\(changes) created the folder")
  }
}

@Test func aFailedTrainingRunPutsTheCheckpointBack() throws {
  let folder = temporaryDirectory()
  let existing = folder.appendingPathComponent("old.safetensors")
  try Data("old weights".utf8).write(to: existing)
  let kept = CheckpointFiles(existing)
  kept.willWrite()
  try Data("half-trained".utf8).write(to: existing)
  try Data("{}".utf8).write(to: folder.appendingPathComponent("old.json"))
  #expect(kept.restore().contains("as it was before"))
  #expect(try Data(contentsOf: existing) == Data("old weights".utf8))
  #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("old.json").path))

  let fresh = folder.appendingPathComponent("a/b/new.safetensors")
  let created = CheckpointFiles(fresh)
  #expect(created.restore() == "wrote nothing")
  created.willWrite()
  try FileManager.default.createDirectory(at: fresh.deletingLastPathComponent(), withIntermediateDirectories: true)
  try Data("snapshot".utf8).write(to: fresh)
  #expect(created.restore().contains("removed"))
  #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("a").path))
}

@Test func applyRefusesBadSigmaMeasurementsAndCheckpointsWritingNothing() throws {
  let fixture = try BadInputFixture()
  let output = fixture.url("out.npy")
  try Data("previous output".utf8).write(to: output)
  func apply(checkpoint: String? = nil, measurements: String? = nil, _ extra: [String] = []) -> [String] {
    ["apply", "--checkpoint", checkpoint ?? fixture.checkpoint, "--measurements", measurements ?? fixture.path("y.npy"),
     "--output", output.path] + extra
  }
  let wide = try fixture.checkpoint(named: "wide.safetensors") { $0["widths"] = [1_000_000_000] }
  let patch = try fixture.checkpoint(named: "patch.safetensors") { $0["patchSize"] = 99999 }
  let deep = try fixture.checkpoint(named: "deep.safetensors") { $0["depth"] = 100_000_000 }
  let channels = try fixture.checkpoint(named: "channels.safetensors") { $0["channels"] = 1_000_000 }
  let nanWeight = try fixture.checkpoint(named: "nan.safetensors", editTensors: { $0["body.0.weight"]!.scalars[5] = .nan })
  let infWeight = try fixture.checkpoint(named: "inf.safetensors", editTensors: { $0["body.2.bias"]!.scalars[0] = -.infinity })
  let missing = try fixture.checkpoint(named: "missing.safetensors", editTensors: { $0["body.2.bias"] = nil })
  let resized = try fixture.checkpoint(named: "resized.safetensors", editTensors: { $0["body.2.bias"] = Tensor(zeros: [9]) })
  // Finite weights so large that the output overflows.
  let overflowing = try fixture.checkpoint(named: "overflow.safetensors", editTensors: { tensors in
    for name in tensors.keys { tensors[name] = Tensor(repeating: 3e38, shape: tensors[name]!.shape) }
  })
  try NumPyFile.write(Tensor(repeating: 0.5, shape: [1, 1, 2, 2]), to: fixture.url("small.npy"))
  let cases: [([String], [String])] = [
    (apply(["--sigma=nan"]), ["--sigma", "nan"]),
    (apply(["--sigma", "-1"]), ["--sigma", "got -1"]),
    (apply(["--sigma", "1e9"]), ["--sigma"]),
    (apply(measurements: fixture.path("y-nan.npy")), ["y-nan.npy", "NaN at [1, 0, 3, 4]"]),
    (apply(measurements: fixture.path("small.npy")), ["small.npy", "2×2"]),
    (apply(checkpoint: wide), ["wide.safetensors", "widths", "1000000000"]),
    (apply(checkpoint: patch), ["patch.safetensors", "patchSize", "99999"]),
    (apply(checkpoint: deep), ["deep.safetensors", "depth", "100000000"]),
    (apply(checkpoint: channels), ["channels.safetensors", "channels"]),
    (apply(checkpoint: nanWeight), ["nan.safetensors", "body.0.weight", "NaN"]),
    (apply(checkpoint: infWeight), ["inf.safetensors", "body.2.bias", "-inf"]),
    (apply(checkpoint: missing), ["missing.safetensors", "body.2.bias"]),
    (apply(checkpoint: resized), ["resized.safetensors", "body.2.bias"]),
    (apply(checkpoint: overflowing), ["overflow.safetensors", "produced", "wrote nothing"]),
  ]
  for (arguments, fragments) in cases {
    expectBadInput(arguments, mentions: fragments, outputs: [output])
  }
}

@Test func experimentAndItsDryRunRefuseBadConfigsWritingNothing() throws {
  let fixture = try BadInputFixture()
  let output = fixture.url("results")
  func config(_ replacements: [String: String]) -> String {
    var keys: [(String, String)] = [("datasets", "[\"\(fixture.images)\"]"), ("operators", "[\"denoising\"]"), ("sigmas", "[0.1]"),
                                    ("inputs", "[\"agnostic\"]"), ("models", "[{\"model\": \"patchmlp\", \"patch\": 3, \"widths\": [8]}]"),
                                    ("n_train", "[4]"), ("n_test", "2"), ("epochs", "1")]
    keys = keys.map { ($0.0, replacements[$0.0] ?? $0.1) }
    for (key, value) in replacements.sorted(by: { $0.key < $1.key }) where !keys.contains(where: { $0.0 == key }) {
      keys.append((key, value))
    }
    return "{" + keys.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
  }
  // A Fashion-MNIST folder with a training split only.
  let trainOnly = fixture.url("train-only")
  try FileManager.default.createDirectory(at: trainOnly, withIntermediateDirectories: true)
  var idx = Data([0, 0, 8, 3, 0, 0, 0, 4, 0, 0, 0, 8, 0, 0, 0, 8])
  idx.append(Data(repeating: 128, count: 4 * 64))
  try idx.write(to: trainOnly.appendingPathComponent("train-images-idx3-ubyte"))
  let cases: [([String: String], [String])] = [
    (["n_train": "[1e9]"], ["'n_train'", "1000000000", "4"]),
    (["n_test": "1e9"], ["'n_test'", "1000000000"]),
    (["n_train": "[0]"], ["'n_train[0]'"]),
    (["inputs": "[]"], ["'inputs'", "is empty"]),
    (["operators": "[]"], ["'operators'", "is empty"]),
    (["threads": "0"], ["'threads'"]),
    (["threads": "-1"], ["'threads'"]),
    (["batch_size": "0"], ["'batch_size'"]),
    (["batch_size": "-1"], ["'batch_size'"]),
    (["learning_rate": "-1"], ["'learning_rate'"]),
    (["learning_rate": "1e60"], ["'learning_rate'"]),
    (["calibration": "[1000001]"], ["'calibration[0]'", "1000001"]),
    (["calibration": "[9]"], ["'calibration'", "8×8"]),
    (["calibration": "[]"], ["'calibration'", "is empty"]),
    (["sigmas": "[-1]"], ["'sigmas[0]'", "-1"]),
    (["sigmas": "[0]"], ["'sigmas[0]'"]),
    (["train_sigma_range": "[0.5, 0.1]"], ["'train_sigma_range'"]),
    (["epochs": "1.5"], ["config key 'epochs': expected a whole number", "got 1.5"]),
    (["epochs": "1e30"], ["'epochs'", "1e+30"]),
    (["epochs": "0"], ["'epochs'", "got 0"]),
    (["seed": "-1"], ["'seed'", "got -1"]),
    (["models": "[{\"model\": \"patchmlp\", \"patch\": 3, \"widths\": [1e9]}]"], ["'widths'", "1000000000"]),
    (["models": "[{\"model\": \"patchmlp\", \"patch\": 3, \"widths\": [8.5]}]"], ["'models[0].widths[0]'", "8.5"]),
    (["models": "[{\"model\": \"patchmlp\", \"patch\": 33}]"], ["'models.patch'", "8×8"]),
    (["models": "[{\"model\": \"patchmlp\", \"patch\": 3, \"depth\": 100000000}]"], ["'depth'"]),
    (["datasets": "[\"fashion-mnist:\(trainOnly.path)\"]"], ["'datasets'", "test split", "t10k-images"]),
    (["datasets": "[\"\(fixture.path("empty-images.npy"))\"]"], ["'datasets'", "0×0"]),
  ]
  for (index, (replacements, fragments)) in cases.enumerated() {
    let file = try fixture.config("config\(index).json", config(replacements))
    for dryRun in [true, false] {
      expectBadInput(["experiment", "--config", file, "--output", output.path] + (dryRun ? ["--dry-run"] : []),
                     mentions: fragments, outputs: [output])
    }
  }
  // The config file itself, and the flags of one setting.
  expectBadInput(["experiment", "--config", fixture.folder.path, "--output", output.path, "--dry-run"],
                 mentions: [fixture.folder.path, "is a directory, expected a JSON config file"], outputs: [output])
  expectBadInput(["experiment", "--config", fixture.path("absent.json"), "--output", output.path, "--dry-run"],
                 mentions: ["absent.json"], outputs: [output])
  let setting = ["experiment", "--data", fixture.images, "--operator", "denoising", "--model", "patchmlp", "--patch", "3",
                 "--width", "8", "--n-test", "2", "--epochs", "1", "--output", output.path, "--dry-run"]
  expectBadInput(setting + ["--sigma", "-1", "--n-train", "4"], mentions: ["--sigma", "got -1"], outputs: [output])
  expectBadInput(setting + ["--sigma", "nan", "--n-train", "4"], mentions: ["--sigma", "nan"], outputs: [output])
  expectBadInput(setting + ["--sigma", "0.1", "--n-train", "1000000000"], mentions: ["--n-train", "1000000000"], outputs: [output])
  expectBadInput(setting + ["--sigma", "0.1", "--n-train", "-4"], mentions: ["--n-train", "-4"], outputs: [output])
  expectBadInput(setting + ["--sigma", "0.1", "--n-train", "4", "--calibration", "3,x"], mentions: ["--calibration"], outputs: [output])
  // The good config passes the dry run, which writes nothing either.
  let good = try fixture.config("good.json", config([:]))
  try runCommand(["experiment", "--config", good, "--output", output.path, "--dry-run"])
  #expect(!FileManager.default.fileExists(atPath: output.path))
}

@Test func helpSaysMissingOutputFoldersAreCreated() {
  for (command, option) in [(LEMMSE.helpMessage(for: TrainCommand.self), "--checkpoint"),
                            (LEMMSE.helpMessage(for: ApplyCommand.self), "--output"),
                            (LEMMSE.helpMessage(for: ExperimentCommand.self), "--output"),
                            (LEMMSE.helpMessage(for: DemoCommand.self), "--output")] {
    let section = command.components(separatedBy: option + " <").last ?? ""
    let text = section.prefix(300).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    #expect(text.contains("missing folders are created"), "\(option) help: \(text)")
  }
}

@Test func dryRunChecksTheSplitSizesOfARealDataSet() throws {
  let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/data/fashion-mnist")
    .standardizedFileURL
  guard FileManager.default.fileExists(atPath: data.appendingPathComponent("t10k-images-idx3-ubyte.gz").path) else { return }
  let output = temporaryDirectory().appendingPathComponent("results")
  let setting = ["experiment", "--data", "fashion-mnist:" + data.path, "--operator", "denoising", "--sigma", "0.2",
                 "--model", "patchmlp", "--patch", "5", "--output", output.path, "--dry-run"]
  expectBadInput(setting + ["--n-train", "60001"], mentions: ["--n-train", "60001", "60000", "train split"], outputs: [output])
  expectBadInput(setting + ["--n-train", "10", "--n-test", "10001"], mentions: ["--n-test", "10001", "10000", "test split"],
                 outputs: [output])
}
