import ArgumentParser
import Experiments
import Foundation
import Tensors
import DataFiles
import Physics
import AnalyticMMSE
import NeuralNetworks

extension EstimatorKind: ExpressibleByArgument {}
extension Padding: ExpressibleByArgument {}
extension DataSplit: ExpressibleByArgument {}
extension ColorMode: ExpressibleByArgument {}

let dataReferenceHelp = """
  A .npy file of N×C×H×W (or C×H×W) images in [0, 1], or a data set: fashion-mnist:DIR, \
  cifar10:DIR, folder:DIR (PNG/JPEG files), ffhq:DIR; a bare fashion-mnist, cifar10 or ffhq \
  searches $LEMMSE_DATA, ./data and ../shared/data.
  """

/// Which images of a data set to load.
struct SelectionOptions: ParsableArguments {
  @Option(name: [.customLong("count"), .customLong("train-count")], parsing: .unconditional,
          help: "How many images to take (default: all).")
  var count: Int?
  @Option(name: [.customLong("offset"), .customLong("train-offset")], parsing: .unconditional,
          help: "How many images to skip first.")
  var offset: Int = 0
  @Option(name: [.customLong("split"), .customLong("train-split")], help: "train or test.")
  var split: DataSplit = .train
  @Option(help: "native, grey or rgb.")
  var color: ColorMode = .native
  @Option(name: .customLong("image-size"), parsing: .unconditional,
          help: "Resize folder images (area average) and centre-crop to this size (1 … 4096).")
  var imageSize: Int?

  func validate() throws {
    if let count, count <= 0 { throw ValidationError("--count must be positive (got \(count))") }
    if offset < 0 { throw ValidationError("--offset must be ≥ 0 (got \(offset))") }
    if let imageSize, !(1...4096).contains(imageSize) { throw ValidationError("--image-size must be in 1 … 4096 (got \(imageSize))") }
    if let count, ShapeArithmetic.sum(offset, count) == nil {
      throw ValidationError("--offset \(offset) + --count \(count) is beyond any data set")
    }
  }

  /// Loads `reference`, keeping a `.npy` file's own rank in `originalShape`.
  func load(_ reference: String) throws -> (images: Tensor, originalShape: [Int]) {
    let source = try DataSetSource(parsing: reference)
    let images = try DataSets.load(DataSetRequest(source: source, split: split, count: count, offset: offset,
                                                  color: color, imageSize: imageSize))
    // The loaders refuse empty and non-finite image sets; this names the flag if one slips through.
    guard images.rank == 4, images.count > 0 else {
      throw CommandError("\(reference): no images (shape \(images.shape)); expected N×C×H×W with every extent ≥ 1")
    }
    if let bad = images.firstNonFiniteDescription { throw CommandError("\(reference): has \(bad); expected images in [0, 1]") }
    if let index = images.scalars.firstIndex(where: { Swift.abs($0) > AnalyticEstimator.valueLimit }) {
      throw CommandError("\(reference): has \(images.scalars[index]) at [\(images.multiIndex(ofFlat: index).map(String.init).joined(separator: ", "))]; expected images in [0, 1]")
    }
    var originalShape = images.shape
    if case let .numpy(url) = source, count == nil, offset == 0, color == .native {
      let raw = try NumPyFile.read(contentsOf: url)
      if raw.count == images.count { originalShape = raw.shape }
    }
    return (images, originalShape)
  }
}

/// The forward operator, shared by every command that measures or estimates.
struct OperatorOptions: ParsableArguments {
  @Option(name: .customLong("operator"), help: """
    denoising, inpainting, deconvolution, or a preset: \(OperatorPreset.allCases.map(\.rawValue).joined(separator: ", ")).
    """)
  var operatorName: String
  @Option(help: "Inpainting mask: FILE.npy, FILE.png, box:TOP,LEFT,HEIGHT,WIDTH, center:SIZE or random:DROP_FRACTION,SEED.")
  var mask: String?
  @Option(help: "Deconvolution kernel: FILE.npy, gaussian:STD[,SIZE], defocus:RADIUS or box:SIZE.")
  var kernel: String?
  @Option(help: "What the estimator sees: agnostic (u = y), adjoint (Aᵀy), wiener:λ or inverse:ε.",
          transform: { try EstimatorInput(parsing: $0) })
  var input: EstimatorInput = .agnostic

  func validate() throws { _ = try choice }

  /// `--operator`, `--mask` and `--kernel`, parsed.
  var choice: OperatorChoice {
    get throws {
      do { return try OperatorChoice(name: operatorName, mask: mask, kernel: kernel) } catch let error as PhysicsError {
        throw ValidationError(error.description)
      }
    }
  }

  var specification: OperatorSpecification { get throws { try choice.specification } }

  /// The operator for `height × width` images, its mask or kernel checked against them.
  func makeOperator(height: Int, width: Int) throws -> ForwardOperator {
    do {
      return try specification.makeOperator(height: height, width: width)
    } catch let error as PhysicsError {
      throw CommandError("\(mask != nil ? "--mask" : kernel != nil ? "--kernel" : "--operator"): \(error.description)")
    }
  }
  var estimatorInput: EstimatorInput { input }
}

/// Resolves a path against the current directory.
func fileURL(_ path: String) -> URL { URL(fileURLWithPath: path) }

/// Writes `message` to standard error.
func printError(_ message: String) {
  FileHandle.standardError.write(Data((message + "\n").utf8))
}
