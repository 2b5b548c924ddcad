import Foundation

/// The run's processes: the MPI world when the package was built with `--traits MPI` and the
/// process was started by `mpirun`/`srun` (Open MPI or PMI sets `OMPI_COMM_WORLD_SIZE` or
/// `PMI_SIZE`), else one process. Started once, on first use.
public enum Cluster {
  public static let world: any Communicator = {
    #if MPI
    let environment = ProcessInfo.processInfo.environment
    if environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMI_SIZE"] != nil || environment["PMIX_RANK"] != nil {
      return MPICommunicator()
    }
    #endif
    return SingleProcess()
  }()

  /// Whether this build can run over MPI (`swift build --traits MPI`).
  public static var isMPIBuild: Bool {
    #if MPI
    return true
    #else
    return false
    #endif
  }

  /// Processes of this run on this machine (Open MPI's local size), for dividing the cores.
  public static var localProcesses: Int {
    let environment = ProcessInfo.processInfo.environment
    return (environment["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? environment["MPI_LOCALNRANKS"]).flatMap(Int.init).map { max($0, 1) } ?? 1
  }
}
