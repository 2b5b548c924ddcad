import Foundation
import DataFiles

/// The Fashion-MNIST subset shipped with the package (`Resources/fashion-mnist-demo`): the
/// first 2,000 training and 16 test images with their labels, original IDX-gzip files, MIT
/// licensed. The demo and the tests fall back to it when no full copy is found, so both run
/// on a fresh machine.
public enum DemoData {
  /// Training images in the subset.
  public static let trainingCount = 2000
  /// Test images in the subset.
  public static let testCount = 16

  /// The folder of the embedded subset, a `fashion-mnist:DIR` folder for `DataSets.load`.
  public static var fashionMNISTSubset: URL? {
    Bundle.module.url(forResource: "fashion-mnist-demo", withExtension: nil)
  }

  /// Where Fashion-MNIST comes from: a full copy found by `DataLocator`, else the embedded
  /// subset; `isSubset` says which.
  public static func fashionMNIST() throws -> (directory: URL, isSubset: Bool) {
    if let full = DataLocator.find(.fashionMNIST) { return (full, false) }
    if let subset = fashionMNISTSubset { return (subset, true) }
    throw DataFileError.dataSetNotFound(name: KnownDataSet.fashionMNIST.rawValue, searched: DataLocator.searchedLocations)
  }
}
