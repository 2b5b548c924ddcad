import Tensors

/// A first-order optimiser: it updates a fixed list of parameters from the gradients their
/// layers accumulated, one step at a time.
///
/// ```swift
/// let optimizer: any Optimizer = AdamW(parameters: network.parameters, weightDecay: 0.01)
/// for step in 0..<totalSteps {
///   network.zeroGradients()
///   _ = network.backward(lossGradient(network.forward(x)))
///   optimizer.update(learningRate: schedule.learningRate(atStep: step))
/// }
/// let saved = (optimizer.step, optimizer.stateTensors)         // into a checkpoint
/// try fresh.restore(step: saved.0, tensors: saved.1)           // continues exactly
/// ```
///
/// The learning rate is an argument of every update rather than a property because the schedule
/// (`CosineSchedule`) owns it: an optimiser's state is then only its step count and its moments,
/// and a resumed run needs nothing else to continue bit for bit.
public protocol Optimizer: AnyObject {
  /// The parameters it updates, in the order of its state tensors.
  var parameters: [Parameter] { get }
  /// The number of updates applied so far, `t`.
  var step: Int { get }
  /// Applies one update with learning rate `η` from the gradients accumulated in `parameters`,
  /// and increments `step`.
  func update(learningRate: Float)
  /// The state besides `step` that continues a run exactly (e.g. Adam's moments), by name.
  var stateTensors: [String: Tensor] { get }
  /// Restores a state written by `stateTensors` after `step` updates.
  ///
  /// - Throws: `NetworkError.missingTensor` if a tensor is missing or has another size (a state
  ///   written for other parameters).
  func restore(step: Int, tensors: [String: Tensor]) throws
}
