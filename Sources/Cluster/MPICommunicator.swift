#if MPI
import CMPI
import Foundation

/// The MPI world (`MPI_COMM_WORLD`) of Open MPI, started with `MPI_Init`.
///
/// Lengths go first as one `Int64`, then the payload in chunks of at most 2³⁰ elements, so
/// messages of any size fit MPI's `int` counts.
final class MPICommunicator: Communicator, @unchecked Sendable {
  let rank: Int
  let size: Int
  private static let chunk = 1 << 30

  init() {
    MPI_Init(nil, nil)
    var rank: Int32 = 0, size: Int32 = 0
    MPI_Comm_rank(lemmse_comm_world(), &rank)
    MPI_Comm_size(lemmse_comm_world(), &size)
    self.rank = Int(rank)
    self.size = Int(size)
  }

  func allGather(_ bytes: Data) -> [Data] {
    // Every rank's length, then every rank's bytes to every rank, one root at a time.
    var length = Int64(bytes.count)
    var lengths = [Int64](repeating: 0, count: size)
    MPI_Allgather(&length, 1, lemmse_int64(), &lengths, 1, lemmse_int64(), lemmse_comm_world())
    return (0..<size).map { root in
      var buffer = root == rank ? [UInt8](bytes) : [UInt8](repeating: 0, count: Int(lengths[root]))
      var offset = 0
      while offset < buffer.count {
        let count = min(Self.chunk, buffer.count - offset)
        buffer.withUnsafeMutableBytes { raw in
          _ = MPI_Bcast(raw.baseAddress! + offset, Int32(count), lemmse_byte(), Int32(root), lemmse_comm_world())
        }
        offset += count
      }
      return Data(buffer)
    }
  }

  func send(_ values: [Double], to destination: Int) {
    values.withUnsafeBytes { sendRaw($0, elementSize: 8, type: lemmse_double(), to: destination) }
  }

  func receive(from source: Int) -> [Double] {
    let count = receiveLength(from: source)
    var values = [Double](repeating: 0, count: count)
    values.withUnsafeMutableBytes { receiveRaw($0, elementSize: 8, type: lemmse_double(), from: source) }
    return values
  }

  func send(_ bytes: Data, to destination: Int) {
    [UInt8](bytes).withUnsafeBytes { sendRaw($0, elementSize: 1, type: lemmse_byte(), to: destination) }
  }

  func receiveBytes(from source: Int) -> Data {
    var bytes = [UInt8](repeating: 0, count: receiveLength(from: source))
    bytes.withUnsafeMutableBytes { receiveRaw($0, elementSize: 1, type: lemmse_byte(), from: source) }
    return Data(bytes)
  }

  func finish() { MPI_Finalize() }

  private func sendRaw(_ raw: UnsafeRawBufferPointer, elementSize: Int, type: MPI_Datatype, to destination: Int) {
    var length = Int64(raw.count / elementSize)
    MPI_Send(&length, 1, lemmse_int64(), Int32(destination), 0, lemmse_comm_world())
    var offset = 0
    while offset < Int(length) {
      let count = min(Self.chunk, Int(length) - offset)
      MPI_Send(raw.baseAddress! + offset * elementSize, Int32(count), type, Int32(destination), 1, lemmse_comm_world())
      offset += count
    }
  }

  private func receiveLength(from source: Int) -> Int {
    var length: Int64 = 0
    MPI_Recv(&length, 1, lemmse_int64(), Int32(source), 0, lemmse_comm_world(), lemmse_status_ignore())
    return Int(length)
  }

  private func receiveRaw(_ raw: UnsafeMutableRawBufferPointer, elementSize: Int, type: MPI_Datatype, from source: Int) {
    let length = raw.count / elementSize
    var offset = 0
    while offset < length {
      let count = min(Self.chunk, length - offset)
      MPI_Recv(raw.baseAddress! + offset * elementSize, Int32(count), type, Int32(source), 1, lemmse_comm_world(), lemmse_status_ignore())
      offset += count
    }
  }
}
#endif
