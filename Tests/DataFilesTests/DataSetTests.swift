import CZlib
import Foundation
import Testing
@testable import DataFiles
import Tensors

@Suite struct IDXAndDataSetTests {
  static let idxBytes: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3] + Array(0..<12).map { UInt8($0 * 20) }

  /// `bytes` gzipped with zlib.
  static func gzip(_ bytes: [UInt8]) -> Data {
    var stream = z_stream()
    deflateInit2_(&stream, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    var output = [UInt8](repeating: 0, count: bytes.count + 128)
    var input = bytes
    input.withUnsafeMutableBufferPointer { source in
      output.withUnsafeMutableBufferPointer { target in
        stream.next_in = source.baseAddress
        stream.avail_in = uInt(source.count)
        stream.next_out = target.baseAddress
        stream.avail_out = uInt(target.count)
        deflate(&stream, Z_FINISH)
      }
    }
    let produced = Int(stream.total_out)
    deflateEnd(&stream)
    return Data(output.prefix(produced))
  }

  @Test func idxRawAndGzipped() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try Data(Self.idxBytes).write(to: folder.file("raw-idx3-ubyte"))
    try Self.gzip(Self.idxBytes).write(to: folder.file("z-idx3-ubyte.gz"))
    for name in ["raw-idx3-ubyte", "z-idx3-ubyte.gz"] {
      let (shape, bytes) = try IDXFile.read(contentsOf: folder.file(name))
      #expect(shape == [2, 2, 3])
      #expect(bytes == Array(Self.idxBytes.suffix(12)))
    }
    try Data(Self.idxBytes.dropLast()).write(to: folder.file("short"))
    #expect(dataFileError { _ = try IDXFile.read(contentsOf: folder.file("short")) }?.description.contains("truncated") == true)
    try Self.gzip(Self.idxBytes).dropLast(10).write(to: folder.file("cut.gz"))
    #expect(dataFileError { _ = try IDXFile.read(contentsOf: folder.file("cut.gz")) } != nil)
    var wrongType = Self.idxBytes
    wrongType[2] = 0x0D
    try Data(wrongType).write(to: folder.file("float"))
    #expect(dataFileError { _ = try IDXFile.read(contentsOf: folder.file("float")) }?.description.contains("0x0d") == true)
  }

  @Test func fashionMNISTLayoutInRawSubfolder() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try FileManager.default.createDirectory(at: folder.file("raw"), withIntermediateDirectories: true)
    try Self.gzip(Self.idxBytes).write(to: folder.file("raw/t10k-images-idx3-ubyte.gz"))
    let images = try DataSets.load(DataSetRequest(source: .fashionMNIST(folder.url), split: .test, offset: 1, color: .rgb))
    #expect(images.shape == [1, 3, 2, 3])
    #expect(images[0, 2, 1, 2] == Float(11 * 20) / 255)
    let missing = dataFileError { _ = try DataSets.load(DataSetRequest(source: .fashionMNIST(folder.url))) }
    guard case .missingFiles(folder.url.path, let lookedFor)? = missing else { Issue.record("got \(String(describing: missing))"); return }
    #expect(lookedFor.contains("train-images-idx3-ubyte.gz"))
  }

  @Test func cifarRecordsAndBadSize() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    var records = [UInt8]()
    for label in [3, 7] as [UInt8] { records.append(label); records += (0..<3072).map { UInt8(($0 + Int(label)) % 256) } }
    try Data(records).write(to: folder.file("data_batch_1.bin"))
    try Data(records).write(to: folder.file("data_batch_2.bin"))
    let (images, labels) = try CIFAR10File.read(contentsOf: folder.file("data_batch_1.bin"))
    #expect(labels == [3, 7])
    #expect(images.shape == [2, 3, 32, 32])
    #expect(images[1, 1, 0, 0] == Float((1024 + 7) % 256) / 255)
    let spanning = try DataSets.load(DataSetRequest(source: .cifar10(folder.url), count: 2, offset: 1))
    #expect(spanning == Tensor.concatenate([images.images(1..<2), images.images(0..<1)]))
    try Data(records.dropLast()).write(to: folder.file("bad.bin"))
    #expect(dataFileError { _ = try CIFAR10File.read(contentsOf: folder.file("bad.bin")) }?.description.contains("3073") == true)
  }

  @Test func numpySourceShapes() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try NumPyFile.write(Tensor(shape: [4, 2, 2]) { Float($0) }, to: folder.file("grey.npy"), dtype: .uint8)
    let grey = try DataSets.load(DataSetRequest(source: try DataSetSource(parsing: folder.file("grey.npy").path), count: 2, offset: 2))
    #expect(grey.shape == [2, 1, 2, 2])
    #expect(grey[1, 0, 1, 1] == Float(15) / 255)
    try NumPyFile.write(Tensor(repeating: 0.25, shape: [3, 4, 4]), to: folder.file("one.npy"))
    #expect(try DataSets.load(DataSetRequest(source: .numpy(folder.file("one.npy")))).shape == [1, 3, 4, 4])
  }

  /// FFHQ faces are split by their number: 00000–04899 train, 04900–04999 test, others unused;
  /// `ffhq-32` area-averages them to 32 × 32.
  @Test func ffhqIsSplitByFaceNumber() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    for (index, name) in ["00001", "04899", "04900", "04999", "69037", "notes"].enumerated() {
      try PNGFile.write(Tensor(repeating: Float(index * 40) / 255, shape: [3, 64, 64]), to: folder.file("\(name).png"))
    }
    let train = try DataSets.load(DataSetRequest(source: .ffhq(folder.url, imageSize: nil), split: .train))
    #expect(train.shape == [2, 3, 64, 64])
    #expect(train.image(1).maxAbsoluteDifference(Tensor(repeating: 40 / 255, shape: [3, 64, 64])) < 1e-6)   // 04899
    let test = try DataSets.load(DataSetRequest(source: .ffhq(folder.url, imageSize: 32), split: .test))
    #expect(test.shape == [2, 3, 32, 32])
    #expect(test.image(0).maxAbsoluteDifference(Tensor(repeating: 80 / 255, shape: [3, 32, 32])) < 1e-6)    // 04900, not 69037
    #expect(dataFileError { _ = try DataSets.load(DataSetRequest(source: .ffhq(folder.url, imageSize: nil), split: .test, count: 3)) }
            == .outOfRange(dataSet: "ffhq:\(folder.url.path) (test)", requested: "0..<3", available: 2))
  }

  @Test func folderWithSplitsAndResize() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let a = Tensor(shape: [3, 4, 6]) { Float($0 % 17) / 16 }
    try PNGFile.write(a, to: folder.file("train/b.png"))
    try PNGFile.write(Tensor(repeating: 1, shape: [1, 4, 6]), to: folder.file("train/a.PNG"))
    try PNGFile.write(Tensor(repeating: 0, shape: [3, 8, 8]), to: folder.file("test/x.png"))
    try Data("ignored".utf8).write(to: folder.file("train/notes.txt"))
    let train = try DataSets.load(DataSetRequest(source: .folder(folder.url), imageSize: 2))
    #expect(train.shape == [2, 3, 2, 2])
    #expect(train.image(0) == Tensor(repeating: 1, shape: [3, 2, 2]))     // a.PNG, grey repeated
    let test = try DataSets.load(DataSetRequest(source: .folder(folder.url), split: .test))
    #expect(test.shape == [1, 3, 8, 8])
    let mixed = dataFileError { _ = try DataSets.load(DataSetRequest(source: .folder(folder.url), split: .train, imageSize: nil)) }
    #expect(mixed == nil)   // same size, no resize needed
    let empty = try TemporaryFolder()
    defer { empty.remove() }
    #expect(dataFileError { _ = try DataSets.load(DataSetRequest(source: .folder(empty.url))) } == .missingFiles(folder: empty.url.path, lookedFor: ["*.png", "*.jpg", "*.jpeg"]))
  }

  @Test func areaResizeMatchesPlainMeans() {
    let image = Tensor(shape: [1, 4, 4]) { Float($0) }
    let half = ImageResampling.resizeByArea(image, height: 2, width: 2)
    #expect(half.scalars == [2.5, 4.5, 10.5, 12.5])
    // 3 → 2: output 0 covers source [0, 1.5): weights 2/3, 1/3.
    let row = Tensor(shape: [1, 1, 3], scalars: [0, 3, 6])
    let resized = ImageResampling.resizeByArea(row, height: 1, width: 2)
    #expect(abs(resized.scalars[0] - 1) < 1e-6 && abs(resized.scalars[1] - 5) < 1e-6)
    // Shorter side 4 → 2, longer 8 → 4, centre crop columns 1…2 of the 4.
    let wide = Tensor(shape: [1, 4, 8]) { Float($0 % 8) }
    let cropped = ImageResampling.resizeShorterSideAndCenterCrop(wide, to: 2)
    #expect(cropped.shape == [1, 2, 2])
    #expect(cropped.scalars == [2.5, 4.5, 2.5, 4.5])
  }

  @Test func colourConversion() throws {
    let rgb = Tensor(shape: [1, 3, 1, 1], scalars: [1, 0.5, 0])
    let grey = try ColorMode.grey.apply(to: rgb, dataSet: "t")
    #expect(abs(grey.scalars[0] - (0.299 + 0.587 * 0.5)) < 1e-6)
    #expect(try ColorMode.rgb.apply(to: grey, dataSet: "t").scalars == [grey.scalars[0], grey.scalars[0], grey.scalars[0]])
    #expect(dataFileError { _ = try ColorMode.grey.apply(to: Tensor(zeros: [1, 2, 1, 1]), dataSet: "t") } != nil)
  }

  @Test func sourceParsing() throws {
    #expect(try DataSetSource(parsing: "npy:/a/b.npy") == .numpy(URL(fileURLWithPath: "/a/b.npy")))
    #expect(try DataSetSource(parsing: "/a/b.npy") == .numpy(URL(fileURLWithPath: "/a/b.npy")))
    #expect(try DataSetSource(parsing: "fashion-mnist:/d") == .fashionMNIST(URL(fileURLWithPath: "/d")))
    #expect(try DataSetSource(parsing: "cifar10:/d") == .cifar10(URL(fileURLWithPath: "/d")))
    #expect(try DataSetSource(parsing: "folder:/d") == .folder(URL(fileURLWithPath: "/d")))
    #expect(try DataSetSource(parsing: "ffhq:/d") == .ffhq(URL(fileURLWithPath: "/d"), imageSize: nil))
    #expect(try DataSetSource(parsing: "ffhq-32:/d") == .ffhq(URL(fileURLWithPath: "/d"), imageSize: 32))
    for source in [DataSetSource.numpy(URL(fileURLWithPath: "/x.npy")), .cifar10(URL(fileURLWithPath: "/c")), .folder(URL(fileURLWithPath: "/f")),
                   .ffhq(URL(fileURLWithPath: "/f"), imageSize: nil), .ffhq(URL(fileURLWithPath: "/f"), imageSize: 32)] {
      #expect(try DataSetSource(parsing: source.description) == source)
    }
    #expect(dataFileError { _ = try DataSetSource(parsing: "mnist:/d") }?.description.contains("not a data set source") == true)
    #expect(dataFileError { _ = try DataSetSource(parsing: "folder:") } != nil)
  }

  @Test(.enabled(if: sharedData("fashion-mnist") != nil))
  func locatorFindsSharedDataFromTheRepositoryRoot() throws {
    // ../shared/data relative to the current directory: run from the repository root.
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    guard ProcessInfo.processInfo.environment["LEMMSE_DATA"] == nil else { return }
    #expect(DataLocator.find(.fashionMNIST, from: root.path)?.lastPathComponent == "fashion-mnist")
    #expect(DataLocator.find(.cifar10, from: root.path)?.lastPathComponent == "cifar-10")
    #expect(DataLocator.find(.ffhq, from: root.path)?.lastPathComponent == "ffhq-5k")
    #expect(DataLocator.searchedLocations.contains { $0.hasSuffix("shared/data") })
  }
}
