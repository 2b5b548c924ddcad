import Tensors

/// An exponential moving average of the weights (Polyak averaging; the EMA weights the paper evaluates).
///
/// ```
/// θ̄ ← d · θ̄ + (1 − d) · θ      after every optimiser step; θ̄ starts at θ
/// ```
public final class ExponentialMovingAverage {
  /// The parameters averaged, in the order of `averages`.
  public let parameters: [Parameter]
  /// `d`, e.g. 0.999.
  public let decay: Float
  /// `θ̄`, one tensor per parameter, in order.
  public private(set) var averages: [Tensor]

  /// An average that starts at the current values of `parameters`; `0 ≤ decay < 1`.
  public init(parameters: [Parameter], decay: Float) {
    precondition(decay >= 0 && decay < 1, "ExponentialMovingAverage decay must lie in [0, 1), got \(decay)")
    self.parameters = parameters
    self.decay = decay
    averages = parameters.map(\.value)
  }

  /// Folds the current weights into the average.
  public func update() {
    for (index, parameter) in parameters.enumerated() {
      parameter.value.withUnsafeBufferPointer { theta in
        averages[index].withUnsafeMutableBufferPointer { average in
          for i in average.indices { average[i] = decay * average[i] + (1 - decay) * theta[i] }
        }
      }
    }
  }

  /// Writes `θ̄` into the parameters (the weights to evaluate).
  public func copyAveragesToParameters() {
    for (index, parameter) in parameters.enumerated() { parameter.value = averages[index] }
  }

  /// Restores averages written from `averages`.
  ///
  /// - Throws: `NetworkError.missingTensor` if the count or a shape differs from the parameters'.
  public func restore(averages restored: [Tensor]) throws {
    guard restored.count == averages.count, zip(restored, averages).allSatisfy({ $0.shape == $1.shape }) else {
      throw NetworkError.missingTensor(name: "weight averages")
    }
    averages = restored
  }
}
