/// A one-line error found while a command runs (after argument validation), printed as it is
/// by `LEMMSE.main`, without argument-parser's usage text.
struct CommandError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
