import ArgumentParser

@main
struct LEMMSE: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lemmse",
    abstract: "The local-equivariant MMSE theory of CNN solvers of imaging inverse problems.")
}
