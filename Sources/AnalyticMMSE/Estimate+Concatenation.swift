import Tensors

extension Estimate {
  /// The estimates of consecutive groups of test images as one: images and maps stacked along
  /// the first axis; pairs added, the skipped-weight bound, seconds and threads the largest.
  ///
  /// - Precondition: the same kernel, pruning and `C × H × W` in every part.
  public static func concatenated(_ parts: [Estimate]) -> Estimate {
    precondition(!parts.isEmpty, "nothing to concatenate")
    guard parts.count > 1 else { return parts[0] }
    func stacked(_ tensors: [Tensor]) -> Tensor {
      Tensor(shape: [tensors.reduce(0) { $0 + $1.shape[0] }] + tensors[0].shape.dropFirst(), scalars: tensors.flatMap(\.scalars))
    }
    var statistics = parts[0].statistics
    statistics.candidatePairs = parts.reduce(0) { $0 + $1.statistics.candidatePairs }
    statistics.skippedPairs = parts.reduce(0) { $0 + $1.statistics.skippedPairs }
    statistics.skippedWeightBound = parts.map(\.statistics.skippedWeightBound).max()!
    statistics.seconds = parts.map(\.statistics.seconds).max()!
    statistics.threads = parts.map(\.statistics.threads).max()!
    return Estimate(images: stacked(parts.map(\.images)), effectiveCandidates: stacked(parts.map(\.effectiveCandidates)),
                    logDensity: stacked(parts.map(\.logDensity)), statistics: statistics)
  }
}
