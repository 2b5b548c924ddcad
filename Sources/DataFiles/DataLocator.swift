import Foundation

/// Finds the folder of a known data set when none is given.
///
/// Roots, in order: `$LEMMSE_DATA`, `./data`, `../shared/data` (relative to the current
/// directory); in each, the subfolders named like the set (`fashion-mnist`, `fashion_mnist`,
/// `FashionMNIST`; `cifar-10`, `cifar10`; `ffhq-64`, `ffhq`). For Fashion-MNIST, Debian's
/// `dataset-fashion-mnist` package comes last: `/usr/share/dataset-fashion-mnist` and the
/// folders that `dpkg -L dataset-fashion-mnist` lists. A folder counts only if it holds the
/// files its loader needs (for Fashion-MNIST also in its `raw/` subfolder).
public enum DataLocator {
  /// The folder of `set`, or nil when no searched location holds it.
  /// - Parameter directory: where `./data` and `../shared/data` are looked up; the current
  ///   directory unless given.
  public static func find(_ set: KnownDataSet,
                          from directory: String = FileManager.default.currentDirectoryPath) -> URL? {
    for root in roots(from: directory) {
      for name in set.folderNames {
        let folder = URL(fileURLWithPath: root).appendingPathComponent(name)
        if holds(set, folder) { return folder.standardizedFileURL }
      }
    }
    if set == .fashionMNIST {
      for folder in debianFolders() where holds(set, URL(fileURLWithPath: folder)) { return URL(fileURLWithPath: folder) }
    }
    return nil
  }

  /// The locations `find` searches, for error messages ("looked in …").
  public static var searchedLocations: [String] {
    var locations = roots(from: FileManager.default.currentDirectoryPath).map { root in root == environmentRoot ? "$LEMMSE_DATA (\(root))" : root }
    if environmentRoot == nil { locations.insert("$LEMMSE_DATA (not set)", at: 0) }
    return locations + ["/usr/share/dataset-fashion-mnist (fashion-mnist only)"]
  }

  private static var environmentRoot: String? {
    guard let value = ProcessInfo.processInfo.environment["LEMMSE_DATA"], !value.isEmpty else { return nil }
    return value
  }

  private static func roots(from current: String) -> [String] {
    let relative = ["data", "../shared/data"].map { URL(fileURLWithPath: current).appendingPathComponent($0).standardizedFileURL.path }
    return (environmentRoot.map { [$0] } ?? []) + relative
  }

  /// Whether `folder` holds what the loader of `set` reads.
  static func holds(_ set: KnownDataSet, _ folder: URL) -> Bool {
    switch set {
    case .fashionMNIST: return DataSets.fashionMNISTFile(in: folder, split: .train) != nil || DataSets.fashionMNISTFile(in: folder, split: .test) != nil
    case .cifar10: return DataSets.cifar10Layout(in: folder, split: .train) != nil
    case .ffhq: return !((try? DataSets.imageFiles(in: folder)) ?? []).isEmpty
    }
  }

  /// Debian's install location and the folders `dpkg -L dataset-fashion-mnist` lists with image files.
  private static func debianFolders() -> [String] {
    var folders = ["/usr/share/dataset-fashion-mnist"]
    let dpkg = "/usr/bin/dpkg"
    guard FileManager.default.isExecutableFile(atPath: dpkg) else { return folders }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: dpkg)
    process.arguments = ["-L", "dataset-fashion-mnist"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return folders }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return folders }
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.contains("images-idx3-ubyte") {
      let folder = URL(fileURLWithPath: String(line)).deletingLastPathComponent().path
      if !folders.contains(folder) { folders.append(folder) }
    }
    return folders
  }
}
