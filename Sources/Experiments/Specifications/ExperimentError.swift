import DataFiles

/// A problem with an experiment's configuration or data, found before any work starts.
public enum ExperimentError: Error, Equatable, CustomStringConvertible {
  case unknownKey(String, allowed: [String])
  case invalidValue(key: String, message: String)
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
