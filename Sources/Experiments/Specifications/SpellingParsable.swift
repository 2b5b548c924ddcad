/// A value that configs and the command line write as one string.
public protocol SpellingParsable: Sendable {
  /// Parses the value's spelling.
  /// - Throws: an error whose description says what was expected.
  init(spelling: String) throws
}
