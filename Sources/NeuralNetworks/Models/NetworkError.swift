/// What went wrong building, running or loading a network, with the values that caused it.
public enum NetworkError: Error, Equatable, CustomStringConvertible {
  /// The architecture cannot have receptive field `patchSize`.
  case invalidPatchSize(architecture: String, patchSize: Int, reason: String)
  /// Some other hyper-parameter is out of range.
  case invalidConfiguration(String)
  /// The classic U-Net halves the image `levels − 1` times.
  case imageSizeNotDivisible(height: Int, width: Int, divisor: Int)
  /// The input has the wrong number of channels.
  case channelMismatch(expected: Int, got: Int)
  /// A checkpoint lacks a tensor the model needs.
  case missingTensor(name: String)
  /// A checkpoint tensor has the wrong shape.
  case shapeMismatch(name: String, expected: [Int], got: [Int])
  /// A checkpoint holds a tensor the model does not know.
  case unexpectedTensor(name: String)
  /// A hyper-parameter read from outside (a flag, a config, a checkpoint) is out of its range;
  /// `name` is the Swift property (`learningRate`, `widths`), so callers can name their own
  /// flag or key, and `message` says what is allowed and what was given.
  case invalidValue(name: String, message: String)
  /// The training loss became NaN or infinite; training stopped before the update of `step`.
  case diverged(step: Int, epoch: Int, loss: Float)

  /// What failed, with the values, and how to fix it where there is a fix.
  public var description: String {
    switch self {
    case let .invalidPatchSize(architecture, patchSize, reason):
      return "\(architecture) cannot have receptive field P = \(patchSize): \(reason)"
    case let .invalidConfiguration(message):
      return message
    case let .imageSizeNotDivisible(height, width, divisor):
      return "the classic U-Net needs the image height and width divisible by \(divisor), got \(height)×\(width); crop or pad the images, or use fewer levels"
    case let .channelMismatch(expected, got):
      return "the network takes \(expected) channels, the input has \(got)"
    case let .missingTensor(name):
      return "the checkpoint has no tensor '\(name)'; was it written for another architecture?"
    case let .shapeMismatch(name, expected, got):
      return "checkpoint tensor '\(name)' has shape \(got), the model needs \(expected); was it written for another width or P?"
    case let .unexpectedTensor(name):
      return "the checkpoint has a tensor '\(name)' that the model does not use; was it written for another architecture?"
    case let .invalidValue(name, message):
      return "\(name) \(message)"
    case let .diverged(step, epoch, loss):
      return "training diverged: the loss became \(loss) at step \(step) (epoch \(epoch)); lower the learning rate"
    }
  }
}
