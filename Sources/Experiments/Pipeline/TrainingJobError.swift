/// Why training stopped without a usable network. The same error, with the same advice, from
/// `lemmse demo`, `lemmse train` and `lemmse experiment`.
public enum TrainingJobError: Error, Equatable, CustomStringConvertible {
  /// The loss became NaN or ±∞ at `step` (from 0) of `epoch` (from 0).
  case diverged(step: Int, epoch: Int, loss: Float, learningRate: Float)
  /// Training ended with a NaN or ±∞ in the parameter `name`.
  case nonFiniteWeight(name: String, learningRate: Float)

  public var description: String {
    switch self {
    case let .diverged(step, epoch, loss, learningRate):
      return "training diverged: the loss became \(loss) at step \(step) (epoch \(epoch)) with learning rate \(learningRate); lower the learning rate"
    case let .nonFiniteWeight(name, learningRate):
      return "training left a non-finite weight in '\(name)' with learning rate \(learningRate); lower the learning rate"
    }
  }
}
