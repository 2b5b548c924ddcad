import DataFiles

/// A problem with an experiment's configuration or data, found before any work starts.
public enum ExperimentError: Error, Equatable, CustomStringConvertible {
  /// A key the config does not know (`models.` prefixed inside `models`), with the keys allowed there.
  case unknownKey(String, allowed: [String])
  /// A value that is missing, of the wrong type or out of range, at the dotted `key` path
  /// (`models[0].patch`); `message` says what was expected.
  case invalidValue(key: String, message: String)
  /// A config file that is missing, a folder, unreadable, or not a JSON object; the message
  /// names the file.
  case unreadableConfig(String)

  public var description: String {
    switch self {
    // Keys and values come from the config file: escaped, so no config can break the one line.
    case let .unknownKey(key, allowed): return "unknown key '\(key.quotedForMessage())' in the config; allowed keys: \(allowed.joined(separator: ", "))"
    case let .invalidValue(key, message): return "config key '\(key.quotedForMessage())': \(message.escapingControlCharacters)"
    case let .unreadableConfig(message): return message.escapingControlCharacters
    }
  }
}
