import DataFiles

/// A value together with the string it was written as: parsed once, when it is read (so a bad
/// value fails at decode time, naming its key), and kept with its spelling, so run folders,
/// tables and records show what the user wrote.
///
/// Encodes as the spelling alone: `"fashion-mnist"`, not an object.
public struct Spelled<Value: SpellingParsable>: Codable, Hashable, Sendable, CustomStringConvertible {
  /// The string as written.
  public let spelling: String
  /// What it means.
  public let value: Value

  /// Parses `spelling`.
  /// - Throws: the parsing error of `Value`.
  public init(_ spelling: String) throws {
    self.spelling = spelling
    value = try Value(spelling: spelling)
  }

  /// A value whose meaning was settled elsewhere (e.g. the demo's embedded data set), shown as `spelling`.
  public init(spelling: String, value: Value) {
    self.spelling = spelling
    self.value = value
  }

  public init(from decoder: any Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    do { try self.init(text) } catch {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(spelling)
  }

  public static func == (a: Self, b: Self) -> Bool { a.spelling == b.spelling }
  public func hash(into hasher: inout Hasher) { hasher.combine(spelling) }
  public var description: String { spelling }
}

/// A data set as configs and the command line name it.
public typealias DataSetChoice = Spelled<DataSetSource>
