import ArgumentParser

@main
struct LEMMSE: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lemmse",
    abstract: "The local-equivariant MMSE theory of CNN solvers of imaging inverse problems.",
    discussion: """
      Conventions: images are N×C×H×W float32 in [0, 1] (PyTorch's layout); measurements are \
      y = A x + σ e with e standard Gaussian on every pixel; deconvolution is a circular true \
      convolution with the kernel centred at k[Kh/2, Kw/2]. Start with 'lemmse demo'.
      """,
    subcommands: [DemoCommand.self, MeasureCommand.self, EstimateCommand.self, TrainCommand.self, ApplyCommand.self, ExperimentCommand.self],
    defaultSubcommand: nil)
}
