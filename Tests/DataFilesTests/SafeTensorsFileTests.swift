import Foundation
import Testing
@testable import DataFiles
import Tensors

@Suite struct SafeTensorsFileTests {
  @Test func roundTrip() throws {
    let tensors = ["w": Tensor(shape: [2, 3]) { Float($0) - 2.5 }, "b": Tensor(shape: [3], scalars: [1, 2, 3]), "s": Tensor(shape: [], scalars: [7])]
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let url = folder.file("model.safetensors")
    try SafeTensorsFile.write(tensors, metadata: ["epoch": "3", "note": "a \"quoted\"\nline"], to: url)
    let (back, metadata) = try SafeTensorsFile.read(contentsOf: url)
    #expect(back == tensors)
    #expect(metadata == ["epoch": "3", "note": "a \"quoted\"\nline"])
  }

  @Test func headerIsTheReferenceLayout() throws {
    let data = try SafeTensorsFile.encode(["b": Tensor(shape: [1], scalars: [1]), "a": Tensor(shape: [1, 2], scalars: [0, 0.5])], metadata: ["k": "v"])
    let json = #"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
    let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
    var expected = Data([UInt8(padded.utf8.count), 0, 0, 0, 0, 0, 0, 0])
    expected.append(contentsOf: Array(padded.utf8))
    expected.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0x3F, 0, 0, 0x80, 0x3F])
    #expect(data == expected)
  }

  @Test func readsHalfPrecisionTypes() throws {
    let json = #"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"g":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]},"d":{"dtype":"F64","shape":[1],"data_offsets":[6,14]}}"#
    var data = Data([UInt8(json.utf8.count), 0, 0, 0, 0, 0, 0, 0]) + Data(json.utf8)
    data.append(contentsOf: [0x00, 0x3C, 0x00, 0xC0])           // F16 1.0, -2.0
    data.append(contentsOf: [0xC0, 0x3F])                       // BF16 1.5
    withUnsafeBytes(of: (0.25 as Double).bitPattern.littleEndian) { data.append(contentsOf: $0) }
    let (tensors, metadata) = try SafeTensorsFile.decode(data, name: "h.safetensors")
    #expect(tensors["h"]?.scalars == [1, -2])
    #expect(tensors["g"]?.scalars == [1.5])
    #expect(tensors["d"]?.scalars == [0.25])
    #expect(metadata.isEmpty)
  }

  @Test func badOffsetsAreRefused() throws {
    func file(_ offsets: String, payload: Int = 8) -> Data {
      let json = #"{"x":{"dtype":"F32","shape":[2],"data_offsets":\#(offsets)}}"#
      return Data([UInt8(json.utf8.count), 0, 0, 0, 0, 0, 0, 0]) + Data(json.utf8) + Data(count: payload)
    }
    #expect(try SafeTensorsFile.decode(file("[0,8]"), name: "ok").tensors["x"]?.shape == [2])
    #expect(dataFileError { _ = try SafeTensorsFile.decode(file("[0,16]"), name: "a") } != nil)
    #expect(dataFileError { _ = try SafeTensorsFile.decode(file("[0,4]"), name: "b") } != nil)
    #expect(dataFileError { _ = try SafeTensorsFile.decode(file("[0,8]", payload: 12), name: "c") } != nil)
    #expect(dataFileError { _ = try SafeTensorsFile.decode(file("[0,8]", payload: 4), name: "d") } != nil)
    #expect(dataFileError { _ = try SafeTensorsFile.decode(Data([255, 0, 0, 0, 0, 0, 0, 0, 1]), name: "e") } != nil)
  }
}
