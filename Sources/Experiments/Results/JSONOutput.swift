import Foundation
import DataFiles

/// Any value as pretty, key-sorted JSON, non-finite numbers as "inf", "-inf" and "nan": the
/// form of every JSON file the project writes.
public func encodedJSON<Value: Encodable>(_ value: Value) throws -> Data {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
  encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
  return try encoder.encode(value)
}

/// Encodes any value with `encodedJSON(_:)` and writes it atomically.
public func writeJSON<Value: Encodable>(_ value: Value, to url: URL) throws {
  try AtomicFile.write(encodedJSON(value), to: url)
}
