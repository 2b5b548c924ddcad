/// SIMD helpers of the kernels: unaligned loads and stores, and a vector exponential.
typealias Lanes = SIMD16<Float>
let laneCount = 16

@inline(__always)
func load(_ pointer: UnsafePointer<Float>) -> Lanes {
  UnsafeRawPointer(pointer).loadUnaligned(as: Lanes.self)
}

@inline(__always)
func load(_ pointer: UnsafeMutablePointer<Float>) -> Lanes {
  UnsafeRawPointer(pointer).loadUnaligned(as: Lanes.self)
}

@inline(__always)
func store(_ value: Lanes, _ pointer: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Lanes.self)
}

/// `e^x` on 16 lanes, to about 2 ulp: `x = n·ln2 + f` with `|f| ≤ ln2/2` (ln 2 split in two
/// so the reduction is exact), a degree-6 polynomial for `e^f` (Cephes' `expf` coefficients)
/// in fused multiply-adds, and `2^n` built in the exponent bits. Inputs below −87.3 return
/// about 1e-38 (never a denormal); `−∞` lanes return that too.
///
/// Clamps are compares and blends: `pointwiseMin`/`pointwiseMax` can compile to a scalar loop.
@_transparent
func exponential(_ input: Lanes) -> Lanes {
  let low = Lanes(repeating: -87.3), high = Lanes(repeating: 88.3)
  var x = input.replacing(with: low, where: input .< low)
  x.replace(with: high, where: x .> high)
  return unclampedExponential(x)
}

/// `e^x` for `x ∈ [−87.3, 88.3]` without the clamps; outside, any value (even NaN) — for
/// callers that zero those lanes anyway.
@_transparent
func unclampedExponential(_ x: Lanes) -> Lanes {
  let n = (x * 1.442_695_04).rounded(.toNearestOrEven)
  var f = x.addingProduct(n, Lanes(repeating: -0.693_359_375))
  f = f.addingProduct(n, Lanes(repeating: 2.121_944_4e-4))
  var p = Lanes(repeating: 1.398_199_95e-3).addingProduct(Lanes(repeating: 1.987_569_15e-4), f)
  p = Lanes(repeating: 8.333_451_9e-3).addingProduct(p, f)
  p = Lanes(repeating: 4.166_579_59e-2).addingProduct(p, f)
  p = Lanes(repeating: 1.666_666_55e-1).addingProduct(p, f)
  p = Lanes(repeating: 5.000_000_1e-1).addingProduct(p, f)
  p = (f + 1).addingProduct(p, f * f)
  // (n + 127) sits in the low mantissa bits of n + 1.5·2²³ + 127; shifting by 23 moves it
  // into the exponent field and drops the rest.
  let biased = unsafeBitCast(n + 12_583_039, to: SIMD16<UInt32>.self) &<< 23
  return p * unsafeBitCast(biased, to: Lanes.self)
}

/// `value` where `mask` is set, else 0 — as a bitwise and of the mask's lanes (all ones or
/// zero). `replacing(with:where:)` with a mask computed from another vector can make LLVM
/// split the surrounding arithmetic into 128-bit pieces (measured: 3× slower).
@_transparent
func keeping(_ value: Lanes, where mask: SIMDMask<SIMD16<Int32>>) -> Lanes {
  unsafeBitCast(unsafeBitCast(value, to: SIMD16<Int32>.self) & mask._storage, to: Lanes.self)
}

/// Whether any lane of `mask` is set. The standard library's `any(_:)` reduces with
/// `SIMD.min()`, which LLVM turns into one `kortest` only when it inlines `min()`; in the large
/// kernel functions it stopped inlining it and called a scalar loop at every pixel (measured:
/// the box kernel 1.6× slower). An or-tree of halves is always inlined.
@_transparent
func anyLane(_ mask: SIMDMask<SIMD16<Int32>>) -> Bool {
  let eight = mask._storage.lowHalf | mask._storage.highHalf
  let four = eight.lowHalf | eight.highHalf
  let two = four.lowHalf | four.highHalf
  return (two[0] | two[1]) != 0
}
