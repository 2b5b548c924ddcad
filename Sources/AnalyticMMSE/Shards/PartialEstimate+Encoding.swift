import Foundation

extension PartialEstimate {
  /// The partial as a JSON header (shard, fingerprint, shapes, kernels, tree nodes) and its
  /// softmax states as one flat `[Double]`: per size, per node, per test image, the `H·W`
  /// maxima, sums, square sums, `H·W·C` weighted sums and `H·W` skipped counts.
  public func encoded() throws -> (header: Data, values: [Double]) {
    let header = Header(
      format: Header.formatName, version: Header.currentVersion, shard: shard,
      fingerprint: String(fingerprint, radix: 16), tests: tests, channels: channels, height: height, width: width,
      pruneThreshold: pruneThreshold, threads: threads,
      sizes: sizes.map { size in
        Header.SizeHeader(kernel: size.kernel, seconds: size.seconds, candidatePairsPerImage: size.candidatePairsPerImage,
                          flushedWeightBound: size.flushedWeightBound, pieceCount: size.part.pieceCount,
                          nodes: size.part.nodes.map { [$0.pieces.lowerBound, $0.pieces.upperBound] })
      })
    var values: [Double] = []
    values.reserveCapacity(sizes.reduce(0) { $0 + $1.part.nodes.count } * tests * pixels * (channels + 4))
    for size in sizes {
      for node in size.part.nodes {
        for accumulator in node.accumulators {
          values += accumulator.maximum
          values += accumulator.sum
          values += accumulator.squareSum
          values += accumulator.weighted
          values += accumulator.skipped.map(Double.init)
        }
      }
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return (try encoder.encode(header), values)
  }

  /// Reads a partial written by `encoded()`, checking every field.
  ///
  /// - Throws: `AnalyticMMSEError.invalidPartial` naming what is wrong: an unreadable header,
  ///   another format or version, impossible sizes or nodes, a value count that does not match
  ///   the header, or a NaN, infinite or negative value where none can be.
  public init(header: Data, values: [Double]) throws {
    func invalid(_ detail: String) -> AnalyticMMSEError { .invalidPartial(detail) }
    let decoded: Header
    do {
      decoded = try JSONDecoder().decode(Header.self, from: header)
    } catch let error as AnalyticMMSEError {
      throw error
    } catch {
      throw invalid("its header is not a partial estimate's JSON (\(Self.describe(error)))")
    }
    guard decoded.format == Header.formatName, decoded.version == Header.currentVersion else {
      throw invalid("format \(decoded.format) version \(decoded.version); expected \(Header.formatName) version \(Header.currentVersion)")
    }
    guard let fingerprint = UInt64(decoded.fingerprint, radix: 16) else { throw invalid("fingerprint \(decoded.fingerprint) is not hexadecimal") }
    for (name, value) in [("tests", decoded.tests), ("channels", decoded.channels), ("height", decoded.height), ("width", decoded.width), ("threads", decoded.threads)]
    where value < 1 {
      throw invalid("\(name) is \(value); expected ≥ 1")
    }
    guard !decoded.sizes.isEmpty else { throw invalid("it holds no patch sizes") }
    if let threshold = decoded.pruneThreshold, !AnalyticEstimator.pruneThresholdRange.contains(threshold) {
      throw invalid("prune threshold \(threshold) is outside \(AnalyticEstimator.pruneThresholdRange)")
    }
    // Sizes in full: a header may claim anything, and the product must match the values exactly.
    func product(_ factors: [Int]) throws -> Int {
      try factors.reduce(1) { total, factor in
        let (result, overflow) = total.multipliedReportingOverflow(by: factor)
        guard !overflow else { throw invalid("its sizes \(factors.map(String.init).joined(separator: " × ")) overflow") }
        return result
      }
    }
    let pixels = try product([decoded.height, decoded.width])
    let perAccumulator = try product([pixels, decoded.channels + 4])
    let nodeCount = decoded.sizes.reduce(0) { $0 + $1.nodes.count }
    let expected = try product([nodeCount, decoded.tests, perAccumulator])
    guard values.count == expected else {
      throw invalid("it holds \(values.count) values; its header describes \(expected)")
    }
    var offset = 0
    var sizes: [Size] = []
    for (k, size) in decoded.sizes.enumerated() {
      guard size.pieceCount >= 1 else { throw invalid("size \(k) has \(size.pieceCount) pieces; expected ≥ 1") }
      guard size.seconds.isFinite, size.seconds >= 0 else { throw invalid("size \(k) took \(size.seconds) seconds; expected ≥ 0") }
      guard size.candidatePairsPerImage >= 0, size.flushedWeightBound.isFinite, size.flushedWeightBound >= 0 else {
        throw invalid("size \(k) has negative or non-finite statistics")
      }
      var nodes: [(pieces: Range<Int>, accumulators: [SoftmaxAccumulator])] = []
      var previousEnd = 0
      for node in size.nodes {
        guard node.count == 2, node[0] >= previousEnd, node[0] < node[1], node[1] <= size.pieceCount else {
          throw invalid("size \(k) has node \(node); expected increasing, disjoint ranges [lo, hi) within 0 ..< \(size.pieceCount)")
        }
        previousEnd = node[1]
        var accumulators: [SoftmaxAccumulator] = []
        for _ in 0..<decoded.tests {
          accumulators.append(try Self.accumulator(values[offset ..< offset + perAccumulator], pixels: pixels,
                                                    channels: decoded.channels, invalid: invalid))
          offset += perAccumulator
        }
        nodes.append((node[0] ..< node[1], accumulators))
      }
      sizes.append(Size(kernel: size.kernel, seconds: size.seconds, candidatePairsPerImage: size.candidatePairsPerImage,
                        flushedWeightBound: size.flushedWeightBound,
                        part: ReductionPart(pieceCount: size.pieceCount, nodes: nodes)))
    }
    self.init(shard: decoded.shard, fingerprint: fingerprint, tests: decoded.tests, channels: decoded.channels,
              height: decoded.height, width: decoded.width, pruneThreshold: decoded.pruneThreshold,
              threads: decoded.threads, sizes: sizes)
  }

  /// One softmax state from its flat values, refusing values no computation produces.
  private static func accumulator(_ values: ArraySlice<Double>, pixels: Int, channels: Int,
                                  invalid: (String) -> AnalyticMMSEError) throws -> SoftmaxAccumulator {
    var accumulator = SoftmaxAccumulator(pixels: pixels, channels: channels)
    var index = values.startIndex
    func take(_ count: Int) -> ArraySlice<Double> {
      defer { index += count }
      return values[index ..< index + count]
    }
    accumulator.maximum = Array(take(pixels))
    accumulator.sum = Array(take(pixels))
    accumulator.squareSum = Array(take(pixels))
    accumulator.weighted = Array(take(pixels * channels))
    let skipped = take(pixels)
    guard !accumulator.maximum.contains(where: { $0.isNaN || $0 == .infinity }) else { throw invalid("a running maximum is NaN or +∞") }
    guard !(accumulator.sum + accumulator.squareSum).contains(where: { !$0.isFinite || $0 < 0 }) else {
      throw invalid("a sum of weights is negative, NaN or infinite")
    }
    guard !accumulator.weighted.contains(where: { !$0.isFinite }) else { throw invalid("a weighted sum is NaN or infinite") }
    guard !skipped.contains(where: { !($0 >= 0 && $0 <= 0x1p53 && $0.rounded() == $0) }) else {
      throw invalid("a skipped count is not a whole number in [0, 2^53]")
    }
    accumulator.skipped = skipped.map { Int($0) }
    return accumulator
  }

  private static func describe(_ error: any Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, _): return "no \(key.stringValue)"
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
         DecodingError.dataCorrupted(let context):
      let path = context.codingPath.map(\.stringValue).joined(separator: ".")
      return path.isEmpty ? context.debugDescription : "at \(path): \(context.debugDescription)"
    default: return "\(error)"
    }
  }

  /// The JSON header of `encoded()`.
  struct Header: Codable {
    static let formatName = "lemmse-partial-estimate"
    static let currentVersion = 1
    var format: String
    var version: Int
    var shard: TrainingShard
    var fingerprint: String
    var tests: Int
    var channels: Int
    var height: Int
    var width: Int
    var pruneThreshold: Double?
    var threads: Int
    var sizes: [SizeHeader]

    struct SizeHeader: Codable {
      var kernel: EstimatorKernel
      var seconds: Double
      var candidatePairsPerImage: Int
      var flushedWeightBound: Double
      var pieceCount: Int
      var nodes: [[Int]]
    }
  }
}
