import Foundation
import Testing
@testable import DataFiles
import Tensors

/// `.npz` entries and `<f8` values come back bit for bit — signed zero, the smallest subnormal,
/// the largest finite value, a NaN payload — and the zip's CRC-32 is zlib's (checked here against
/// a bitwise CRC written out plainly).
@Test func archivesAndDoublesRoundTripExactly() throws {
  let values: [Double] = [1.5, -0.0, 5e-324, .greatestFiniteMagnitude, -.infinity, Double(bitPattern: 0x7FF8_0000_0000_1234), 0.1]
  let doubles = NumPyFile.encode(doubles: values, shape: [values.count])
  let decoded = try NumPyFile.decodeDoubles(doubles, name: "d.npy")
  #expect(decoded.shape == [values.count])
  #expect(decoded.values.map(\.bitPattern) == values.map(\.bitPattern))
  #expect(throws: DataFileError.self) { try NumPyFile.decodeDoubles(NumPyFile.encode(Tensor(shape: [2], scalars: [1, 2])), name: "f.npy") }

  let entries = ["values.npy": doubles, "b.npy": Data([1, 2, 3]), "empty.npy": Data()]
  let archive = try NumPyArchive.encode(entries, name: "a.npz")
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("lemmse-archive-\(UUID().uuidString).npz")
  defer { try? FileManager.default.removeItem(at: url) }
  try archive.write(to: url)
  #expect(try NumPyArchive.read(contentsOf: url) == entries)
  // The stored CRC of the first entry ("b.npy", in name order) sits at byte 14 of its local header.
  func plainCRC(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }
  let stored = UInt32(archive[14]) | UInt32(archive[15]) << 8 | UInt32(archive[16]) << 16 | UInt32(archive[17]) << 24
  #expect(stored == plainCRC([1, 2, 3]))
}
