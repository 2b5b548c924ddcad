/// A bad input found while a command runs (a file's contents, the data against the flags): one
/// line naming the input, printed as `Error: …` without the usage text a `ValidationError`
/// adds, for the flags themselves are fine.
struct CommandFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
