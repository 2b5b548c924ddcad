/// The data sets `DataLocator` can find by name.
public enum KnownDataSet: String, CaseIterable, Sendable {
  case fashionMNIST = "fashion-mnist"
  case cifar10
  case ffhq

  /// Folder names a copy of this set is found under, in order of preference.
  var folderNames: [String] {
    switch self {
    case .fashionMNIST: return ["fashion-mnist", "fashion_mnist", "FashionMNIST", "fashionmnist"]
    case .cifar10: return ["cifar-10", "cifar10", "CIFAR10", "cifar-10-batches-bin"]
    case .ffhq: return ["ffhq-5k", "ffhq-64", "ffhq"]
    }
  }
}
