import Foundation
import Testing
@testable import DataFiles
import Tensors

@Suite struct NumPyFileTests {
  /// `np.save(f, np.arange(6, dtype='<f4').reshape(2, 3))`, bytes from numpy 2.4.6.
  static let numpyArange = Data(base64Encoded: "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEAAAEBAAACAQAAAoEA=")!
  /// `np.save(f, np.float64(2.5))`: a 0-d array.
  static let numpyScalar = Data(base64Encoded: "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAEQA==")!

  @Test func encodeMatchesNumPyByteForByte() {
    let tensor = Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
    #expect(NumPyFile.encode(tensor) == Self.numpyArange)
    #expect(NumPyFile.encode(Tensor(shape: [], scalars: [2.5]), dtype: .float64) == Self.numpyScalar)
  }

  @Test func decodesNumPyBytes() throws {
    let tensor = try NumPyFile.decode(Self.numpyArange, name: "a.npy")
    #expect(tensor.shape == [2, 3])
    #expect(tensor.scalars == [0, 1, 2, 3, 4, 5])
    let scalar = try NumPyFile.decode(Self.numpyScalar, name: "s.npy")
    #expect(scalar.shape == [])
    #expect(scalar.scalars == [2.5])
  }

  @Test(arguments: NumPyDType.allCases, [[0], [5], [2, 3], [1, 2, 3, 4], [3, 1, 28, 28], []] as [[Int]])
  func roundTrip(dtype: NumPyDType, shape: [Int]) throws {
    let count = shape.reduce(1, *)
    let values = (0..<count).map { Float($0 % 256) * (dtype == .uint8 ? 1 : 0.37) }
    let tensor = Tensor(shape: shape, scalars: values)
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let url = folder.file("nested/x.npy")
    try NumPyFile.write(tensor, to: url, dtype: dtype)
    let data = try Data(contentsOf: url)
    #expect((10 + Int(data[8]) + Int(data[9]) << 8) % 64 == 0, "data starts at a multiple of 64")
    let back = try NumPyFile.read(contentsOf: url)
    #expect(back == tensor)
  }

  @Test func uint8ValuesAreReadAsStored() throws {
    let data = NumPyFile.encode(Tensor(shape: [3], scalars: [0, 128, 255]), dtype: .uint8)
    #expect(try NumPyFile.decode(data, name: "u.npy").scalars == [0, 128, 255])
  }

  @Test func readsVersion2And3Headers() throws {
    for version: UInt8 in [2, 3] {
      var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
      header += String(repeating: " ", count: 64 - (12 + header.utf8.count + 1) % 64) + "\n"
      var data = Data([0x93] + Array("NUMPY".utf8) + [version, 0])
      data.append(contentsOf: [UInt8(header.utf8.count), 0, 0, 0])
      data.append(contentsOf: Array(header.utf8))
      for value: Float in [0, 1, 2] { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
      let tensor = try NumPyFile.decode(data, name: "v\(version).npy")
      #expect(tensor.shape == [3])
      #expect(tensor.scalars == [0, 1, 2])
    }
  }

  /// A header with `descr` and `fortran_order` substituted into numpy's layout, followed by `payload`.
  static func file(descr: String = "<f4", fortran: String = "False", shape: String = "(2, 3)", payload: Int = 24) -> Data {
    var header = "{'descr': '\(descr)', 'fortran_order': \(fortran), 'shape': \(shape), }"
    header += String(repeating: " ", count: 64 - (10 + header.utf8.count + 1) % 64) + "\n"
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0])
    data.append(contentsOf: Array(header.utf8))
    data.append(Data(count: payload))
    return data
  }

  @Test func readsIntegerTypes() throws {
    var data = Self.file(descr: "<i8", shape: "(2,)", payload: 0)
    for value: Int64 in [-3, 70000] { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    #expect(try NumPyFile.decode(data, name: "i.npy").scalars == [-3, 70000])
    var data32 = Self.file(descr: "<i4", shape: "(1,)", payload: 0)
    withUnsafeBytes(of: Int32(-7).littleEndian) { data32.append(contentsOf: $0) }
    #expect(try NumPyFile.decode(data32, name: "i.npy").scalars == [-7])
  }

  @Test func truncatedFileNamesTheSizes() {
    let error = dataFileError { _ = try NumPyFile.decode(Self.file(shape: "(28, 28)", payload: 100), name: "x.npy") }
    #expect(error == .truncated(file: "x.npy", detail: "header says 784 values of <f4 (3136 bytes), file has 100"))
    #expect(error?.description == "x.npy: truncated: header says 784 values of <f4 (3136 bytes), file has 100")
    #expect(dataFileError { _ = try NumPyFile.decode(Self.numpyArange.prefix(40), name: "h.npy") }?.description.contains("truncated") == true)
    #expect(dataFileError { _ = try NumPyFile.decode(Data([0x93]), name: "e.npy") }?.description.contains("truncated") == true)
  }

  @Test func fortranOrderIsRefused() {
    let error = dataFileError { _ = try NumPyFile.decode(Self.file(fortran: "True"), name: "f.npy") }
    guard case .unsupported(file: "f.npy", let detail)? = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(detail.contains("Fortran"))
  }

  @Test(arguments: [">f4", "<c8", "|O", "<U3"])
  func unsupportedDTypeIsNamed(descr: String) {
    let error = dataFileError { _ = try NumPyFile.decode(Self.file(descr: descr), name: "d.npy") }
    guard case .unsupported(file: "d.npy", let detail)? = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(detail.contains("'\(descr)'"))
  }

  @Test func corruptFilesAreReported() {
    var badMagic = Self.numpyArange
    badMagic[1] = UInt8(ascii: "X")
    #expect(dataFileError { _ = try NumPyFile.decode(badMagic, name: "m.npy") }?.description.hasPrefix("m.npy: corrupt") == true)
    #expect(dataFileError { _ = try NumPyFile.decode(Self.file(shape: "(2, x)"), name: "s.npy") }?.description.hasPrefix("s.npy: corrupt") == true)
    #expect(dataFileError { _ = try NumPyFile.decode(Self.file(payload: 30), name: "l.npy") }?.description.hasPrefix("l.npy: corrupt") == true)
    #expect(dataFileError { _ = try NumPyFile.read(contentsOf: URL(fileURLWithPath: "/nonexistent/z.npy")) } == .cannotRead(file: "/nonexistent/z.npy", reason: "no such file"))
  }
}

@Suite struct AtomicFileTests {
  @Test func replacesWholeFileAndLeavesNoTemporaries() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let url = folder.file("a/b/out.bin")
    try AtomicFile.write(Data([1, 2, 3]), to: url)
    try AtomicFile.write(Data([4]), to: url)
    #expect(try Data(contentsOf: url) == Data([4]))
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("a/b").path) == ["out.bin"])
  }

  @Test func failureLeavesExistingFileAlone() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    // The destination is a non-empty folder: rename fails, nothing is clobbered or left behind.
    let url = folder.file("dir")
    try AtomicFile.write(Data([9]), to: url.appendingPathComponent("keep"))
    #expect(dataFileError { try AtomicFile.write(Data([1]), to: url) } != nil)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["dir"])
    #expect(try Data(contentsOf: url.appendingPathComponent("keep")) == Data([9]))
  }
}
