import Foundation
import ArgumentParser

/// A comma-separated list as one option value, e.g. `--patch 3,5,7` or `--sigma-range 0,1`.
///
/// Every item must parse as `Element`; an empty item or a stray comma is an error, so
/// `--patch 3,,5` is refused rather than read as `[3, 5]`.
struct CommaSeparated<Element: LosslessStringConvertible & Sendable>: ExpressibleByArgument, CustomStringConvertible, Sendable {
  /// The items, in the order given.
  var values: [Element]

  init(_ values: [Element]) { self.values = values }

  init?(argument: String) {
    var values: [Element] = []
    for item in argument.split(separator: ",", omittingEmptySubsequences: false) {
      guard let value = Element(item.trimmingCharacters(in: .whitespaces)) else { return nil }
      values.append(value)
    }
    self.values = values
  }

  var description: String { values.map(String.init(describing:)).joined(separator: ",") }
  var defaultValueDescription: String { description }
}
