/// The extents of an `N × C × H × W` image set.
public struct ImageBatchShape: Equatable, Hashable, Sendable, CustomStringConvertible {
  /// `N`, the images.
  public var count: Int
  /// `C`, the channels of each image.
  public var channels: Int
  /// `H`, the rows of each plane.
  public var height: Int
  /// `W`, the columns of each plane.
  public var width: Int

  /// The shape `count × channels × height × width`.
  public init(count: Int, channels: Int, height: Int, width: Int) {
    self.count = count
    self.channels = channels
    self.height = height
    self.width = width
  }

  /// `C · H · W`, the values of one image.
  public var imageSize: Int { channels * height * width }
  /// `H · W`, the pixels of one channel.
  public var planeSize: Int { height * width }
  /// `[N, C, H, W]`, the tensor shape.
  public var dimensions: [Int] { [count, channels, height, width] }
  /// `"N×C×H×W"`, for messages.
  public var description: String { "\(count)×\(channels)×\(height)×\(width)" }
}
