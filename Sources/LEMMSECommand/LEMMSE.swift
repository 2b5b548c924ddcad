import ArgumentParser
import Foundation

@main
struct LEMMSE: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lemmse",
    abstract: "The local-equivariant MMSE theory of CNN solvers of imaging inverse problems.",
    discussion: """
      Conventions: images are N×C×H×W float32 in [0, 1] (PyTorch's layout); measurements are \
      y = A x + σ e with e standard Gaussian on every pixel; deconvolution is a circular true \
      convolution with the kernel centred at k[Kh/2, Kw/2]. Bad input stops a command with one \
      line on standard error and exit code 1 (64 for misused flags) before anything is written. \
      Start with 'lemmse demo'.
      """,
    subcommands: [DemoCommand.self, MeasureCommand.self, EstimateCommand.self, MergeCommand.self, TrainCommand.self, ApplyCommand.self, CompareCommand.self, ExperimentCommand.self],
    defaultSubcommand: nil)

  /// Runs the command; an error becomes one line on standard error and a non-zero exit.
  ///
  /// argument-parser's own `main()` follows a validation error with the usage text; here the
  /// promise is one line per error, so usage goes only with `--help`.
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      let code = exitCode(for: error)
      guard code != .success else { exit(withError: error) }  // --help, --version: the full text
      let message = oneLine(message(for: error))
      printError("lemmse: " + (message.isEmpty ? "failed (\(error))" : message))
      Foundation.exit(code.rawValue)
    }
  }

  /// `text` on one line: line breaks become "; ", control characters are dropped.
  static func oneLine(_ text: String) -> String {
    let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    return String(String.UnicodeScalarView(lines.joined(separator: "; ").unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
  }
}
