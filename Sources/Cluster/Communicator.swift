import Foundation

/// The processes of one run and the few messages they exchange: everything a command needs to
/// split work over MPI ranks and bring the results to rank 0.
///
/// ```swift
/// let world = Cluster.world                  // SingleProcess, or the MPI world under mpirun
/// if world.size > 1 { … }                    // rank 0 of size writes the outputs
/// let errors = world.allGather(Data(message.utf8))
/// ```
/// Messages are point to point in rank order, so what rank 0 assembles does not depend on
/// arrival order; sizes travel first, so any length crosses (in chunks below MPI's `int` counts).
public protocol Communicator: Sendable {
  /// This process, `0 ..< size`.
  var rank: Int { get }
  /// How many processes run.
  var size: Int { get }
  /// Every rank's `bytes`, in rank order, on every rank (a collective: all ranks must call it).
  func allGather(_ bytes: Data) -> [Data]
  /// Sends `values` to rank `destination`.
  func send(_ values: [Double], to destination: Int)
  /// Receives the values rank `source` sends.
  func receive(from source: Int) -> [Double]
  /// Sends `bytes` to rank `destination`.
  func send(_ bytes: Data, to destination: Int)
  /// Receives the bytes rank `source` sends.
  func receiveBytes(from source: Int) -> Data
  /// Ends the run's use of MPI (a collective, called once before exit).
  func finish()
}

/// One process: no messages to exchange.
public struct SingleProcess: Communicator {
  public init() {}
  public var rank: Int { 0 }
  public var size: Int { 1 }
  public func allGather(_ bytes: Data) -> [Data] { [bytes] }
  public func send(_ values: [Double], to destination: Int) { preconditionFailure("a single process sends nothing") }
  public func receive(from source: Int) -> [Double] { preconditionFailure("a single process receives nothing") }
  public func send(_ bytes: Data, to destination: Int) { preconditionFailure("a single process sends nothing") }
  public func receiveBytes(from source: Int) -> Data { preconditionFailure("a single process receives nothing") }
  public func finish() {}
}
