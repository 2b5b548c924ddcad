/// Scratch floats a layer keeps from step to step: grown when a larger batch needs it, never shrunk.
final class ScratchBuffer {
  private var storage: UnsafeMutableRawPointer?
  private var capacity = 0

  /// At least `count` floats, 64-byte aligned, contents undefined.
  func reserve(_ count: Int) -> SendablePointer<Float> {
    if count > capacity || storage == nil {
      storage?.deallocate()
      capacity = Swift.max(count, 16)
      storage = UnsafeMutableRawPointer.allocate(byteCount: capacity * 4, alignment: 64)
    }
    return SendablePointer(storage!.bindMemory(to: Float.self, capacity: capacity))
  }

  deinit { storage?.deallocate() }
}
