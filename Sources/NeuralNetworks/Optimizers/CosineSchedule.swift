import Foundation

/// A learning rate with linear warm-up and cosine decay
/// ([Loshchilov & Hutter 2017, SGDR](https://arxiv.org/abs/1608.03983); [Goyal et al. 2017](https://arxiv.org/abs/1706.02677) for warm-up).
///
/// ```
/// η(t) = η_peak · (t + 1) / T_w                                            t < T_w
/// η(t) = η_final + ½ (η_peak − η_final) (1 + cos(π (t − T_w) / (T − T_w)))   T_w ≤ t < T
/// η(t) = η_final                                                           t ≥ T
/// ```
/// `t` counts optimiser steps from 0.
public struct CosineSchedule: Codable, Equatable, Sendable {
  /// `η_peak`, reached at the end of the warm-up.
  public var peakLearningRate: Float
  /// `T_w`, the steps of the linear warm-up (0: none).
  public var warmupSteps: Int
  /// `T`, the step at which `η_final` is reached.
  public var totalSteps: Int
  /// `η_final`, the rate from step `T` on.
  public var finalLearningRate: Float

  /// A schedule over `totalSteps` steps; `0 ≤ warmupSteps ≤ totalSteps`.
  public init(peakLearningRate: Float, warmupSteps: Int = 0, totalSteps: Int, finalLearningRate: Float = 0) {
    precondition(warmupSteps >= 0 && totalSteps >= warmupSteps,
                 "CosineSchedule needs 0 ≤ warmupSteps ≤ totalSteps, got \(warmupSteps) and \(totalSteps)")
    self.peakLearningRate = peakLearningRate
    self.warmupSteps = warmupSteps
    self.totalSteps = totalSteps
    self.finalLearningRate = finalLearningRate
  }

  /// `η(t)`.
  public func learningRate(atStep step: Int) -> Float {
    if step < warmupSteps { return peakLearningRate * Float(step + 1) / Float(warmupSteps) }
    if step >= totalSteps { return finalLearningRate }
    let progress = Double(step - warmupSteps) / Double(Swift.max(1, totalSteps - warmupSteps))
    return finalLearningRate + 0.5 * (peakLearningRate - finalLearningRate) * Float(1 + cos(Double.pi * progress))
  }
}
