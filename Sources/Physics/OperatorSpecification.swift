import Tensors

/// An operator as the command line and the experiment configs name it: a family with its
/// mask or kernel, or one of the paper's presets.
public enum OperatorSpecification: Equatable, Sendable, CustomStringConvertible {
  /// `A = I`.
  case denoising
  /// `A x = M ⊙ x` with the mask the specification names.
  case inpainting(MaskSpecification)
  /// Circular true convolution with the kernel the specification names.
  case deconvolution(KernelSpecification)

  /// Parses `--operator NAME [--mask MASK] [--kernel KERNEL]`.
  ///
  /// `NAME` is `denoising`, `inpainting` (needs a mask), `deconvolution` (needs a kernel) or a
  /// preset of `OperatorPreset`, which fixes its own mask or kernel. The family is
  /// case-insensitive, a preset is not.
  /// - Throws: `PhysicsError.unknownOperator` for another name;
  ///   `PhysicsError.invalidSpecification` for a missing, superfluous or malformed mask or kernel.
  public init(name: String, mask: String? = nil, kernel: String? = nil) throws {
    if let preset = OperatorPreset(rawValue: name) {
      guard mask == nil, kernel == nil else {
        throw PhysicsError.invalidSpecification(
          "operator preset '\(name)' fixes its own mask and kernel; drop --mask/--kernel or use 'inpainting'/'deconvolution'")
      }
      self = preset.specification
      return
    }
    switch name.lowercased() {
    case "denoising":
      guard mask == nil, kernel == nil else {
        throw PhysicsError.invalidSpecification("operator 'denoising' takes no --mask or --kernel")
      }
      self = .denoising
    case "inpainting":
      guard let mask else {
        throw PhysicsError.invalidSpecification(
          "operator 'inpainting' needs --mask (FILE.npy, FILE.png, box:TOP,LEFT,HEIGHT,WIDTH, center:SIZE or random:DROP_FRACTION,SEED)")
      }
      guard kernel == nil else { throw PhysicsError.invalidSpecification("operator 'inpainting' takes no --kernel") }
      self = .inpainting(try MaskSpecification(parsing: mask))
    case "deconvolution", "convolution", "deblurring":
      guard let kernel else {
        throw PhysicsError.invalidSpecification(
          "operator 'deconvolution' needs --kernel (FILE.npy, gaussian:STD[,SIZE], defocus:RADIUS or box:SIZE)")
      }
      guard mask == nil else { throw PhysicsError.invalidSpecification("operator 'deconvolution' takes no --mask") }
      self = .deconvolution(try KernelSpecification(parsing: kernel))
    default:
      throw PhysicsError.unknownOperator(name)
    }
  }

  /// The operator for `height × width` images; files named by the specification come from
  /// `loadFile`.
  /// - Throws: `PhysicsError.invalidMask` or `.invalidKernel` when the mask or kernel does not
  ///   fit the images or a file's contents are unusable; whatever `loadFile` throws.
  public func makeOperator(height: Int, width: Int, loadFile: (String) throws -> Tensor) throws -> ForwardOperator {
    let result: ForwardOperator
    switch self {
    case .denoising:
      result = .denoising
    case let .inpainting(mask):
      result = .inpainting(Inpainting(mask: try mask.makeMask(height: height, width: width, loadFile: loadFile)))
    case let .deconvolution(kernel):
      result = .deconvolution(Deconvolution(kernel: try kernel.makeKernel(height: height, width: width, loadFile: loadFile)))
    }
    try result.validate(height: height, width: width)
    return result
  }

  public var description: String {
    switch self {
    case .denoising: return "denoising"
    case let .inpainting(mask): return "inpainting \(mask)"
    case let .deconvolution(kernel): return "deconvolution \(kernel)"
    }
  }
}

/// The paper's operators, by the names the experiments use.
public enum OperatorPreset: String, CaseIterable, Codable, Sendable {
  /// `A = I`.
  case denoising
  /// A 15 × 15 hole centred in the image.
  case inpaintingCenter15 = "inpainting_center_15"
  /// 30 % of the pixels dropped independently, one mask for all channels, seed 0.
  case inpaintingRandom30 = "inpainting_random_30"
  /// Gaussian blur of standard deviation 1 (9 × 9).
  case convolutionGaussian1 = "convolution_gaussian_1.0"
  /// Defocus disk of radius 2.5 (5 × 5).
  case convolutionDefocus2_5 = "convolution_defocus_2.5"

  /// The preset as a family with its fixed mask or kernel, to build with
  /// `OperatorSpecification.makeOperator(height:width:loadFile:)` for the images' size.
  public var specification: OperatorSpecification {
    switch self {
    case .denoising: return .denoising
    case .inpaintingCenter15: return .inpainting(.center(size: 15))
    case .inpaintingRandom30: return .inpainting(.random(dropFraction: 0.3, seed: 0))
    case .convolutionGaussian1: return .deconvolution(.gaussian(standardDeviation: 1.0, size: nil))
    case .convolutionDefocus2_5: return .deconvolution(.defocus(radius: 2.5))
    }
  }
}
