import Foundation
import Cluster
import NeuralNetworks

/// The MPI world as training's `GradientExchange`: one all-gather of every rank's shares per step.
struct ClusterExchange: GradientExchange {
  let world: any Communicator

  var rank: Int { world.rank }
  var size: Int { world.size }

  func allGather(_ values: [Double]) -> [[Double]] {
    let bytes = values.withUnsafeBytes { Data($0) }
    return world.allGather(bytes).map { data in
      precondition(data.count % MemoryLayout<Double>.size == 0, "a rank sent \(data.count) bytes, not whole doubles")
      var received = [Double](repeating: 0, count: data.count / MemoryLayout<Double>.size)
      _ = received.withUnsafeMutableBytes { data.copyBytes(to: $0) }
      return received
    }
  }
}
