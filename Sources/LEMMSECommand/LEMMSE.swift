import ArgumentParser
import Cluster
import Foundation
import Tensors

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
    let world = Cluster.world
    guard world.size > 1 else {
      do {
        var command = try parseAsRoot()
        try command.run()
        world.finish()  // MPI started for `mpirun -np 1` ends here
      } catch {
        world.finish()
        let code = exitCode(for: error)
        guard code != .success else { exit(withError: error) }  // --help, --version: the full text
        report(error)
        Foundation.exit(code.rawValue)
      }
      return
    }
    // Under mpirun: every rank parses and runs; rank 0 alone prints, and MPI ends on every rank.
    // The ranks on one machine share its cores.
    Parallel.shareCores(among: Cluster.localProcesses)
    var code: Int32 = 0
    do {
      var command = try parseOnEveryRank(world)
      // Help and the like print once, from rank 0.
      if distributedCommands.contains(where: { $0 == type(of: command) }) || world.rank == 0 { try command.run() }
    } catch is PeerFailure {
      code = 1
    } catch {
      code = exitCode(for: error).rawValue
      if world.rank == 0 {
        if code == 0 { print(fullMessage(for: error)) } else { report(error) }
      }
    }
    world.finish()
    Foundation.exit(code)
  }

  /// The commands that split their work over MPI ranks; the others are refused under mpirun.
  static let distributedCommands: [any ParsableCommand.Type] = [EstimateCommand.self, TrainCommand.self, ExperimentCommand.self]

  /// One line on standard error: `lemmse: MESSAGE`.
  private static func report(_ error: any Error) {
    let message = oneLine(message(for: error))
    printError("lemmse: " + (message.isEmpty ? "failed (\(error))" : message))
  }

  /// The command, once every rank has parsed its arguments: a rank's own error is thrown on
  /// that rank (reported if it is rank 0); another rank's error ends rank 0 with that rank's
  /// line and the rest quietly. Only `distributedCommands` split their work over ranks.
  private static func parseOnEveryRank(_ world: any Communicator) throws -> any ParsableCommand {
    var parsed: (any ParsableCommand)?
    var failure: (any Error)?
    do {
      let command = try parseAsRoot()
      let refused = configuration.subcommands.filter { subcommand in !distributedCommands.contains { $0 == subcommand } }
      guard !refused.contains(where: { $0 == type(of: command) }) else {
        throw CommandError("under mpirun only 'lemmse estimate', 'lemmse train' and 'lemmse experiment' split their work over ranks; run this command as one process")
      }
      parsed = command
    } catch {
      failure = error
    }
    let text = failure.map { exitCode(for: $0) == .success ? " " : oneLine(message(for: $0)) } ?? ""
    let all = world.allGather(Data(text.utf8))
    if let failure { throw failure }
    if let first = all.firstIndex(where: { !$0.isEmpty }) {
      let message = String(decoding: all[first], as: UTF8.self)
      guard world.rank == 0, message != " " else { throw PeerFailure() }
      throw CommandError("rank \(first): \(message)")
    }
    return parsed!
  }

  /// `text` on one line: line breaks become "; ", control characters are dropped.
  static func oneLine(_ text: String) -> String {
    let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    return String(String.UnicodeScalarView(lines.joined(separator: "; ").unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
  }
}
