import Foundation
import Tensors

/// Loads sets of images as `N × C × H × W` tensors with values in `[0, 1]`.
///
/// ```swift
/// let source = try DataSetSource(parsing: "fashion-mnist")
/// let train = try DataSets.load(DataSetRequest(source: source, count: 10_000))   // 10000 × 1 × 28 × 28
/// ```
///
/// Per source:
/// - `.numpy`: the array as stored; 8-bit and other integer dtypes are divided by 255, floats
///   are kept and must be finite. Rank 4 is `N × C × H × W`; rank 3 is one `C × H × W` image when
///   its first extent is 1 or 3 and `N × H × W` grey images otherwise; other ranks, and arrays with
///   an extent of 0, are refused. `split` is ignored.
/// - `.fashionMNIST`: the IDX image files, 28 × 28 grey, original order.
/// - `.cifar10`: binary batches in the folder, `DIR/cifar-10-batches-bin` or `DIR/lossless-subset`
///   (`data_batch_1…5.bin` / `test_batch.bin`, or the prefixes `data_batch_1.first4000.bin` /
///   `test_batch.first1000.bin`); when there are none, the JPEG archives
///   (`train_jpeg.zip` + `train_labels.csv`, in `DIR/jpeg-q75` or `DIR`) in the CSV's order.
/// - `.ffhq`: the files `NNNNN.png` whose number is in the split's range of `FFHQSplit`, in
///   number order; resized by area averaging when the source has an image size.
/// - `.folder`: every `.png`, `.jpg`, `.jpeg` file, sorted by file name; from `DIR/train` and
///   `DIR/test` when both exist, otherwise **both splits are all the files** (separate them with
///   `offset` and `count`). Grey files are repeated to three channels when others are colour.
///   With `imageSize`, each image's shorter side is resized by area averaging and the centre
///   cropped; without it, all files must have one size.
///
/// Only the requested images `offset ..< offset + count` are converted (and, for compressed
/// images, decoded); then `color` is applied.
public enum DataSets {
  /// Loads the images `request` describes.
  ///
  /// - Returns: `N × C × H × W`, values in `[0, 1]` (for `.numpy`, as stored when floating point).
  /// - Throws: `DataFileError.outOfRange` naming the available count, `.missingFiles` naming the
  ///   folder and the files looked for, or any error of the file readers.
  public static func load(_ request: DataSetRequest) throws -> Tensor {
    let images: Tensor
    let label = "\(request.source) (\(request.split.rawValue))"
    switch request.source {
    case let .numpy(url): images = try loadNumPy(url, request: request, label: label)
    case let .fashionMNIST(folder): images = try loadFashionMNIST(folder, request: request, label: label)
    case let .cifar10(folder): images = try loadCIFAR10(folder, request: request, label: label)
    case let .folder(folder): images = try loadFolder(folder, request: request, label: label)
    case let .ffhq(folder, size): images = try loadFFHQ(folder, imageSize: size, request: request, label: label)
    }
    return try request.color.apply(to: images, dataSet: label)
  }

  /// The requested range of a set of `available` images.
  ///
  /// `offset` and `count` come from the command line, so nothing here may overflow: with
  /// `offset` = `Int.max`, `offset + count` is never formed.
  static func range(of request: DataSetRequest, available: Int, label: String) throws -> Range<Int> {
    let offset = request.offset
    let count = request.count ?? (offset >= 0 ? max(available - offset, 0) : 0)
    guard offset >= 0, count >= 0, offset <= available, count <= available - offset else {
      let end = ShapeArithmetic.sum(offset, count).map(String.init) ?? "\(offset)+\(count)"
      throw DataFileError.outOfRange(dataSet: label, requested: "\(offset)..<\(end)", available: available)
    }
    return offset ..< offset + count
  }

  // MARK: NumPy

  private static func loadNumPy(_ url: URL, request: DataSetRequest, label: String) throws -> Tensor {
    let images = try numPyImages(readContents(of: url), name: url.path)
    let range = try range(of: request, available: images.shape[0], label: label)
    return range.count == images.shape[0] ? images : images.images(range)
  }

  /// The images of a `.npy` file as `N × C × H × W` (see the type's doc comment for the ranks).
  ///
  /// - Throws: the errors of `NumPyFile`, and `DataFileError` naming the file when the array
  ///   is not of rank 3 or 4, has no value (an extent of 0) or holds NaN or ±∞ (the first is named).
  package static func numPyImages(_ data: Data, name: String) throws -> Tensor {
    let (array, isInteger) = try NumPyFile.decodeWithType(data, name: name)
    var images: Tensor
    switch array.rank {
    case 4: images = array
    case 3 where array.shape[0] == 1 || array.shape[0] == 3: images = array.reshaped([1] + array.shape)
    case 3: images = array.reshaped([array.shape[0], 1, array.shape[1], array.shape[2]])
    default:
      throw DataFileError.unsupported(file: name, detail: "an image set needs shape N×C×H×W, C×H×W or N×H×W; got \(array.shape)")
    }
    try UntrustedInput.requireImages(images.shape, file: name)
    if isInteger {
      images.withUnsafeMutableBufferPointer { values in for index in values.indices { values[index] /= 255 } }
    } else if let bad = array.firstNonFiniteDescription {
      // Indexed as stored, so the value can be found in the file with numpy.
      throw DataFileError.corrupt(file: name, detail: "images must be finite, found \(bad) (of shape \(array.shape))")
    }
    return images
  }

  // MARK: Fashion-MNIST

  static func fashionMNISTNames(_ split: DataSplit) -> [String] {
    let stem = split == .train ? "train-images" : "t10k-images"
    return ["\(stem)-idx3-ubyte.gz", "\(stem)-idx3-ubyte", "\(stem).idx3-ubyte"]
  }

  static func fashionMNISTFile(in folder: URL, split: DataSplit) -> URL? {
    for directory in [folder, folder.appendingPathComponent("raw")] {
      for name in fashionMNISTNames(split) {
        let url = directory.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: url.path) { return url }
      }
    }
    return nil
  }

  private static func loadFashionMNIST(_ folder: URL, request: DataSetRequest, label: String) throws -> Tensor {
    guard let url = fashionMNISTFile(in: folder, split: request.split) else {
      throw DataFileError.missingFiles(folder: folder.path, lookedFor: fashionMNISTNames(request.split) + fashionMNISTNames(request.split).map { "raw/\($0)" })
    }
    let (shape, bytes) = try fashionMNISTImages(readContents(of: url), name: url.path)
    let range = try range(of: request, available: shape[0], label: label)
    let imageSize = shape[1] * shape[2]
    let scalars = unitFloats(bytes, from: range.lowerBound * imageSize, count: range.count * imageSize)
    return Tensor(shape: [range.count, 1, shape[1], shape[2]], scalars: scalars)
  }

  /// The extents and bytes of an IDX image file (gzipped or not), `N × H × W`, none of them 0.
  package static func fashionMNISTImages(_ data: Data, name: String) throws -> (shape: [Int], bytes: [UInt8]) {
    let (shape, bytes) = try IDXFile.decode(data, name: name)
    guard shape.count == 3 else { throw DataFileError.unsupported(file: name, detail: "expected N×H×W images, got IDX shape \(shape)") }
    try UntrustedInput.requireImages([shape[0], 1, shape[1], shape[2]], file: name)
    return (shape, bytes)
  }

  /// `bytes[start ..< start + count] / 255` as `Float`, in two threads' worth of pieces.
  static func unitFloats(_ bytes: [UInt8], from start: Int, count: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { target, initialised in
      let output = UnsafeSendablePointer(target.baseAddress)
      bytes.withUnsafeBufferPointer { source in
        let input = UnsafeSendablePointer(UnsafeMutablePointer(mutating: source.baseAddress))
        let pieceSize = 1 << 20
        Parallel.forEach((count + pieceSize - 1) / pieceSize) { piece in
          guard let input = input.pointer, let output = output.pointer else { return }
          let lower = piece * pieceSize, upper = min(count, lower + pieceSize)
          for index in lower..<upper { output[index] = Float(input[start + index]) / 255 }
        }
      }
      initialised = count
    }
  }

  // MARK: CIFAR-10

  /// How a CIFAR-10 folder stores a split: binary batches, or a JPEG archive with its CSV.
  enum CIFAR10Layout {
    case binary([URL])
    case jpeg(archive: URL, labels: URL)
  }

  static func cifar10BinaryNames(_ split: DataSplit) -> [[String]] {
    split == .train ? [(1...5).map { "data_batch_\($0).bin" }, ["data_batch_1.first4000.bin"]] : [["test_batch.bin"], ["test_batch.first1000.bin"]]
  }

  static func cifar10Layout(in folder: URL, split: DataSplit) -> CIFAR10Layout? {
    let exists = { (url: URL) in FileManager.default.fileExists(atPath: url.path) }
    for directory in [folder, folder.appendingPathComponent("cifar-10-batches-bin"), folder.appendingPathComponent("lossless-subset")] {
      for names in cifar10BinaryNames(split) {
        // Consecutive batches from the first: data_batch_1.bin, data_batch_2.bin, …
        let urls = Array(names.map { directory.appendingPathComponent($0) }.prefix { exists($0) })
        if !urls.isEmpty { return .binary(urls) }
      }
    }
    for directory in [folder.appendingPathComponent("jpeg-q75"), folder] {
      let archive = directory.appendingPathComponent("\(split.rawValue)_jpeg.zip")
      let labels = directory.appendingPathComponent("\(split.rawValue)_labels.csv")
      if exists(archive), exists(labels) { return .jpeg(archive: archive, labels: labels) }
    }
    return nil
  }

  private static func loadCIFAR10(_ folder: URL, request: DataSetRequest, label: String) throws -> Tensor {
    guard let layout = cifar10Layout(in: folder, split: request.split) else {
      let binary = cifar10BinaryNames(request.split).flatMap { $0 }
      throw DataFileError.missingFiles(folder: folder.path, lookedFor: binary + binary.map { "cifar-10-batches-bin/\($0)" } + binary.map { "lossless-subset/\($0)" }
        + ["jpeg-q75/\(request.split.rawValue)_jpeg.zip with \(request.split.rawValue)_labels.csv", "\(request.split.rawValue)_jpeg.zip with \(request.split.rawValue)_labels.csv"])
    }
    switch layout {
    case let .binary(urls):
      let files = try urls.map { try readContents(of: $0) }
      for (file, url) in zip(files, urls) where file.count % CIFAR10File.recordSize != 0 || file.isEmpty {
        throw DataFileError.corrupt(file: url.path, detail: "\(file.count) bytes is not a whole number of 3073-byte CIFAR-10 records")
      }
      let counts = files.map { $0.count / CIFAR10File.recordSize }
      let range = try range(of: request, available: counts.reduce(0, +), label: label)
      var parts: [Tensor] = []
      var first = 0
      for (index, file) in files.enumerated() {
        let records = first ..< first + counts[index]
        first += counts[index]
        let wanted = records.clamped(to: range)
        guard !wanted.isEmpty else { continue }
        let local = (wanted.lowerBound - records.lowerBound) ..< (wanted.upperBound - records.lowerBound)
        parts.append(try CIFAR10File.decode(file, name: urls[index].path, records: local).images)
      }
      return parts.isEmpty ? Tensor(zeros: [0, 3, 32, 32]) : parts.count == 1 ? parts[0] : Tensor.concatenate(parts)
    case let .jpeg(archiveURL, labelsURL):
      let entries = try csvColumn("file", of: labelsURL)
      let range = try range(of: request, available: entries.count, label: label)
      let archive = try ZipArchive(contentsOf: archiveURL)
      let images = try decodeInParallel(Array(entries[range])) { entry in
        try JPEGFile.decode(archive.contents(of: entry), name: "\(archiveURL.path)/\(entry)")
      }
      return try stackImages(images, names: Array(entries[range]), label: label)
    }
  }

  /// The values of column `column` of a simple CSV file (no quoted commas), header excluded.
  private static func csvColumn(_ column: String, of url: URL) throws -> [String] {
    let lines = String(decoding: try readContents(of: url), as: UTF8.self).split(whereSeparator: \.isNewline)
    guard let header = lines.first, let index = header.split(separator: ",", omittingEmptySubsequences: false).firstIndex(where: { String($0).trimmingSpaces == column }) else {
      throw DataFileError.corrupt(file: url.path, detail: "has no '\(column)' column in its header line")
    }
    return try lines.dropFirst().enumerated().map { row, line in
      let fields = line.split(separator: ",", omittingEmptySubsequences: false)
      guard index < fields.count else { throw DataFileError.corrupt(file: url.path, detail: "line \(row + 2) has \(fields.count) fields, expected a '\(column)' field at position \(index + 1)") }
      return String(fields[index]).trimmingSpaces
    }
  }

  // MARK: Folders

  /// The image files of `folder`, sorted by file name.
  static func imageFiles(in folder: URL) throws -> [URL] {
    let names: [String]
    do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
      throw DataFileError.cannotRead(file: folder.path, reason: "not a readable folder")
    }
    return names.filter { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) && !$0.hasPrefix(".") }
      .sorted().map { folder.appendingPathComponent($0) }
  }

  private static func loadFolder(_ folder: URL, request: DataSetRequest, label: String) throws -> Tensor {
    var directory = folder
    var isFolder: ObjCBool = false
    let train = folder.appendingPathComponent("train"), test = folder.appendingPathComponent("test")
    if FileManager.default.fileExists(atPath: train.path, isDirectory: &isFolder), isFolder.boolValue,
       FileManager.default.fileExists(atPath: test.path, isDirectory: &isFolder), isFolder.boolValue {
      directory = request.split == .train ? train : test
    }
    let files = try imageFiles(in: directory)
    guard !files.isEmpty else { throw DataFileError.missingFiles(folder: directory.path, lookedFor: ["*.png", "*.jpg", "*.jpeg"]) }
    return try loadImageFiles(files, imageSize: request.imageSize, request: request, label: label)
  }

  /// FFHQ faces of `request.split` (`FFHQSplit`), in the order of their numbers.
  private static func loadFFHQ(_ folder: URL, imageSize: Int?, request: DataSetRequest, label: String) throws -> Tensor {
    let numbers = request.split == .train ? FFHQSplit.train : FFHQSplit.test
    let files = try imageFiles(in: folder).filter { Int($0.deletingPathExtension().lastPathComponent).map(numbers.contains) ?? false }
    guard !files.isEmpty else {
      throw DataFileError.missingFiles(folder: folder.path, lookedFor: ["NNNNN.png with NNNNN in \(numbers.lowerBound)…\(numbers.upperBound) (\(request.split.rawValue))"])
    }
    return try loadImageFiles(files, imageSize: imageSize ?? request.imageSize, request: request, label: label)
  }

  /// The images `request.offset ..< offset + count` of `files`, decoded in parallel, resized
  /// to `imageSize` when given, stacked.
  private static func loadImageFiles(_ files: [URL], imageSize size: Int?, request: DataSetRequest, label: String) throws -> Tensor {
    let range = try range(of: request, available: files.count, label: label)
    let chosen = Array(files[range])
    if let size, size <= 0 { throw DataFileError.invalidSource(text: "\(size)", reason: "image size must be positive") }
    if let size, ShapeArithmetic.product(size, size).map({ $0 > UntrustedInput.maximumPixelCount }) ?? true {
      throw DataFileError.invalidSource(text: "\(size)", reason: "image size must be at most 8192")
    }
    let images = try decodeInParallel(chosen) { url in
      let data = try readContents(of: url)
      var image = data.starts(with: [0x89, 0x50, 0x4E, 0x47]) ? try PNGFile.decode(data, name: url.path) : try JPEGFile.decode(data, name: url.path)
      if let size { image = ImageResampling.resizeShorterSideAndCenterCrop(image, to: size) }
      return image
    }
    return try stackImages(images, names: chosen.map(\.path), label: label, hint: size == nil ? "; pass an image size to resize them" : "")
  }

  /// Stacks `C × H × W` images into `N × C × H × W`, repeating grey images to 3 channels when
  /// others are colour.
  private static func stackImages(_ images: [Tensor], names: [String], label: String, hint: String = "") throws -> Tensor {
    guard let first = images.first else { return Tensor(zeros: [0, 1, 0, 0]) }
    let channels = images.map { $0.shape[0] }.max()!
    var scalars: [Float] = []
    scalars.reserveCapacity(images.count * channels * first.shape[1] * first.shape[2])
    for (image, name) in zip(images, names) {
      guard image.shape[1] == first.shape[1], image.shape[2] == first.shape[2] else {
        throw DataFileError.inconsistentImages(dataSet: label, detail: "\(name) is \(image.shape[1])×\(image.shape[2]), \(names[0]) is \(first.shape[1])×\(first.shape[2])\(hint)")
      }
      if image.shape[0] == channels { scalars += image.scalars } else { for _ in 0..<channels { scalars += image.scalars } }
    }
    return Tensor(shape: [images.count, channels, first.shape[1], first.shape[2]], scalars: scalars)
  }

  /// `decode(item)` for every item, on all cores; the first error (in item order) is thrown.
  private static func decodeInParallel<Item: Sendable>(_ items: [Item], _ decode: @escaping @Sendable (Item) throws -> Tensor) throws -> [Tensor] {
    let results = ResultSlots(count: items.count)
    let pieceSize = 64
    Parallel.forEach((items.count + pieceSize - 1) / pieceSize) { piece in
      for index in piece * pieceSize ..< min(items.count, (piece + 1) * pieceSize) {
        results.set(index, Result { try decode(items[index]) })
      }
    }
    return try results.values()
  }
}

/// One result per index, written from several threads (each index once).
private final class ResultSlots: @unchecked Sendable {
  private var slots: [Result<Tensor, Error>?]
  private let lock = NSLock()
  init(count: Int) { slots = Array(repeating: nil, count: count) }
  func set(_ index: Int, _ result: Result<Tensor, Error>) {
    lock.lock()
    defer { lock.unlock() }
    slots[index] = result
  }
  func values() throws -> [Tensor] { try slots.map { try $0!.get() } }
}

/// A raw pointer handed to `Parallel.forEach` bodies that write disjoint ranges.
struct UnsafeSendablePointer<Pointee>: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<Pointee>?
  init(_ pointer: UnsafeMutablePointer<Pointee>?) { self.pointer = pointer }
}
