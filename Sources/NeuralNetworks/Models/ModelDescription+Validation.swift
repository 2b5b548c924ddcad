import Tensors

extension ModelDescription {
  /// The ranges every description must respect, wherever it comes from (flags, an experiment
  /// config, the metadata of a checkpoint): generous for the networks of the paper, small
  /// enough that nothing read from outside can ask for a huge allocation.
  public enum Limits {
    /// Image channels `C`.
    public static let channels = 1...64
    /// Every width (channels of a hidden layer).
    public static let width = 1...4096
    /// U-Net levels (the number of widths).
    public static let levels = 1...8
    /// The receptive field `P`.
    public static let patchSize = 1...255
    /// PatchMLP layers.
    public static let depth = 2...256
    /// GroupNorm groups.
    public static let groups = 1...4096
    /// An upper bound on the weights (`~ 4 ×` that many bytes, plus the optimiser's moments).
    public static let parameterCount = 50_000_000
  }

  /// Checks every hyper-parameter against `Limits` and the architecture's own rules, before
  /// anything is allocated; `makeNetwork(seed:)` calls it first.
  ///
  /// - Throws: `NetworkError.invalidValue` whose `name` is the property (`channels`,
  ///   `patchSize`, `widths`, `depth`, `normalization`), so a caller can name its own flag or key.
  public func validate() throws {
    func fail(_ name: String, _ message: String) -> NetworkError { .invalidValue(name: name, message: message) }
    func range(_ range: ClosedRange<Int>) -> String { "\(range.lowerBound)…\(range.upperBound)" }
    guard Limits.channels.contains(channels) else {
      throw fail("channels", "must be in \(range(Limits.channels)) (got \(channels))")
    }
    if let scale = inputScale, !(scale.isFinite && scale > 0) {
      throw fail("inputScale", "must be a finite number > 0 (got \(scale))")
    }
    switch architecture {
    case .patchMLP, .resNet:
      guard widths.count == 1 else { throw fail("widths", "must hold one width for \(architecture) (got \(widths))") }
    case .localUNet, .classicUNet:
      guard Limits.levels.contains(widths.count) else {
        throw fail("widths", "must hold one width per level, \(range(Limits.levels)) levels (got \(widths.count))")
      }
    }
    if let bad = widths.first(where: { !Limits.width.contains($0) }) {
      throw fail("widths", "must be in \(range(Limits.width)) each (got \(bad))")
    }
    if architecture == .classicUNet {
      guard patchSize == nil else { throw fail("patchSize", "is not used by the classic U-Net (got \(patchSize!))") }
    } else {
      guard let patchSize else { throw fail("patchSize", "is required for \(architecture)") }
      let smallest = architecture == .resNet ? 3 : 1
      guard patchSize >= smallest, patchSize <= Limits.patchSize.upperBound, patchSize % 2 == 1 else {
        throw fail("patchSize", "must be odd in \(smallest)…\(Limits.patchSize.upperBound) for \(architecture) (got \(patchSize))")
      }
    }
    if architecture == .patchMLP {
      guard let depth else { throw fail("depth", "is required for patchMLP") }
      guard Limits.depth.contains(depth) else { throw fail("depth", "must be in \(range(Limits.depth)) (got \(depth))") }
    }
    if case let .group(groups) = normalization, !Limits.groups.contains(groups) {
      throw fail("normalization", "group count must be in \(range(Limits.groups)) (got \(groups))")
    }
    guard let count = parameterCountBound, count <= Limits.parameterCount else {
      throw fail("widths", "would give a network of more than \(Limits.parameterCount) weights (widths \(widths), P \(patchSize.map(String.init) ?? "–"), depth \(depth.map(String.init) ?? "–")); use smaller widths, depth or P")
    }
  }

  /// An upper bound on the number of weights (every U-Net kernel counted as 3 × 3), or `nil`
  /// on overflow. Assumes the single-value ranges have been checked.
  var parameterCountBound: Int? {
    typealias S = ShapeArithmetic
    let input = channels + (noiseConditional ? 1 : 0)
    func conv(_ inputs: Int, _ outputs: Int, _ kernel: Int) -> Int? {
      S.elementCount([inputs, outputs, kernel, kernel]).flatMap { S.sum($0, outputs) }
    }
    func total(_ parts: [Int?]) -> Int? {
      parts.reduce(0 as Int?) { sum, part in sum.flatMap { sum in part.flatMap { S.sum(sum, $0) } } }
    }
    switch architecture {
    case .patchMLP:
      let width = widths[0], hidden = (depth ?? 2) - 2
      let layer = (residualBlocks ?? false) ? total([conv(width, width, 1), conv(width, width, 1), 2 * width]) : conv(width, width, 1)
      return total([conv(input, width, patchSize ?? 1), layer.flatMap { S.product($0, hidden) }, conv(width, channels, 1)])
    case .resNet:
      let width = widths[0], blocks = ((patchSize ?? 3) - 3) / 2
      return total([conv(input, width, 3), total([conv(width, width, 3), 2 * width]).flatMap { S.product($0, blocks) },
                    conv(width, channels, 1)])
    case .localUNet, .classicUNet:
      var parts: [Int?] = [conv(widths[0], channels, 1)]
      for (level, width) in widths.enumerated() {
        let previous = level == 0 ? input : widths[level - 1]
        parts += [conv(previous, width, 3), conv(width, width, 3), 4 * width]
        if level + 1 < widths.count {
          parts += [conv(widths[level + 1] + width, width, 3), conv(width, width, 3), 4 * width]
        }
      }
      return total(parts)
    }
  }
}
