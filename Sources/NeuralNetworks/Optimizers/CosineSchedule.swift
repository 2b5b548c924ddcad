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
  public var peakLearningRate: Float
  public var warmupSteps: Int
  public var totalSteps: Int
  public var finalLearningRate: Float

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
