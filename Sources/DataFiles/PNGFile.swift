import CLibPNG
import Foundation
import Tensors

/// Reads and writes PNG images with libpng's simplified API (`png_image_*`).
///
/// libpng's simplified API catches its own errors internally (no `longjmp` crosses Swift
/// frames) and never prints, so a corrupt file becomes a thrown error.
///
/// Reading gives a `C × H × W` tensor in `[0, 1]`:
///
/// | file | C |
/// | --- | --- |
/// | grey, grey + alpha | 1 (alpha dropped) |
/// | RGB, RGBA, palette (expanded) | 3 (alpha dropped) |
///
/// 8-bit samples are divided by 255. 16-bit samples are divided by 65535; libpng treats 16-bit
/// data as linear, so they are exact when the file has no `gAMA`/`sRGB`/`iCCP` chunk saying
/// otherwise (with such a chunk libpng converts to linear light), and colour with partial
/// alpha is un-premultiplied, which loses the colour of fully transparent pixels.
public enum PNGFile {
  /// Reads a PNG file as `C × H × W` in `[0, 1]`, `C` = 1 or 3.
  ///
  /// - Throws: `DataFileError` when the file is missing or not a valid PNG.
  public static func read(contentsOf url: URL) throws -> Tensor {
    try decode(readContents(of: url), name: url.path)
  }

  /// Decodes the bytes of a PNG file as `C × H × W` in `[0, 1]` (see the type's table).
  ///
  /// - Parameters:
  ///   - data: the whole file.
  ///   - name: the file name used in error messages.
  /// - Throws: `DataFileError.corrupt` with libpng's message.
  public static func decode(_ data: Data, name: String) throws -> Tensor {
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    let begun = data.withUnsafeBytes { bytes in
      png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count)
    }
    guard begun != 0 else { throw DataFileError.corrupt(file: name, detail: "not a readable PNG (libpng: \(message(of: &image).quotedForMessage()))") }
    try checkSize(width: Int(image.width), height: Int(image.height), fileSize: data.count, name: name) {
      png_image_free(&image)
    }
    let isColour = image.format & formatColour != 0
    let hasAlpha = image.format & formatAlpha != 0
    let isSixteenBit = image.format & formatLinear != 0
    let fileChannels = (isColour ? 3 : 1) + (hasAlpha ? 1 : 0)
    image.format = (isColour ? formatColour : 0) | (hasAlpha ? formatAlpha : 0) | (isSixteenBit ? formatLinear : 0)
    let width = Int(image.width), height = Int(image.height)
    let channels = isColour ? 3 : 1
    let plane = width * height
    var scalars = [Float](repeating: 0, count: channels * plane)

    if isSixteenBit {
      var buffer = [UInt16](repeating: 0, count: fileChannels * plane)
      let finished = buffer.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
      guard finished != 0 else { throw DataFileError.corrupt(file: name, detail: "PNG data could not be decoded (libpng: \(message(of: &image).quotedForMessage()))") }
      for pixel in 0..<plane {
        // Linear output with alpha is premultiplied: divide it back out.
        let alpha = hasAlpha ? Float(buffer[pixel * fileChannels + channels]) : 65535
        for channel in 0..<channels {
          let value = Float(buffer[pixel * fileChannels + channel])
          scalars[channel * plane + pixel] = alpha == 0 ? 0 : min(value / alpha, 1)
        }
      }
    } else {
      var buffer = [UInt8](repeating: 0, count: fileChannels * plane)
      let finished = buffer.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
      guard finished != 0 else { throw DataFileError.corrupt(file: name, detail: "PNG data could not be decoded (libpng: \(message(of: &image).quotedForMessage()))") }
      for pixel in 0..<plane {
        for channel in 0..<channels { scalars[channel * plane + pixel] = Float(buffer[pixel * fileChannels + channel]) / 255 }
      }
    }
    return Tensor(shape: [channels, height, width], scalars: scalars)
  }

  /// Refuses a header whose size is over `UntrustedInput.maximumPixelCount` or more than the
  /// file's compressed data can hold, before any pixel buffer is allocated.
  ///
  /// Each row is at least one filter byte and one bit per pixel, and deflate gives at most
  /// 1032 bytes per compressed byte, so a file of `n` bytes holds at most `1032 n` bytes of rows.
  private static func checkSize(width: Int, height: Int, fileSize: Int, name: String, release: () -> Void) throws {
    let rowBytes = 1 + (width + 7) / 8
    let pixels = width * height   // both below 2³²: no overflow
    guard width > 0, height > 0, pixels <= UntrustedInput.maximumPixelCount else {
      release()
      throw DataFileError.unsupported(file: name, detail: "header says \(width)×\(height) pixels; at most \(UntrustedInput.maximumPixelCount) pixels are read")
    }
    guard rowBytes * height <= Gzip.maximumOutput(forInput: fileSize) else {
      release()
      throw DataFileError.truncated(file: name, detail: "header says \(width)×\(height) pixels, more than a \(fileSize)-byte file can hold")
    }
  }

  /// Encodes an image as an 8-bit PNG: `round(clamp(v, 0, 1) · 255)` per sample.
  ///
  /// - Parameter image: `C × H × W` with `C` = 1 (grey) or 3 (RGB), or `H × W` (grey).
  /// - Returns: the file's bytes.
  /// - Throws: `DataFileError.invalidTensor` for other shapes; `.cannotWrite` if libpng fails.
  public static func encode(_ image: Tensor) throws -> Data {
    try encode(image, name: "PNG image")
  }

  /// Writes an image as an 8-bit PNG file, atomically (see `encode(_:)`).
  ///
  /// - Throws: `DataFileError.invalidTensor` or `.cannotWrite`.
  public static func write(_ image: Tensor, to url: URL) throws {
    try AtomicFile.write(encode(image, name: url.path), to: url)
  }

  static func encode(_ image: Tensor, name: String) throws -> Data {
    let channels: Int, height: Int, width: Int
    switch image.rank {
    case 2: (channels, height, width) = (1, image.shape[0], image.shape[1])
    case 3 where image.shape[0] == 1 || image.shape[0] == 3: (channels, height, width) = (image.shape[0], image.shape[1], image.shape[2])
    default:
      throw DataFileError.invalidTensor(file: name, detail: "PNG needs a C×H×W image with C = 1 or 3, or H×W; got shape \(image.shape)")
    }
    guard width > 0, height > 0 else { throw DataFileError.invalidTensor(file: name, detail: "PNG needs a non-empty image; got shape \(image.shape)") }
    let plane = width * height
    var buffer = [UInt8](repeating: 0, count: channels * plane)
    image.withUnsafeBufferPointer { source in
      for pixel in 0..<plane {
        for channel in 0..<channels {
          let value = source[channel * plane + pixel]
          buffer[pixel * channels + channel] = UInt8((min(max(value.isNaN ? 0 : value, 0), 1) * 255).rounded())
        }
      }
    }
    var png = png_image()
    png.version = UInt32(PNG_IMAGE_VERSION)
    png.width = UInt32(width)
    png.height = UInt32(height)
    png.format = channels == 3 ? formatColour : 0
    var size = 0
    let sized = buffer.withUnsafeBytes { png_image_write_to_memory(&png, nil, &size, 0, $0.baseAddress, 0, nil) }
    guard sized != 0 else { throw DataFileError.cannotWrite(file: name, reason: "libpng: \(message(of: &png))") }
    var output = Data(count: size)
    let written = output.withUnsafeMutableBytes { target in
      buffer.withUnsafeBytes { png_image_write_to_memory(&png, target.baseAddress, &size, 0, $0.baseAddress, 0, nil) }
    }
    guard written != 0 else { throw DataFileError.cannotWrite(file: name, reason: "libpng: \(message(of: &png))") }
    return output.prefix(size)
  }

  // The PNG_FORMAT_FLAG_* values of png.h.
  private static let formatAlpha: UInt32 = 0x01
  private static let formatColour: UInt32 = 0x02
  private static let formatLinear: UInt32 = 0x04

  private static func message(of image: inout png_image) -> String {
    withUnsafeBytes(of: &image.message) { raw in
      String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
  }
}
