import Tensors

extension TrainingRun {
  /// Images `n·s/S ..< n·(s+1)/S` of a batch of `n`: share `s` of `S` (empty when `n < S`).
  static func members(ofShare share: Int, of shares: Int, batch count: Int) -> Range<Int> {
    count * share / shares ..< count * (share + 1) / shares
  }

  /// Shares `S·r/K ..< S·(r+1)/K`: the consecutive shares rank `r` of `K` computes.
  static func shares(ofRank rank: Int, ranks: Int, shares: Int) -> Range<Int> {
    shares * rank / ranks ..< shares * (rank + 1) / ranks
  }

  /// One step's loss and gradients from the batch's fixed shares: this rank runs its shares
  /// forward and backward (each from the same running statistics), every rank's shares are
  /// gathered, and all are folded in share order — the squared errors in `Double`, the gradients
  /// in `Float` from share 0 on, the running statistics as the mean of the shares' — into the
  /// parameters' gradients and the buffers. The arithmetic is the same with one process or K,
  /// so the step is too, bit for bit.
  ///
  /// Returns the batch's mean squared error (non-finite when the step must not be taken).
  mutating func sharedGradients(input: Tensor, clean: Tensor, sigma: [Float]) -> Float {
    let count = clean.imageBatchShape.count, shareCount = configuration.batchShares
    let buffers = network.buffers
    let startingStatistics = buffers.map(\.value)
    let gradientCount = parameters.reduce(0) { $0 + $1.gradient.count }
    let statisticsCount = buffers.reduce(0) { $0 + $1.value.count }
    // The loss gradient of every share is scaled by the whole batch, as one pass would be.
    let scale = 2 / Float(clean.count)
    let mine = Self.shares(ofRank: exchange?.rank ?? 0, ranks: exchange?.size ?? 1, shares: shareCount)

    // Per non-empty share of this rank: [squared error, gradients…, statistics…].
    var message: [Double] = []
    message.reserveCapacity(mine.count * (1 + gradientCount + statisticsCount))
    for share in mine {
      let members = Self.members(ofShare: share, of: shareCount, batch: count)
      guard !members.isEmpty else { continue }
      for (buffer, value) in zip(buffers, startingStatistics) { buffer.value = value }
      network.zeroGradients()
      let indices = Array(members)
      let output = network.forward(gatherImages(input, indices),
                                   sigma: network.isNoiseConditional ? Array(sigma[members]) : nil)
      var gradient = output - gatherImages(clean, indices)
      message.append(gradient.dot(gradient))
      gradient *= scale
      _ = network.backward(gradient)
      for parameter in parameters { parameter.gradient.withUnsafeBufferPointer { message += $0.lazy.map(Double.init) } }
      for buffer in buffers { buffer.value.withUnsafeBufferPointer { message += $0.lazy.map(Double.init) } }
    }
    let all = exchange.map { $0.allGather(message).flatMap { $0 } } ?? message

    // Fold every non-empty share in share order.
    let stride = 1 + gradientCount + statisticsCount
    let filled = (0..<shareCount).filter { !Self.members(ofShare: $0, of: shareCount, batch: count).isEmpty }.count
    precondition(all.count == filled * stride, "the ranks sent \(all.count) values for \(filled) shares of \(stride)")
    var squaredError = 0.0
    var gradients = [Float](repeating: 0, count: gradientCount)
    var statistics = [Float](repeating: 0, count: statisticsCount)
    for share in 0..<filled {
      let base = share * stride
      squaredError += all[base]
      for index in 0..<gradientCount {
        let value = Float(all[base + 1 + index])
        gradients[index] = share == 0 ? value : gradients[index] + value
      }
      for index in 0..<statisticsCount {
        let value = Float(all[base + 1 + gradientCount + index])
        statistics[index] = share == 0 ? value : statistics[index] + value
      }
    }
    var offset = 0
    for parameter in parameters {
      let length = parameter.gradient.count
      parameter.gradient.withUnsafeMutableBufferPointer { target in
        for index in 0..<length { target[index] = gradients[offset + index] }
      }
      offset += length
    }
    offset = 0
    for buffer in buffers {
      let length = buffer.value.count
      buffer.value.withUnsafeMutableBufferPointer { target in
        for index in 0..<length { target[index] = statistics[offset + index] / Float(filled) }
      }
      offset += length
    }
    return Float(squaredError / Double(clean.count))
  }
}
