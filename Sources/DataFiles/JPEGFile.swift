import CLibJPEG
import Foundation
import Tensors
#if canImport(Glibc)
import Glibc
#endif

/// Reads JPEG images with libjpeg(-turbo): grey files as `1 × H × W`, colour as `3 × H × W`,
/// values `byte / 255`.
///
/// ## Errors without `longjmp`
/// libjpeg reports a fatal error by calling `error_exit`, which must not return; the default
/// one calls `exit()`. A Swift caller cannot `setjmp`, so each decode runs on its own short-lived
/// POSIX thread whose `error_exit` records libjpeg's message and ends *that thread* with
/// `pthread_exit`. The calling thread joins it, frees libjpeg's memory with
/// `jpeg_destroy_decompress` (all state lives in buffers the caller owns) and throws.
/// Only raw pointers live on the decoding thread's Swift frames, so ending it leaks nothing.
/// libjpeg's warnings ("Corrupt JPEG data: …", "Premature end of JPEG file") are not printed
/// and are treated as errors, so damaged files never decode to silently wrong pixels.
/// The SOI marker (`ff d8`) is checked before libjpeg sees the data.
public enum JPEGFile {
  /// Reads a JPEG file as `C × H × W` in `[0, 1]`, `C` = 1 (grey) or 3 (colour).
  ///
  /// - Throws: `DataFileError` when the file is missing, damaged or not a JPEG.
  public static func read(contentsOf url: URL) throws -> Tensor {
    try decode(readContents(of: url), name: url.path)
  }

  /// Decodes the bytes of a JPEG file as `C × H × W` in `[0, 1]`, `C` = 1 (grey) or 3 (colour).
  ///
  /// - Parameters:
  ///   - data: the whole file.
  ///   - name: the file name used in error messages.
  /// - Throws: `DataFileError.corrupt` with libjpeg's message.
  public static func decode(_ data: Data, name: String) throws -> Tensor {
    guard data.count >= 4, data[data.startIndex] == 0xFF, data[data.startIndex + 1] == 0xD8 else {
      throw DataFileError.corrupt(file: name, detail: "does not start with the JPEG start-of-image marker ff d8")
    }
    return try data.withUnsafeBytes { bytes in
      let job = JPEGDecodeJob(input: bytes)
      defer { job.release() }
      var thread = pthread_t()
      guard pthread_create(&thread, nil, jpegDecodeThread, job.context) == 0 else {
        throw DataFileError.cannotRead(file: name, reason: "could not start a decoding thread")
      }
      pthread_join(thread, nil)
      if job.state.pointee.tooManyScans {
        throw DataFileError.unsupported(file: name, detail: "more than \(jpegMaximumScans) scans; a progressive JPEG has about 10")
      }
      if job.state.pointee.refusedSize {
        let width = job.state.pointee.width, height = job.state.pointee.height
        let pixels = Int(width) * Int(height)
        if pixels == 0 { throw DataFileError.corrupt(file: name, detail: "header says \(width)×\(height) pixels; an image has at least one") }
        throw pixels > UntrustedInput.maximumPixelCount
          ? DataFileError.unsupported(file: name, detail: "header says \(width)×\(height) pixels; at most \(UntrustedInput.maximumPixelCount) pixels are read")
          : DataFileError.truncated(file: name, detail: "header says \(width)×\(height) pixels, more than a \(data.count)-byte file can hold")
      }
      guard job.state.pointee.finished else {
        throw DataFileError.corrupt(file: name, detail: "JPEG data could not be decoded (libjpeg: \(job.message.quotedForMessage()))")
      }
      let state = job.state.pointee
      if state.warnings > 0 {
        throw DataFileError.corrupt(file: name, detail: "damaged JPEG data (libjpeg: \(job.message.quotedForMessage()))")
      }
      let width = Int(state.width), height = Int(state.height), channels = Int(state.channels)
      let plane = width * height
      let pixels = state.output!
      let scalars = [Float](unsafeUninitializedCapacity: channels * plane) { target, initialised in
        for pixel in 0..<plane {
          for channel in 0..<channels { target[channel * plane + pixel] = Float(pixels[pixel * channels + channel]) / 255 }
        }
        initialised = channels * plane
      }
      return Tensor(shape: [channels, height, width], scalars: scalars)
    }
  }
}

/// What the decoding thread reads and writes; allocated by the caller, so it outlives the thread.
struct JPEGDecodeState {
  var input: UnsafeRawPointer?
  var inputCount: Int = 0
  var decompressor: UnsafeMutablePointer<jpeg_decompress_struct>
  var errorManager: UnsafeMutablePointer<jpeg_error_mgr>
  var message: UnsafeMutablePointer<CChar>
  var created = false
  var finished = false
  var output: UnsafeMutablePointer<UInt8>?
  var width: UInt32 = 0
  var height: UInt32 = 0
  var channels: Int32 = 0
  var warnings: Int = 0
  /// The header's size is refused (see `jpegDecodeThread`); `width` and `height` are the header's.
  var refusedSize = false
  var progress: UnsafeMutablePointer<jpeg_progress_mgr>
  /// The file has more than `jpegMaximumScans` scans (see `jpegProgress`).
  var tooManyScans = false
}

/// Each scan of a progressive JPEG passes over all its coefficients, so a small file with
/// thousands of tiny scans of a large image takes minutes (libjpeg-turbo's own tools offer a
/// limit, `-maxscans`); encoders write about 10.
let jpegMaximumScans = 1000

/// Owns the manually allocated state of one decode.
struct JPEGDecodeJob {
  let state: UnsafeMutablePointer<JPEGDecodeState>
  var context: UnsafeMutableRawPointer { UnsafeMutableRawPointer(state) }

  init(input: UnsafeRawBufferPointer) {
    let message = UnsafeMutablePointer<CChar>.allocate(capacity: Int(JMSG_LENGTH_MAX))
    message.initialize(repeating: 0, count: Int(JMSG_LENGTH_MAX))
    let decompressor = UnsafeMutablePointer<jpeg_decompress_struct>.allocate(capacity: 1)
    decompressor.initialize(to: jpeg_decompress_struct())
    let errorManager = UnsafeMutablePointer<jpeg_error_mgr>.allocate(capacity: 1)
    errorManager.initialize(to: jpeg_error_mgr())
    let progress = UnsafeMutablePointer<jpeg_progress_mgr>.allocate(capacity: 1)
    progress.initialize(to: jpeg_progress_mgr())
    state = .allocate(capacity: 1)
    state.initialize(to: JPEGDecodeState(input: input.baseAddress, inputCount: input.count, decompressor: decompressor,
                                         errorManager: errorManager, message: message, progress: progress))
  }

  var message: String {
    let text = String(cString: state.pointee.message)
    return text.isEmpty ? "unknown error" : text
  }

  func release() {
    let value = state.pointee
    if value.created { jpeg_destroy_decompress(value.decompressor) }
    value.output?.deallocate()
    value.decompressor.deallocate()
    value.errorManager.deallocate()
    value.progress.deallocate()
    value.message.deallocate()
    state.deallocate()
  }
}

/// The decoding thread: header, decompression, scanlines. May end early through `pthread_exit`.
private func jpegDecodeThread(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
  let state = context!.assumingMemoryBound(to: JPEGDecodeState.self)
  let decompressor = state.pointee.decompressor
  let errorManager = state.pointee.errorManager
  decompressor.pointee.err = jpeg_std_error(errorManager)
  errorManager.pointee.error_exit = jpegErrorExit
  errorManager.pointee.output_message = jpegRecordMessage
  decompressor.pointee.client_data = context
  jpeg_CreateDecompress(decompressor, JPEG_LIB_VERSION, MemoryLayout<jpeg_decompress_struct>.size)
  state.pointee.progress.pointee.progress_monitor = jpegProgress
  decompressor.pointee.progress = state.pointee.progress
  state.pointee.created = true
  jpeg_mem_src(decompressor, state.pointee.input?.assumingMemoryBound(to: UInt8.self), UInt(state.pointee.inputCount))
  _ = jpeg_read_header(decompressor, 1)
  // Before anything is allocated for the pixels: a Huffman-coded file spends at least one bit
  // per 8×8 block of each scan, so n bytes hold at most 512 n pixels; arithmetic coding has no
  // such floor and is bounded by the pixel limit alone.
  let headerWidth = decompressor.pointee.image_width, headerHeight = decompressor.pointee.image_height
  let headerPixels = Int(headerWidth) * Int(headerHeight)
  if headerPixels == 0 || headerPixels > UntrustedInput.maximumPixelCount
      || (decompressor.pointee.arith_code == 0 && headerPixels > 512 * state.pointee.inputCount) {
    state.pointee.width = headerWidth
    state.pointee.height = headerHeight
    state.pointee.refusedSize = true
    return nil
  }
  let grey = decompressor.pointee.jpeg_color_space == JCS_GRAYSCALE
  decompressor.pointee.out_color_space = grey ? JCS_GRAYSCALE : JCS_RGB
  _ = jpeg_start_decompress(decompressor)
  let width = decompressor.pointee.output_width
  let height = decompressor.pointee.output_height
  let channels = decompressor.pointee.output_components
  let rowBytes = Int(width) * Int(channels)
  let output = UnsafeMutablePointer<UInt8>.allocate(capacity: max(rowBytes * Int(height), 1))
  state.pointee.output = output
  while decompressor.pointee.output_scanline < height {
    var row: JSAMPROW? = output + Int(decompressor.pointee.output_scanline) * rowBytes
    _ = jpeg_read_scanlines(decompressor, &row, 1)
  }
  _ = jpeg_finish_decompress(decompressor)
  state.pointee.width = width
  state.pointee.height = height
  state.pointee.channels = channels
  state.pointee.warnings = Int(errorManager.pointee.num_warnings)
  state.pointee.finished = true
  return nil
}

/// libjpeg's fatal-error hook: keep the message and end the decoding thread (never returns).
private func jpegErrorExit(_ common: j_common_ptr?) {
  jpegRecordMessage(common)
  pthread_exit(nil)
}

/// libjpeg's progress hook, called while scans are read: ends the decoding thread (as
/// `jpegErrorExit` does) once a file has more than `jpegMaximumScans` scans.
private func jpegProgress(_ common: j_common_ptr?) {
  guard let common, common.pointee.is_decompressor != 0, let context = common.pointee.client_data else { return }
  let decompressor = UnsafeMutableRawPointer(common).assumingMemoryBound(to: jpeg_decompress_struct.self)
  guard decompressor.pointee.input_scan_number > jpegMaximumScans else { return }
  context.assumingMemoryBound(to: JPEGDecodeState.self).pointee.tooManyScans = true
  pthread_exit(nil)
}

/// libjpeg's message hook: keep the first message instead of printing it.
private func jpegRecordMessage(_ common: j_common_ptr?) {
  guard let common, let context = common.pointee.client_data else { return }
  let state = context.assumingMemoryBound(to: JPEGDecodeState.self)
  guard state.pointee.message.pointee == 0, let format = common.pointee.err.pointee.format_message else { return }
  format(common, state.pointee.message)
}
