import Foundation
import Testing
@testable import DataFiles
import Tensors

/// Hostile inputs: each must give one `DataFileError` whose description is one line and names
/// the file, never a crash, a hang or a huge allocation. The numbered findings are those of the
/// bad-input sweep of the release CLI; the fuzz findings are inputs `lemmse-fuzz` produced.
@Suite struct BadFileTests {
  /// The error `body` throws, which must be a one-line `DataFileError` naming `file`.
  @discardableResult
  static func refusal(naming file: String, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> DataFileError? {
    let error = dataFileError(body)
    guard let error else {
      Issue.record("\(file): accepted, or refused with an error that is not a DataFileError", sourceLocation: sourceLocation)
      return nil
    }
    let text = error.description
    let isOneLine = !text.contains(where: \.isNewline)
    #expect(isOneLine, "not one line: \(text.debugDescription)", sourceLocation: sourceLocation)
    #expect(text.hasPrefix(file), "does not name \(file): \(text)", sourceLocation: sourceLocation)
    #expect(text.count < 400, "too long: \(text)", sourceLocation: sourceLocation)
    return error
  }

  /// A v1.0 `.npy` file with header text `header` (padded as numpy pads) and `payload` bytes.
  static func npy(_ header: String, payload: [UInt8]) -> Data {
    var text = header
    text += String(repeating: " ", count: (64 - (10 + text.utf8.count + 1) % 64) % 64) + "\n"
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.utf8.count & 0xFF), UInt8(text.utf8.count >> 8)])
    data.append(contentsOf: Array(text.utf8))
    data.append(contentsOf: payload)
    return data
  }

  static func npy(shape: String, descr: String = "<f4", payload: Int) -> Data {
    npy("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }", payload: [UInt8](repeating: 0, count: payload))
  }

  static func floats(_ values: [Float]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
  }

  // MARK: 1. .npy sizes

  @Test(arguments: [("(4611686018427387968, 1, 1, 1)", 256), ("(1, 1, 5, 3689348814741910336)", 256),
                    ("(4294967296, 4294967296)", 0), ("(9223372036854775807, 2)", 16), ("(2, 9223372036854775807)", 8)])
  func npyShapeWhoseSizeOverflows(shape: String, payload: Int) throws {
    let data = Self.npy(shape: shape, payload: payload)
    let error = Self.refusal(naming: "big.npy") { _ = try NumPyFile.decode(data, name: "big.npy") }
    #expect(error?.description.contains("0 values") == false)
    Self.refusal(naming: "big.npy") { _ = try DataSets.numPyImages(data, name: "big.npy") }
  }

  @Test func npyHeaderNeverClaimsMoreThanTheFile() {
    // 2^40 values of one byte: no overflow, but far more than the file holds.
    let error = Self.refusal(naming: "t.npy") { _ = try NumPyFile.decode(Self.npy(shape: "(1099511627776,)", descr: "|u1", payload: 8), name: "t.npy") }
    guard case .truncated? = error else { Issue.record("expected truncated, got \(String(describing: error))"); return }
  }

  // MARK: 2. safetensors

  static func safetensors(_ json: String, payload: Int, headerLength: UInt64? = nil) -> Data {
    var data = Data()
    withUnsafeBytes(of: (headerLength ?? UInt64(json.utf8.count)).littleEndian) { data.append(contentsOf: $0) }
    data.append(contentsOf: Array(json.utf8))
    data.append(Data(count: payload))
    return data
  }

  @Test(arguments: [
    (#"{"x":{"dtype":"F32","shape":[4611686018427387968],"data_offsets":[0,256]}}"#, 256),  // 2^62+64 floats wrap to 256 bytes
    (#"{"x":{"dtype":"F16","shape":[9223372036854775807,2],"data_offsets":[0,4]}}"#, 4),
    (#"{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, 4),
    (#"{"x":{"dtype":"F32","shape":[2,-2],"data_offsets":[0,0]}}"#, 0),
    (#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, 4),
    (#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,-4]}}"#, 4),
    (#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4000000000000]}}"#, 4),
    (#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#, 6),
    (#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 4),
    (#"{"x":{"dtype":"F32","shape":[1e30],"data_offsets":[0,4]}}"#, 4),
    (#"{"x\r\n":{"dtype":"F32\u0007","shape":[1],"data_offsets":[0,4]}}"#, 4),
  ])
  func safetensorsWithHostileHeader(json: String, payload: Int) {
    Self.refusal(naming: "s.safetensors") { _ = try SafeTensorsFile.decode(Self.safetensors(json, payload: payload), name: "s.safetensors") }
  }

  @Test func safetensorsHeaderLengthLargerThanTheFile() {
    for length: UInt64 in [1 << 40, UInt64.max, UInt64(Int.max), 100] {
      Self.refusal(naming: "h.safetensors") {
        _ = try SafeTensorsFile.decode(Self.safetensors(#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, payload: 4, headerLength: length),
                                       name: "h.safetensors")
      }
    }
  }

  // MARK: 3. IDX

  static func idx(_ shape: [UInt32], payload: Int) -> [UInt8] {
    [0, 0, 8, UInt8(shape.count)] + shape.flatMap { withUnsafeBytes(of: $0.bigEndian) { Array($0) } } + [UInt8](repeating: 7, count: payload)
  }

  @Test func idxExtentsWhoseProductOverflows() {
    for shape: [UInt32] in [[4, 1 << 31, 1 << 31], [UInt32.max, UInt32.max, UInt32.max], [1 << 31, 1 << 31, 1 << 31, 4]] {
      let raw = Self.idx(shape, payload: 64)
      Self.refusal(naming: "o-idx3-ubyte") { _ = try IDXFile.decode(Data(raw), name: "o-idx3-ubyte") }
      Self.refusal(naming: "o-idx3-ubyte.gz") { _ = try IDXFile.decode(IDXAndDataSetTests.gzip(raw), name: "o-idx3-ubyte.gz") }
    }
  }

  @Test func idxWithoutImagesIsRefusedWhereImagesAreLoaded() throws {
    for shape: [UInt32] in [[4, 0, 0], [0, 28, 28], [3, 28, 0]] {
      let raw = Self.idx(shape, payload: 0)
      #expect(try IDXFile.decode(Data(raw), name: "e").shape == shape.map(Int.init), "a valid IDX file in itself")
      let error = Self.refusal(naming: "e-idx3-ubyte") { _ = try DataSets.fashionMNISTImages(Data(raw), name: "e-idx3-ubyte") }
      #expect(error?.description.contains("no images") == true)
    }
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try Data(Self.idx([4, 0, 0], payload: 0)).write(to: folder.file("train-images-idx3-ubyte"))
    Self.refusal(naming: folder.file("train-images-idx3-ubyte").path) { _ = try DataSets.load(DataSetRequest(source: .fashionMNIST(folder.url))) }
  }

  @Test func gzippedIDXStopsAtTheSizeItsHeaderAnnounces() {
    // The header says 2×2×2 = 8 bytes; the stream holds a megabyte more.
    let raw = Self.idx([2, 2, 2], payload: 8 + (1 << 20))
    let error = Self.refusal(naming: "l.gz") { _ = try IDXFile.decode(IDXAndDataSetTests.gzip(raw), name: "l.gz") }
    #expect(error?.description.contains("announces") == true)
    // A header claiming more than the compressed bytes can decompress to is refused at once.
    let claim = Self.refusal(naming: "c.gz") { _ = try IDXFile.decode(IDXAndDataSetTests.gzip(Self.idx([60000, 2800, 2800], payload: 100)), name: "c.gz") }
    guard case .truncated? = claim else { Issue.record("expected truncated, got \(String(describing: claim))"); return }
  }

  // MARK: 4. PNG and JPEG sizes

  static func pngChunk(_ kind: String, _ body: [UInt8]) -> [UInt8] {
    let typed = Array(kind.utf8) + body
    let crc = UInt32(CZlibCRC.crc32(typed))
    return withUnsafeBytes(of: UInt32(body.count).bigEndian, Array.init) + typed + withUnsafeBytes(of: crc.bigEndian, Array.init)
  }

  static func png(width: UInt32, height: UInt32, idat: [UInt8] = [0x78, 0xDA, 0x63, 0x68, 0x00, 0x00, 0x00, 0x82, 0x00, 0x81]) -> Data {
    let header = withUnsafeBytes(of: width.bigEndian, Array.init) + withUnsafeBytes(of: height.bigEndian, Array.init) + [8, 0, 0, 0, 0]
    return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + pngChunk("IHDR", header) + pngChunk("IDAT", idat) + pngChunk("IEND", []))
  }

  @Test(arguments: [(UInt32(100_000), UInt32(100_000)), (1_000_000, 1), (1, 1_000_000), (20_000, 20_000), (0x7FFF_FFFF, 0x7FFF_FFFF)])
  func pngHeaderClaimingHugeSize(width: UInt32, height: UInt32) {
    Self.refusal(naming: "big.png") { _ = try PNGFile.decode(Self.png(width: width, height: height), name: "big.png") }
  }

  @Test func pngOfOnePixelStillDecodes() throws {
    // The hostile-size helper is right: the same file with a 1×1 header is valid.
    #expect(try PNGFile.decode(Self.png(width: 1, height: 1), name: "one.png").shape == [1, 1, 1])
  }

  /// `cjpeg -quality 75` of an 8×8 grey picture (Tests/FuzzCorpus/jpeg/grey-8x8.jpg).
  static let greyJPEG = Data(base64Encoded: "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAAIAAgBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/AG/B6z/49+PSv//Z")!

  /// `greyJPEG` with its frame header saying `width × height`.
  static func jpeg(width: UInt16, height: UInt16) -> Data {
    var bytes = [UInt8](greyJPEG)
    let frame = (0 ..< bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 }!
    bytes[frame + 5] = UInt8(height >> 8); bytes[frame + 6] = UInt8(height & 0xFF)
    bytes[frame + 7] = UInt8(width >> 8); bytes[frame + 8] = UInt8(width & 0xFF)
    return Data(bytes)
  }

  @Test func jpegHeaderClaimingHugeSize() throws {
    #expect(try JPEGFile.decode(Self.jpeg(width: 8, height: 8), name: "ok.jpg").shape == [1, 8, 8])
    for (width, height) in [(UInt16(65500), UInt16(65500)), (65500, 8), (8, 65500), (4000, 4000)] {
      Self.refusal(naming: "big.jpg") { _ = try JPEGFile.decode(Self.jpeg(width: width, height: height), name: "big.jpg") }
    }
    Self.refusal(naming: "zero.jpg") { _ = try JPEGFile.decode(Self.jpeg(width: 0, height: 8), name: "zero.jpg") }
  }

  /// `cjpeg -progressive` of an 8×8 colour picture (Tests/FuzzCorpus/jpeg/rgb-progressive-8x8.jpg);
  /// bytes 413..<424 are one of its scans (a luma AC refinement).
  static let progressiveJPEG = Data(base64Encoded: "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjL/wgARCAAIAAgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAL/xAAVAQEBAAAAAAAAAAAAAAAAAAAEBf/aAAwDAQACEAMQAAABkCo//8QAFhAAAwAAAAAAAAAAAAAAAAAAAAME/9oACAEBAAEFAkXH/8QAGREAAQUAAAAAAAAAAAAAAAAABAABAxMh/9oACAEDAQE/AQRIqWxf/8QAFxEBAAMAAAAAAAAAAAAAAAAAAwAEEv/aAAgBAgEBPwFa56n/xAAVEAEBAAAAAAAAAAAAAAAAAAAAMf/aAAgBAQAGPwKv/8QAFRABAQAAAAAAAAAAAAAAAAAAADH/2gAIAQEAAT8hgf/aAAwDAQACAAMAAAAQ/wD/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oACAEDAQE/EEH/xAAWEQADAAAAAAAAAAAAAAAAAAAAESH/2gAIAQIBAT8QaQ//xAAVEAEBAAAAAAAAAAAAAAAAAAAA8f/aAAgBAQABPxC6/9k=")!

  @Test func jpegWithThousandsOfScansIsRefused() throws {
    let bytes = [UInt8](Self.progressiveJPEG)
    #expect(Array(bytes[413..<415]) == [0xFF, 0xDA], "a start-of-scan marker")
    #expect(try JPEGFile.decode(Self.progressiveJPEG, name: "ok.jpg").shape == [3, 8, 8])
    let scan = bytes[413..<424]
    let many = Array(bytes[..<424]) + Array([ArraySlice<UInt8>](repeating: scan, count: 1100).joined()) + Array(bytes[424...])
    let error = Self.refusal(naming: "scans.jpg") { _ = try JPEGFile.decode(Data(many), name: "scans.jpg") }
    #expect(error?.description.contains("scans") == true, "\(String(describing: error))")
  }

  // MARK: 5. gzip and zip

  @Test func gzipWhoseTrailerClaimsFourGigabytes() {
    // 33 bytes: a gzip header, an unfinished deflate block, and a trailer saying ISIZE = 2^32 - 1.
    let data = Data([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xED, 0xC1, 0x01, 0x0D, 0, 0, 0, 0xC2, 0xA0, 0xF7, 0x4F, 0x6D, 0x0F,
                     0x07, 0x14, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF])
    #expect(data.count == 33)
    Self.refusal(naming: "a.gz") { _ = try Gzip.decompress(data, name: "a.gz") }
    Self.refusal(naming: "a.gz") { _ = try IDXFile.decode(data, name: "a.gz") }
  }

  @Test func truncatedGzipFailsAsTruncated() {
    // A highly compressible 16 MiB stream cut to its first 1-2 KB: zlib has output left to give,
    // but the stream never ends.
    let full = IDXAndDataSetTests.gzip(Self.idx([256, 256, 256], payload: 1 << 24))
    for cut in [1024, 1500, 2048] where cut < full.count {
      let error = Self.refusal(naming: "cut.gz") { _ = try Gzip.decompress(full.prefix(cut), name: "cut.gz") }
      guard case .truncated? = error else { Issue.record("cut at \(cut): expected truncated, got \(String(describing: error))"); continue }
    }
    Self.refusal(naming: "cut.gz") { _ = try IDXFile.decode(full.prefix(1500), name: "cut.gz") }
  }

  @Test func gzipOutputIsBoundedByTheCallersMaximum() throws {
    let data = IDXAndDataSetTests.gzip([UInt8](repeating: 1, count: 100_000))
    #expect(try Gzip.decompress(data, name: "m.gz", maximumSize: 100_000).count == 100_000)
    Self.refusal(naming: "m.gz") { _ = try Gzip.decompress(data, name: "m.gz", maximumSize: 99_999) }
  }

  /// A zip archive of one entry as `zipfile` writes it; `size`/`method` override the central directory.
  static func zip(entry: String = "a.txt", contents: [UInt8], size: UInt32? = nil, compressedSize: UInt32? = nil,
                  method: UInt16 = 0, localOffset: UInt32 = 0) -> Data {
    func u16(_ value: UInt16) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
    func u32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
    let name = Array(entry.utf8)
    let stored = UInt32(contents.count)
    let local = u32(0x0403_4B50) + u16(20) + u16(0) + u16(method) + u32(0) + u32(0) + u32(stored) + u32(stored)
      + u16(UInt16(name.count)) + u16(0) + name + contents
    let central = u32(0x0201_4B50) + u16(20) + u16(20) + u16(0) + u16(method) + u32(0) + u32(0)
      + u32(compressedSize ?? stored) + u32(size ?? stored) + u16(UInt16(name.count)) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0)
      + u32(localOffset) + name
    let end = u32(0x0605_4B50) + u16(0) + u16(0) + u16(1) + u16(1) + u32(UInt32(central.count)) + u32(UInt32(local.count)) + u16(0)
    return Data(local + central + end)
  }

  @Test func zipSizesAndOffsetsAreCheckedAgainstTheArchive() throws {
    let good = Self.zip(contents: Array("hello".utf8))
    #expect(try ZipArchive(data: good, name: "z.zip").contents(of: "a.txt") == Data("hello".utf8))
    let hostile = [
      Self.zip(contents: Array("hello".utf8), size: 0xFFFF_FFFF, method: 8),           // deflate "to 4 GiB"
      Self.zip(contents: Array("hello".utf8), compressedSize: 0xFFFF_FFF0),            // data past the end
      Self.zip(contents: Array("hello".utf8), size: 3),                                // stored sizes disagree
      Self.zip(contents: Array("hello".utf8), localOffset: 0xFFFF_FF00),               // local header outside
      Self.zip(contents: [0x4B, 0x00], size: 10, method: 8),                           // deflate shorter than said
    ]
    for data in hostile {
      Self.refusal(naming: "z.zip") { _ = try ZipArchive(data: data, name: "z.zip").contents(of: "a.txt") }
    }
    var cut = good
    cut.removeLast(30)
    Self.refusal(naming: "z.zip") { _ = try ZipArchive(data: cut, name: "z.zip") }
  }

  // MARK: 6. --offset and --count

  @Test func offsetPlusCountThatOverflowsIsOutOfRange() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try NumPyFile.write(Tensor(repeating: 0.5, shape: [2, 1, 2, 2]), to: folder.file("x.npy"))
    try FileManager.default.createDirectory(at: folder.file("fashion"), withIntermediateDirectories: true)
    try Data(Self.idx([2, 2, 2], payload: 8)).write(to: folder.file("fashion/train-images-idx3-ubyte"))
    try FileManager.default.createDirectory(at: folder.file("cifar"), withIntermediateDirectories: true)
    try Data(count: 2 * CIFAR10File.recordSize).write(to: folder.file("cifar/data_batch_1.bin"))
    try FileManager.default.createDirectory(at: folder.file("images"), withIntermediateDirectories: true)
    try PNGFile.write(Tensor(repeating: 0.5, shape: [1, 2, 2]), to: folder.file("images/a.png"))
    try PNGFile.write(Tensor(repeating: 0.25, shape: [1, 2, 2]), to: folder.file("images/b.png"))
    let sources: [DataSetSource] = [.numpy(folder.file("x.npy")), .fashionMNIST(folder.file("fashion")), .cifar10(folder.file("cifar")),
                                    .folder(folder.file("images"))]
    for source in sources {
      for (offset, count) in [(Int.max, 1), (Int.max, Int.max), (1, Int.max), (Int.min, 1), (-1, nil), (3, nil), (Int.max, nil), (0, -1)] as [(Int, Int?)] {
        let error = dataFileError { _ = try DataSets.load(DataSetRequest(source: source, count: count, offset: offset)) }
        guard case .outOfRange? = error else { Issue.record("\(source) offset \(offset) count \(String(describing: count)): \(String(describing: error))"); continue }
        let isOneLine = error.map { !$0.description.contains(where: \.isNewline) }
        #expect(isOneLine == true)
      }
      #expect(try DataSets.load(DataSetRequest(source: source, count: 1, offset: 1)).shape[0] == 1)
    }
  }

  // MARK: 7. image arrays without images

  @Test(arguments: ["(0, 1, 8, 8)", "(1, 1, 0, 0)", "(1, 0, 8, 8)", "(0, 8, 8)", "(3, 0, 8)", "(1, 8, 0)"])
  func npyImageArrayWithoutValues(shape: String) throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let url = folder.file("empty.npy")
    try Self.npy(shape: shape, payload: 0).write(to: url)
    #expect(try NumPyFile.read(contentsOf: url).count == 0, "a valid .npy file in itself")
    let error = Self.refusal(naming: url.path) { _ = try DataSets.load(DataSetRequest(source: .numpy(url))) }
    #expect(error?.description.contains("expected at least one image of at least 1×1 pixel with ≥ 1 channel") == true)
  }

  @Test(arguments: [("(4,)", 16), ("(8, 8)", 256), ("(1, 1, 1, 2, 2)", 16), ("()", 4)])
  func npyImageArrayOfAnotherRank(shape: String, bytes: Int) throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let url = folder.file("rank.npy")
    try Self.npy(shape: shape, payload: bytes).write(to: url)
    #expect(try NumPyFile.read(contentsOf: url).count == bytes / 4, "a valid .npy file in itself")
    let error = Self.refusal(naming: url.path) { _ = try DataSets.load(DataSetRequest(source: .numpy(url))) }
    #expect(error?.description.contains("N×C×H×W") == true)
  }

  // MARK: 8. non-finite values

  @Test func nonFiniteImagesAreRefusedByTheLoaderNotTheReader() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    for (value, name) in [(Float.nan, "NaN"), (.infinity, "+inf"), (-.infinity, "-inf")] {
      var values = [Float](repeating: 0.5, count: 2 * 1 * 3 * 3)
      values[9 + 5] = value
      let url = folder.file("bad-\(name).npy")
      try Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 3, 3), }", payload: Self.floats(values)).write(to: url)
      #expect(try NumPyFile.read(contentsOf: url).scalars[14].isFinite == false, "the generic reader keeps the value")
      let error = Self.refusal(naming: url.path) { _ = try DataSets.load(DataSetRequest(source: .numpy(url), count: 1)) }
      #expect(error?.description.contains("\(name) at [1, 0, 1, 2]") == true, "\(String(describing: error))")
    }
  }

  // MARK: 9. control characters in messages

  @Test func fileTextInMessagesIsOneShortLine() {
    let headers = ["{'descr': '<f4\r\n', 'fortran_order': False, 'shape': (1,), }",
                   "{'descr': '<f4', 'fortran_order': False, 'shape': (1,\r\u{1B}[2J), }",
                   "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), '\r\r\r\(String(repeating: "x", count: 500))': 1}",
                   "{'descr': '\(String(repeating: "\u{2028}", count: 300))', 'fortran_order': False, 'shape': (1,), }",
                   "{'descr': '<f4', 'fortran_order': Maybe\r\n\r\n, 'shape': (1,), }"]
    for header in headers {
      let error = Self.refusal(naming: "c.npy") { _ = try NumPyFile.decode(Self.npy(header, payload: [0, 0, 0, 0]), name: "c.npy") }
      #expect(error?.description.contains("\r") == false)
      #expect((error?.description.count ?? 0) < 300)
    }
  }

  @Test func descriptionsEscapeControlCharactersFromAnySource() {
    let error = DataFileError.corrupt(file: "a\nb.npy", detail: "x\ry\u{0}z\u{2029}")
    #expect(error.description == "a\\nb.npy: corrupt: x\\ry\\u{0}z\\u{2029}")
    #expect("plain text".quotedForMessage() == "plain text")
    #expect(String(repeating: "é", count: 100).quotedForMessage() == String(repeating: "é", count: 80) + "…")
  }
}

/// CRC-32 for hand-built PNG chunks.
enum CZlibCRC {
  static func crc32(_ bytes: [UInt8]) -> UInt {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
    }
    return UInt(crc ^ 0xFFFF_FFFF)
  }
}
