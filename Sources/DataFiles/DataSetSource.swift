import Foundation

/// Where a data set's images come from.
///
/// Written on the command line as:
///
/// | text | source |
/// | --- | --- |
/// | `FILE.npy`, `npy:FILE` | `.numpy`: `N × C × H × W`, `C × H × W` (one image, `C` = 1 or 3) or `N × H × W` (grey) |
/// | `fashion-mnist:DIR`, `fashion-mnist` | `.fashionMNIST` |
/// | `cifar10:DIR`, `cifar10` | `.cifar10` |
/// | `ffhq:DIR`, `ffhq`, `ffhq-32[:DIR]` | `.ffhq`: faces named by their FFHQ number, the paper's split; `-32` resizes to 32 × 32 |
/// | `folder:DIR` | `.folder` |
///
/// A name without `DIR` is found with `DataLocator` (for FFHQ, `ffhq-5k` first).
public enum DataSetSource: Equatable, Sendable, CustomStringConvertible {
  /// A `.npy` array of images.
  case numpy(URL)
  /// A folder with `train-images-idx3-ubyte(.gz)` / `t10k-images-idx3-ubyte(.gz)` (or in `DIR/raw`).
  case fashionMNIST(URL)
  /// A folder with CIFAR-10 binary batches (or, failing those, its JPEG zips).
  case cifar10(URL)
  /// A folder of `.png` / `.jpg` / `.jpeg` images (`DIR/train`, `DIR/test` when present).
  case folder(URL)
  /// A folder of FFHQ faces named `NNNNN.png` by their FFHQ number, split as in the
  /// experiments: numbers `FFHQSplit.train` (00000–04899) for training, `FFHQSplit.test`
  /// (04900–04999) for testing; other numbers are not used. With `imageSize`, every face is
  /// area-averaged to `imageSize × imageSize`.
  case ffhq(URL, imageSize: Int?)

  /// Parses the command-line form (see the type's table).
  ///
  /// - Throws: `DataFileError.invalidSource` for unknown forms; `.dataSetNotFound` when a bare
  ///   name is not found by `DataLocator`.
  public init(parsing text: String) throws {
    let trimmed = text.trimmingSpaces
    guard !trimmed.isEmpty else { throw DataFileError.invalidSource(text: text, reason: "empty; write e.g. fashion-mnist, cifar10:DIR, folder:DIR or FILE.npy") }
    let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    let kind = parts[0].lowercased()
    let path = parts.count == 2 ? parts[1] : nil
    if let path, path.isEmpty { throw DataFileError.invalidSource(text: text, reason: "nothing after '\(parts[0]):'; write \(parts[0]):DIR") }
    func url(_ path: String) -> URL { URL(fileURLWithPath: (path as NSString).expandingTildeInPath) }
    func located(_ set: KnownDataSet) throws -> URL {
      guard let folder = DataLocator.find(set) else { throw DataFileError.dataSetNotFound(name: set.rawValue, searched: DataLocator.searchedLocations) }
      return folder
    }
    switch kind {
    case "npy", "numpy":
      guard let path else { throw DataFileError.invalidSource(text: text, reason: "write npy:FILE") }
      self = .numpy(url(path))
    case "fashion-mnist", "fashion_mnist", "fashionmnist":
      self = .fashionMNIST(try path.map(url) ?? located(.fashionMNIST))
    case "cifar10", "cifar-10":
      self = .cifar10(try path.map(url) ?? located(.cifar10))
    case "ffhq":
      self = .ffhq(try path.map(url) ?? located(.ffhq), imageSize: nil)
    case "ffhq-32", "ffhq32":
      self = .ffhq(try path.map(url) ?? located(.ffhq), imageSize: 32)
    case "folder":
      guard let path else { throw DataFileError.invalidSource(text: text, reason: "write folder:DIR") }
      self = .folder(url(path))
    default:
      if trimmed.lowercased().hasSuffix(".npy") { self = .numpy(url(trimmed)); return }
      throw DataFileError.invalidSource(text: text, reason: "expected FILE.npy, npy:FILE, fashion-mnist[:DIR], cifar10[:DIR], ffhq[-32][:DIR] or folder:DIR")
    }
  }

  /// The command-line form, e.g. `cifar10:/data/cifar-10`.
  public var description: String {
    switch self {
    case let .numpy(url): return "npy:\(url.path)"
    case let .fashionMNIST(url): return "fashion-mnist:\(url.path)"
    case let .cifar10(url): return "cifar10:\(url.path)"
    case let .folder(url): return "folder:\(url.path)"
    case let .ffhq(url, size): return (size == 32 ? "ffhq-32:" : "ffhq:") + url.path
    }
  }
}
