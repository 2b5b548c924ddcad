/// A dense, row-major (C-order) array of `Float`, the one container of the project.
///
/// Images follow PyTorch's layout: a set of images is `N × C × H × W`, a single image
/// `C × H × W`, values in `[0, 1]`.
///
/// ```swift
/// var images = Tensor(zeros: [2, 1, 28, 28])
/// images[0, 0, 3, 4] = 1
/// let first = images.image(0)            // 1 × 28 × 28, a copy
/// let shifted = first.circularlyShifted(rows: 1, columns: -2)
/// ```
///
/// `Tensor` is a value type with copy-on-write storage; hot loops reach the scalars through
/// `withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer`.
public struct Tensor: Equatable, Sendable {
  /// The extent of each dimension, outermost first.
  public private(set) var shape: [Int]
  /// The values in row-major order; `scalars.count == shape.reduce(1, *)`.
  public var scalars: [Float]

  /// Wraps `scalars` with `shape`.
  public init(shape: [Int], scalars: [Float]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative dimension")
    precondition(shape.reduce(1, *) == scalars.count,
                 "Tensor shape \(shape) holds \(shape.reduce(1, *)) values, got \(scalars.count)")
    self.shape = shape
    self.scalars = scalars
  }

  /// A tensor of `shape` filled with `value`.
  public init(repeating value: Float, shape: [Int]) {
    self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
  }

  /// A tensor of `shape` filled with zeros.
  public init(zeros shape: [Int]) { self.init(repeating: 0, shape: shape) }

  /// A tensor of `shape` whose value at each flat index is `body(index)`.
  public init(shape: [Int], generator body: (Int) -> Float) {
    let count = shape.reduce(1, *)
    self.init(shape: shape, scalars: (0..<count).map(body))
  }

  /// The number of values.
  public var count: Int { scalars.count }
  /// The number of dimensions.
  public var rank: Int { shape.count }

  /// The same values with another shape of equal element count.
  public func reshaped(_ newShape: [Int]) -> Tensor {
    Tensor(shape: newShape, scalars: scalars)
  }

  /// The flat index of a multi-index.
  @inlinable
  public func flatIndex(_ indices: [Int]) -> Int {
    precondition(indices.count == shape.count, "index \(indices) does not fit shape \(shape)")
    var flat = 0
    for (index, extent) in zip(indices, shape) {
      precondition(index >= 0 && index < extent, "index \(indices) is out of bounds for shape \(shape)")
      flat = flat * extent + index
    }
    return flat
  }

  /// The value at a multi-index, e.g. `images[n, c, i, j]`.
  public subscript(_ indices: Int...) -> Float {
    get { scalars[flatIndex(indices)] }
    set { scalars[flatIndex(indices)] = newValue }
  }

  /// Calls `body` with the scalars in row-major order, for hot loops without bounds checks.
  ///
  /// - Throws: What `body` throws.
  public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
    try scalars.withUnsafeBufferPointer(body)
  }

  /// Calls `body` with the scalars in row-major order for writing; the shape stays as it is.
  ///
  /// - Throws: What `body` throws.
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    try scalars.withUnsafeMutableBufferPointer(body)
  }
}

// MARK: - Images

extension Tensor {
  /// The `N × C × H × W` extents of a rank-4 tensor.
  public var imageBatchShape: ImageBatchShape {
    precondition(rank == 4, "expected an N × C × H × W tensor, got shape \(shape)")
    return ImageBatchShape(count: shape[0], channels: shape[1], height: shape[2], width: shape[3])
  }

  /// A rank-4 view of a rank-3 (`C × H × W`) or rank-4 tensor.
  public var asImageBatch: Tensor {
    switch rank {
    case 4: return self
    case 3: return reshaped([1] + shape)
    case 2: return reshaped([1, 1] + shape)
    default: preconditionFailure("expected an image or a set of images, got shape \(shape)")
    }
  }

  /// Image `index` of an `N × C × H × W` tensor, as a `C × H × W` copy.
  public func image(_ index: Int) -> Tensor {
    let batch = imageBatchShape
    precondition(index >= 0 && index < batch.count, "image \(index) of \(batch.count)")
    let size = batch.imageSize
    return Tensor(shape: Array(shape.dropFirst()), scalars: Array(scalars[index * size ..< (index + 1) * size]))
  }

  /// Images `range` of an `N × C × H × W` tensor, as a copy.
  public func images(_ range: Range<Int>) -> Tensor {
    let batch = imageBatchShape
    precondition(range.lowerBound >= 0 && range.upperBound <= batch.count, "images \(range) of \(batch.count)")
    let size = batch.imageSize
    return Tensor(shape: [range.count] + Array(shape.dropFirst()),
                  scalars: Array(scalars[range.lowerBound * size ..< range.upperBound * size]))
  }

  /// Stacks tensors of equal shape along a new leading dimension.
  public static func stack(_ parts: [Tensor]) -> Tensor {
    precondition(!parts.isEmpty, "cannot stack zero tensors")
    let inner = parts[0].shape
    var scalars: [Float] = []
    scalars.reserveCapacity(parts.count * parts[0].count)
    for part in parts {
      precondition(part.shape == inner, "cannot stack shapes \(inner) and \(part.shape)")
      scalars += part.scalars
    }
    return Tensor(shape: [parts.count] + inner, scalars: scalars)
  }

  /// Concatenates tensors along their leading dimension.
  public static func concatenate(_ parts: [Tensor]) -> Tensor {
    precondition(!parts.isEmpty, "cannot concatenate zero tensors")
    let inner = Array(parts[0].shape.dropFirst())
    var scalars: [Float] = []
    var leading = 0
    for part in parts {
      precondition(Array(part.shape.dropFirst()) == inner, "cannot concatenate shapes \(parts[0].shape) and \(part.shape)")
      scalars += part.scalars
      leading += part.shape[0]
    }
    return Tensor(shape: [leading] + inner, scalars: scalars)
  }

  /// The image circularly shifted so that `result[c, i, j] = self[c, (i − rows) mod H, (j − columns) mod W]`,
  /// applied to the last two dimensions of any tensor of rank ≥ 2.
  public func circularlyShifted(rows: Int, columns: Int) -> Tensor {
    precondition(rank >= 2, "circular shift needs at least two dimensions, got shape \(shape)")
    let height = shape[rank - 2], width = shape[rank - 1]
    let planes = count / Swift.max(height * width, 1)
    var result = Tensor(zeros: shape)
    scalars.withUnsafeBufferPointer { source in
      result.scalars.withUnsafeMutableBufferPointer { target in
        for plane in 0..<planes {
          let base = plane * height * width
          for i in 0..<height {
            let sourceRow = ((i - rows) % height + height) % height
            for j in 0..<width {
              let sourceColumn = ((j - columns) % width + width) % width
              target[base + i * width + j] = source[base + sourceRow * width + sourceColumn]
            }
          }
        }
      }
    }
    return result
  }
}
