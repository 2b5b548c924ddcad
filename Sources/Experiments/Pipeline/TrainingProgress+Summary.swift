import Foundation
import NeuralNetworks

extension TrainingProgress {
  /// `epoch 3, loss 0.01234, 5120 img/s`: the progress line of every command that trains.
  public var summary: String {
    String(format: "epoch %d, loss %.5f, %.0f img/s", epoch + 1, loss, imagesPerSecond)
  }
}
