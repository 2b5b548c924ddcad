/// The extents of an `N × C × H × W` image set.
public struct ImageBatchShape: Equatable, Hashable, Sendable, CustomStringConvertible {
  public var count: Int
  public var channels: Int
  public var height: Int
  public var width: Int

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
  public var dimensions: [Int] { [count, channels, height, width] }
  public var description: String { "\(count)×\(channels)×\(height)×\(width)" }
}
