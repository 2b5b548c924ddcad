/// Which images to load from a data set, and how.
///
/// ```swift
/// let request = DataSetRequest(source: .fashionMNIST(folder), split: .train, count: 1000)
/// let images = try DataSets.load(request)      // 1000 × 1 × 28 × 28, values in [0, 1]
/// ```
public struct DataSetRequest: Sendable {
  /// Where the images are.
  public var source: DataSetSource
  /// Training or test images (ignored by `.numpy`, which is one set).
  public var split: DataSplit
  /// How many images, from `offset`; nil = all the rest.
  public var count: Int?
  /// The index of the first image, in the set's own order.
  public var offset: Int
  /// The channels to return.
  public var color: ColorMode
  /// For `.folder` sources: the side of the square images returned (shorter side resized by
  /// area averaging, then centre-cropped). Nil keeps the files' size. Other sources are
  /// returned at their own size whatever this is.
  public var imageSize: Int?

  /// A request for `count` images of `split` from `offset` on (all the rest by default).
  public init(source: DataSetSource, split: DataSplit = .train, count: Int? = nil, offset: Int = 0,
              color: ColorMode = .native, imageSize: Int? = nil) {
    self.source = source
    self.split = split
    self.count = count
    self.offset = offset
    self.color = color
    self.imageSize = imageSize
  }
}
