/// Sums of `2R + 1` consecutive vectors: `output[a · stride] = Σ_{k ≤ 2R} input[a + k]` for
/// `a ∈ 0 ..< count` (`input` holds `count + 2R` vectors). Direct sums for small windows; from
/// `R = 4` van Herk / Gil-Werman: prefix sums within blocks of `P`, suffix sums that are 0 at
/// block starts, and a window is suffix + prefix — O(1) per output, additions only.
@inline(__always)
func boxSums<R: StaticRadius>(_: R.Type, _ input: UnsafeMutablePointer<Float>, count: Int,
                              into output: UnsafeMutablePointer<Float>, stride outputStride: Int,
                              scratch: UnsafeMutablePointer<Float>) {
  let taps = 2 * R.value + 1, L = laneCount
  if R.value < CircularBoxKernel.blockedRadius {
    for a in 0..<count {
      var total = load(input + a * L)
      for k in 1..<taps { total += load(input + (a + k) * L) }
      store(total, output + a * outputStride)
    }
    return
  }
  let length = count + taps - 1
  let prefix = scratch, suffix = scratch + length * L
  for blockStart in Swift.stride(from: 0, to: length, by: taps) {
    var total = Lanes()
    for e in blockStart ..< Swift.min(blockStart + taps, length) {
      total += load(input + e * L)
      store(total, prefix + e * L)
    }
  }
  for blockStart in Swift.stride(from: 0, to: count, by: taps) {
    var total = load(input + (blockStart + taps - 1) * L)
    store(total, suffix + (blockStart + taps - 1) * L)
    for e in Swift.stride(from: blockStart + taps - 2, to: blockStart, by: -1) {
      total += load(input + e * L)
      store(total, suffix + e * L)
    }
    store(Lanes(), suffix + blockStart * L)
  }
  for a in 0..<count {
    store(load(suffix + a * L) + load(prefix + (a + taps - 1) * L), output + a * outputStride)
  }
}

/// Zero-filled scratch buffers of a kernel call, allocated once and freed together.
struct Workspace {
  private let buffers: [UnsafeMutablePointer<Float>]

  init(sizes: [Int]) {
    buffers = sizes.map { size in
      let buffer = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(size, 1))
      buffer.initialize(repeating: 0, count: Swift.max(size, 1))
      return buffer
    }
  }

  subscript(index: Int) -> UnsafeMutablePointer<Float> { buffers[index] }

  func deallocate() { for buffer in buffers { buffer.deallocate() } }
}

/// A channel count known at compile time (one, three) or not.
protocol StaticChannels { static func count(_ runtime: Int) -> Int }
enum OneChannel: StaticChannels { @inline(__always) static func count(_: Int) -> Int { 1 } }
enum ThreeChannels: StaticChannels { @inline(__always) static func count(_: Int) -> Int { 3 } }
enum AnyChannels: StaticChannels { @inline(__always) static func count(_ runtime: Int) -> Int { runtime } }

/// A patch radius known at compile time, so box sums unroll.
protocol StaticRadius {
  static var value: Int { get }
  /// The register window of `P = 2·value + 1`, or `NoWindow`.
  associatedtype Window: SlidingWindow = NoWindow
  static var hasWindow: Bool { get }
}
extension StaticRadius {
  static var hasWindow: Bool { false }
}
enum Radius0: StaticRadius { static var value: Int { 0 }; static var hasWindow: Bool { true }; typealias Window = Window1 }
enum Radius1: StaticRadius { static var value: Int { 1 }; static var hasWindow: Bool { true }; typealias Window = Window3 }
enum Radius2: StaticRadius { static var value: Int { 2 }; static var hasWindow: Bool { true }; typealias Window = Window5 }
enum Radius3: StaticRadius { static var value: Int { 3 }; static var hasWindow: Bool { true }; typealias Window = Window7 }
enum Radius4: StaticRadius { static var value: Int { 4 }; static var hasWindow: Bool { true }; typealias Window = Window9 }
enum Radius5: StaticRadius { static var value: Int { 5 }; static var hasWindow: Bool { true }; typealias Window = Window11 }
enum Radius6: StaticRadius { static var value: Int { 6 } }
enum Radius7: StaticRadius { static var value: Int { 7 } }
enum Radius8: StaticRadius { static var value: Int { 8 } }
enum Radius9: StaticRadius { static var value: Int { 9 } }
enum Radius10: StaticRadius { static var value: Int { 10 } }
enum Radius11: StaticRadius { static var value: Int { 11 } }
enum Radius12: StaticRadius { static var value: Int { 12 } }

/// Calls a function generic over `StaticRadius` with the type of a runtime radius, so the
/// callee is specialised (its box sums unrolled) for each radius.
protocol RadiusVisitor {
  associatedtype Output
  func visit<R: StaticRadius>(_ radius: R.Type) -> Output
}

extension RadiusVisitor {
  @inline(__always)
  func callAsFunction(radius: Int) -> Output {
    switch radius {
    case 0: return visit(Radius0.self)
    case 1: return visit(Radius1.self)
    case 2: return visit(Radius2.self)
    case 3: return visit(Radius3.self)
    case 4: return visit(Radius4.self)
    case 5: return visit(Radius5.self)
    case 6: return visit(Radius6.self)
    case 7: return visit(Radius7.self)
    case 8: return visit(Radius8.self)
    case 9: return visit(Radius9.self)
    case 10: return visit(Radius10.self)
    case 11: return visit(Radius11.self)
    case 12: return visit(Radius12.self)
    default: preconditionFailure("CircularBoxKernel supports radius ≤ \(CircularBoxKernel.largestRadius), got \(radius)")
    }
  }
}
