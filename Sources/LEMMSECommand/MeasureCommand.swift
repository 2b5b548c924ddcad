import ArgumentParser
import Experiments
import Foundation
import DataFiles
import Physics

struct MeasureCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "measure",
    abstract: "Degrade images with a forward operator: y = A x + σ e (or the estimator input B y).",
    discussion: """
      The output is float32 .npy with the images' shape. --sigma 0 gives A x exactly. Noise is \
      drawn from --seed, in the row-major order of the N×C×H×W array.

      Examples:
        lemmse measure --images fashion-mnist --split test --count 8 --operator inpainting_center_15 --sigma 0.1 --output y.npy
        lemmse measure --images x.npy --operator deconvolution --kernel gaussian:1.0 --sigma 0 --output ax.npy
      """)

  @Option(help: ArgumentHelp(dataReferenceHelp, valueName: "IMAGES"))
  var images: String
  @OptionGroup var selection: SelectionOptions
  @OptionGroup var physics: OperatorOptions
  @Option(parsing: .unconditional, help: "Noise level σ: 0 (A x exactly) or in [1e-6, 1000], in units of [0, 1] images.")
  var sigma: Float
  @Option(parsing: .unconditional, help: "Seed of the noise.")
  var seed: UInt64 = 0
  @Option(help: "Where to write the .npy result (missing folders are created).")
  var output: String

  func validate() throws {
    guard sigma == 0 || (1e-6 ... 1e3).contains(sigma) else {
      throw ValidationError("--sigma must be 0 or in [1e-6, 1000] (got \(sigma))")
    }
    guard output.lowercased().hasSuffix(".npy") else { throw ValidationError("--output must name a .npy file (got \(output))") }
  }

  func run() throws {
    try OutputFiles.checkFile(fileURL(output), flag: "--output")
    let (x, originalShape) = try selection.load(images)
    let shape = x.imageBatchShape
    let op = try physics.makeOperator(height: shape.height, width: shape.width)
    let y = measure(x, with: op, sigma: sigma, seed: seed)
    let u = try physics.input.map(y, for: op)
    if let bad = u.firstNonFiniteDescription {
      throw CommandError("the measurements of \(images) have \(bad) (the input map \(physics.input) amplified them beyond Float); choose a larger ε or λ")
    }
    var outputs = OutputFiles()
    outputs.add(NumPyFile.encode(u.reshaped(originalShape)), to: fileURL(output))
    try outputs.commit()
    printError("wrote \(output): \(originalShape.map(String.init).joined(separator: "×")) \(op), σ = \(sigma), input \(physics.input)")
  }
}
