import Foundation
import Testing
import Tensors
import DataFiles

/// `estimate --shard I/K --partial` then `merge` writes the bytes of the single command, for a
/// patch sweep and for the dense class kernel; bad parts stop the merge with one line naming
/// the part, and nothing is written.
@Test func shardedEstimatesMergeToTheSingleCommandsBytes() throws {
  let folder = temporaryDirectory()
  var generator = SeededGenerator(seed: 5)
  let x = Tensor.uniform(shape: [40, 1, 8, 8], using: &generator)
  try NumPyFile.write(x, to: folder.appendingPathComponent("x.npy"))
  try NumPyFile.write(x.images(0..<2) + Tensor.uniform(shape: [2, 1, 8, 8], using: &generator) * 0.2,
                      to: folder.appendingPathComponent("y.npy"))
  let common = ["estimate", "--train", "x.npy", "--measurements", "y.npy", "--operator", "denoising", "--sigma", "0.2", "--threads", "2"]
  for (name, flags) in [("sweep", ["--patch", "3,5"]), ("dense", ["--patch", "3", "--padding", "zeros"])] {
    let single = try runExecutable(common + flags + ["--output", "\(name).npy"], in: folder)
    #expect(single.status == 0, "\(single.standardError)")
    for k in 0..<3 {
      let run = try runExecutable(common + flags + ["--shard", "\(k)/3", "--partial", "\(name)_\(k).npz"], in: folder)
      #expect(run.status == 0, "\(run.standardError)")
    }
    let merged = try runExecutable(["merge", "\(name)_2.npz", "\(name)_0.npz", "\(name)_1.npz", "--output", "\(name)_merged.npy"], in: folder)
    #expect(merged.status == 0, "\(merged.standardError)")
    let a = try Data(contentsOf: folder.appendingPathComponent("\(name).npy"))
    let b = try Data(contentsOf: folder.appendingPathComponent("\(name)_merged.npy"))
    #expect(a == b, "\(name): merged bytes")
  }
  // A foreign part (another σ), a missing one, a repeated one, a damaged one; and --shard I ≥ K.
  let foreign = try runExecutable(common + ["--sigma", "0.3", "--patch", "3,5", "--shard", "1/3", "--partial", "foreign.npz"], in: folder)
  #expect(foreign.status == 0, "\(foreign.standardError)")
  let whole = try Data(contentsOf: folder.appendingPathComponent("sweep_0.npz"))
  try whole.prefix(whole.count / 2).write(to: folder.appendingPathComponent("damaged.npz"))
  for (parts, named) in [(["sweep_0.npz", "foreign.npz", "sweep_2.npz"], "foreign.npz"), (["sweep_0.npz", "sweep_2.npz"], "shard 1/3"),
                         (["sweep_0.npz", "sweep_1.npz", "sweep_1.npz", "sweep_2.npz"], "sweep_1.npz"),
                         (["sweep_0.npz", "damaged.npz", "sweep_2.npz"], "damaged.npz")] {
    let run = try runExecutable(["merge"] + parts + ["--output", "bad.npy"], in: folder)
    #expect(run.status == 1 && run.standardError.contains(named), "\(parts): \(run.standardError)")
    #expect(run.standardError.split(separator: "\n").count == 1, "one line: \(run.standardError)")
  }
  let outOfRange = try runExecutable(common + ["--shard", "3/3", "--partial", "bad.npz"], in: folder)
  #expect(outOfRange.status != 0 && outOfRange.standardError.contains("3/3"), "\(outOfRange.standardError)")
  for file in ["bad.npy", "bad.json", "bad.npz"] {
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file) written")
  }
}
