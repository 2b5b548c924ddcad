extension Normalization: CustomStringConvertible {
  /// Parses the command-line and config spelling: `none`, `batch` or `group:G` (`G ≥ 1`).
  /// - Throws: `NetworkError.invalidValue(name: "normalization", …)`.
  public init(parsing text: String) throws {
    if text == "none" { self = .none; return }
    if text == "batch" { self = .batch; return }
    if text.hasPrefix("group:"), let groups = Int(text.dropFirst(6)), groups > 0 { self = .group(groups: groups); return }
    throw NetworkError.invalidValue(name: "normalization", message: "expected none, batch or group:G (got \(text))")
  }

  /// `none`, `batch` or `group:G`.
  public var description: String {
    switch self {
    case .none: return "none"
    case .batch: return "batch"
    case let .group(groups): return "group:\(groups)"
    }
  }
}
