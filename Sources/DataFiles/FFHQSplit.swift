/// The split of FFHQ faces used by the experiments, by FFHQ number: the first 4,900 faces of
/// FFHQ's own training split for training, the next 100 for testing — disjoint, and both
/// within `../shared/data/ffhq-5k` (00000–04999).
public enum FFHQSplit {
  /// FFHQ numbers of the training images.
  public static let train = 0...4899
  /// FFHQ numbers of the test images.
  public static let test = 4900...4999
}
