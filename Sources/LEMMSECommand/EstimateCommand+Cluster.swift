import Foundation
import Tensors
import AnalyticMMSE
import Cluster

extension EstimateCommand {
  /// `mpirun -np K lemmse estimate …`: every rank checks everything, computes its share of the
  /// `EstimateGrid` (a group of test images, a shard of the training set) and sends it to rank
  /// 0, which combines the shares in rank order — the single-process bits — and alone writes.
  /// A failure on any rank ends every rank, with one line from rank 0 and nothing written.
  func runDistributed(on world: any Communicator) throws {
    var prepared: Prepared?
    var failure = ""
    do {
      guard shard == nil else {
        throw CommandError("--shard splits the work through files for one process per shard; under mpirun the ranks split it themselves (drop --shard and --partial)")
      }
      prepared = try prepare()
    } catch {
      failure = LEMMSE.oneLine(LEMMSE.message(for: error))
    }
    try agree(on: failure, world: world)
    guard let prepared else { preconditionFailure("every rank prepared") }

    let isRoot = world.rank == 0
    let grid = EstimateGrid(ranks: world.size, tests: prepared.y.asImageBatch.imageBatchShape.count)
    let bar = isRoot ? ProgressBar(progressLabel(prepared) + " on \(world.size) ranks") : nil
    let start = Date()
    var share: (header: Data, values: [Double])?
    failure = ""
    do {
      let u = try prepared.input.map(prepared.y.asImageBatch, for: prepared.op)
      let part = try prepared.analytic.partialEstimate(inputs: u, patchSizes: patchSizes, grid: grid, rank: world.rank) { bar?.update($0) }
      share = try part.encoded()
    } catch {
      failure = LEMMSE.oneLine(LEMMSE.message(for: error))
    }
    guard isRoot else {
      world.send(Data(failure.utf8), to: 0)
      if let share {
        world.send(share.header, to: 0)
        world.send(share.values, to: 0)
      }
      if !failure.isEmpty { throw PeerFailure() }
      return
    }
    bar?.finish()
    // Every rank's share, received in rank order (even after a failure, so no rank waits).
    var firstFailure: (rank: Int, message: String)? = failure.isEmpty ? nil : (0, failure)
    var parts: [PartialEstimate] = []
    for rank in 0..<world.size {
      let received: (header: Data, values: [Double])?
      if rank == 0 {
        received = share
      } else {
        let status = String(decoding: world.receiveBytes(from: rank), as: UTF8.self)
        if !status.isEmpty { firstFailure = firstFailure ?? (rank, status) }
        received = status.isEmpty ? (world.receiveBytes(from: rank), world.receive(from: rank)) : nil
      }
      guard let received else { continue }
      do {
        parts.append(try PartialEstimate(header: received.header, values: received.values))
      } catch {
        firstFailure = firstFailure ?? (rank, LEMMSE.message(for: error))
      }
    }
    if let firstFailure { throw CommandError(firstFailure.rank == 0 ? firstFailure.message : "rank \(firstFailure.rank): \(firstFailure.message)") }
    let results: [Estimate]
    do {
      results = try AnalyticEstimator.combine(parts, grid: grid)
    } catch let AnalyticMMSEError.incompatiblePartial(part, detail) {
      throw CommandError("rank \(part): \(detail) (every rank must run the same command on the same files)")
    }
    try write(results, prepared, seconds: Date().timeIntervalSince(start))
  }
}

/// Every rank's failure (empty for none), agreed on: the first in rank order ends every rank —
/// rank 0 throws it as the command's one line, the others end quietly (`PeerFailure`).
func agree(on failure: String, world: any Communicator) throws {
  let all = world.allGather(Data(failure.utf8))
  guard let first = all.firstIndex(where: { !$0.isEmpty }) else { return }
  guard world.rank == 0 else { throw PeerFailure() }
  let message = String(decoding: all[first], as: UTF8.self)
  throw CommandError(first == 0 ? message : "rank \(first): \(message)")
}

/// A rank other than 0 ends because some rank failed; rank 0 reports the failure.
struct PeerFailure: Error {}
