import Foundation
import Testing
@testable import DataFiles
import Tensors

@Suite struct PNGFileTests {
  @Test(arguments: [1, 3])
  func roundTripIsExactForMultiplesOf255(channels: Int) throws {
    let image = Tensor(shape: [channels, 5, 7]) { Float(($0 * 37) % 256) / 255 }
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let url = folder.file("x.png")
    try PNGFile.write(image, to: url)
    #expect(try PNGFile.read(contentsOf: url) == image)
  }

  @Test func rankTwoIsGreyAndValuesAreClamped() throws {
    let image = Tensor(shape: [2, 2], scalars: [-1, 0.5, 2, 1])
    let back = try PNGFile.decode(PNGFile.encode(image), name: "g.png")
    #expect(back.shape == [1, 2, 2])
    let expected: [Float] = [0, 128 / 255, 1, 1]
    #expect(back.scalars == expected)
  }

  @Test func refusesOtherChannelCounts() {
    #expect(dataFileError { _ = try PNGFile.encode(Tensor(zeros: [2, 3, 3])) } != nil)
    #expect(dataFileError { _ = try PNGFile.encode(Tensor(zeros: [1, 1, 3, 3])) } != nil)
  }

  /// A 2×1 RGBA PNG (zlib-stored IDAT) built by hand: alpha is dropped, colour kept.
  @Test func readsRGBAByDroppingAlpha() throws {
    let raw: [UInt8] = [0, 255, 0, 0, 128, 10, 20, 30, 0]   // filter byte, then RGBA RGBA
    let png = Self.png(width: 2, height: 1, colourType: 6, raw: raw)
    let image = try PNGFile.decode(png, name: "rgba.png")
    #expect(image.shape == [3, 1, 2])
    let expected: [Float] = [255, 10, 0, 20, 0, 30].map { $0 / 255 }
    #expect(image.scalars == expected)
  }

  @Test func corruptPNGThrows() throws {
    let good = try PNGFile.encode(Tensor(repeating: 0.5, shape: [3, 8, 8]))
    #expect(dataFileError { _ = try PNGFile.decode(good.prefix(40), name: "t.png") } != nil)
    // Flip a byte of the compressed pixels: the IDAT chunk's CRC no longer matches.
    let idat = try #require(good.firstRange(of: Data("IDAT".utf8)))
    var damaged = good
    damaged[idat.upperBound + 2] ^= 0xFF
    #expect(dataFileError { _ = try PNGFile.decode(damaged, name: "d.png") } != nil)
    #expect(dataFileError { _ = try PNGFile.decode(Data("not a png".utf8), name: "n.png") }?.description.hasPrefix("n.png: corrupt") == true)
  }

  /// A minimal PNG: IHDR, one IDAT holding `raw` in a stored deflate block, IEND.
  static func png(width: Int, height: Int, colourType: UInt8, raw: [UInt8]) -> Data {
    func be32(_ value: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8((value >> $0) & 0xFF) } }
    func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
      let typed = Array(type.utf8) + body
      return be32(body.count) + typed + be32(Int(crc32(typed)))
    }
    let ihdr = be32(width) + be32(height) + [8, colourType, 0, 0, 0]
    var adlerA = 1, adlerB = 0
    for byte in raw { adlerA = (adlerA + Int(byte)) % 65521; adlerB = (adlerB + adlerA) % 65521 }
    let zlib: [UInt8] = [0x78, 0x01, 1, UInt8(raw.count & 0xFF), UInt8(raw.count >> 8), UInt8(~raw.count & 0xFF), UInt8((~raw.count >> 8) & 0xFF)] + raw + be32(adlerB << 16 | adlerA)
    return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", zlib) + chunk("IEND", []))
  }

  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }
}

@Suite struct JPEGFileTests {
  /// The first training JPEG of the shared CIFAR-10 archive, when present.
  static func sampleJPEG() throws -> Data? {
    guard let zipURL = sharedData("cifar-10/jpeg-q75/train_jpeg.zip") else { return nil }
    let archive = try ZipArchive(contentsOf: zipURL)
    return try archive.contents(of: archive.entries.keys.sorted().first!)
  }

  @Test(.enabled(if: sharedData("cifar-10/jpeg-q75/train_jpeg.zip") != nil))
  func decodesAndRejectsDamage() throws {
    let jpeg = try #require(try Self.sampleJPEG())
    let image = try JPEGFile.decode(jpeg, name: "a.jpg")
    #expect(image.shape == [3, 32, 32])
    #expect(image.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
    // Truncated, damaged header, garbage: all throw, none crash or exit.
    for cut in [3, 20, 200, jpeg.count / 2, jpeg.count - 2] {
      #expect(dataFileError { _ = try JPEGFile.decode(jpeg.prefix(cut), name: "t.jpg") } != nil, "cut at \(cut)")
    }
    var damaged = jpeg
    for index in stride(from: 2, to: 40, by: 3) { damaged[index] = 0xFF }
    #expect(dataFileError { _ = try JPEGFile.decode(damaged, name: "d.jpg") } != nil)
    #expect(dataFileError { _ = try JPEGFile.decode(Data([0xFF, 0xD8, 0xFF, 0xFF, 0, 1, 2, 3]), name: "g.jpg") } != nil)
    #expect(dataFileError { _ = try JPEGFile.decode(Data("hello".utf8), name: "h.jpg") }?.description.hasPrefix("h.jpg: corrupt") == true)
  }
}
