/// Where the processes of a data-parallel run meet once per step.
///
/// `train` hands every rank the same batch and noise; rank `r` of `size` computes its fixed
/// shares of the batch (`TrainingConfiguration.batchShares`) and sends their gradients, squared
/// errors and BatchNorm statistics through `allGather`; every rank then sums all shares in
/// share order and takes the same step, so the weights stay identical on every rank — and equal,
/// bit for bit, to one process's with the same shares. `lemmse train` under `mpirun` adapts the
/// MPI world to it; the tests use threads.
public protocol GradientExchange: Sendable {
  /// This process, `0 ..< size`.
  var rank: Int { get }
  /// The processes that train together.
  var size: Int { get }
  /// Every rank's `values`, in rank order, on every rank (a collective: every rank calls it
  /// once per step, in the same order).
  func allGather(_ values: [Double]) -> [[Double]]
}
