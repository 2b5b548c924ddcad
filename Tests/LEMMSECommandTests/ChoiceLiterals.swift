import Experiments
import DataFiles
import Foundation

// Test-only spellings of the typed choices as string literals, so grids read as configs do.
// A literal that does not parse stops the test: these are the tests' own constants.

extension OperatorChoice: ExpressibleByStringLiteral {
  public init(stringLiteral name: String) { try! self.init(name: name) }
}

extension InputChoice: ExpressibleByStringLiteral {
  public init(stringLiteral text: String) { try! self.init(parsing: text) }
}

extension Spelled: ExpressibleByStringLiteral, ExpressibleByUnicodeScalarLiteral,
  ExpressibleByExtendedGraphemeClusterLiteral where Value == DataSetSource {
  /// A data set spelling; a name that is not one (`"a"`) stands for a `.npy` file of that name.
  public init(stringLiteral text: String) {
    self = (try? Spelled(text)) ?? Spelled(spelling: text, value: .numpy(URL(fileURLWithPath: text)))
  }
}
