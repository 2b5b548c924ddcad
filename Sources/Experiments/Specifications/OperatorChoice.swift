import Physics

/// A forward operator as the user named it — `--operator NAME [--mask MASK] [--kernel KERNEL]`
/// or a config's `"inpainting_center_15"` — parsed once into its `OperatorSpecification`.
///
/// Encodes as the bare name when there is no mask or kernel (configs), else as
/// `{"name": …, "mask": …, "kernel": …}`; `CheckpointDescription` keeps its own flat keys.
public struct OperatorChoice: Codable, Hashable, Sendable, CustomStringConvertible {
  /// `denoising`, `inpainting`, `deconvolution` or a preset name.
  public let name: String
  /// `--mask` as given (a file or a generator such as `center:15`).
  public let mask: String?
  /// `--kernel` as given (a file or a generator such as `gaussian:1`).
  public let kernel: String?
  /// What the three mean.
  public let specification: OperatorSpecification

  /// - Throws: `PhysicsError` for an unknown name, a missing or superfluous mask or kernel, or
  ///   a mask or kernel spelling that does not parse.
  public init(name: String, mask: String? = nil, kernel: String? = nil) throws {
    self.name = name
    self.mask = mask
    self.kernel = kernel
    specification = try OperatorSpecification(name: name, mask: mask, kernel: kernel)
  }

  /// The operator for `height × width` images, reading mask and kernel files where named.
  /// - Throws: `PhysicsError` or `DataFileError` when a file is missing or does not fit.
  public func makeOperator(height: Int, width: Int) throws -> ForwardOperator {
    try specification.makeOperator(height: height, width: width)
  }

  /// `name`, or `name mask` / `name kernel`: for messages.
  public var description: String { ([name] + [mask, kernel].compactMap { $0 }).joined(separator: " ") }

  enum CodingKeys: String, CodingKey { case name, mask, kernel }

  public init(from decoder: any Decoder) throws {
    do {
      if let text = try? decoder.singleValueContainer().decode(String.self) {
        try self.init(name: text)
      } else {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(name: container.decode(String.self, forKey: .name), mask: container.decodeIfPresent(String.self, forKey: .mask),
                      kernel: container.decodeIfPresent(String.self, forKey: .kernel))
      }
    } catch let error as DecodingError {
      throw error
    } catch {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    if mask == nil && kernel == nil {
      var container = encoder.singleValueContainer()
      try container.encode(name)
    } else {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(name, forKey: .name)
      try container.encodeIfPresent(mask, forKey: .mask)
      try container.encodeIfPresent(kernel, forKey: .kernel)
    }
  }

  public static func == (a: Self, b: Self) -> Bool { (a.name, a.mask, a.kernel) == (b.name, b.mask, b.kernel) }
  public func hash(into hasher: inout Hasher) {
    hasher.combine(name)
    hasher.combine(mask)
    hasher.combine(kernel)
  }
}
