/// Vectorised activation values and derivatives, 16 lanes at a time: the hot path of
/// `ActivationLayer`, checked against the scalar `Activation.value` / `derivative` (libm) in the tests.
enum ActivationKernel {
  typealias Vector = SIMD16<Float>

  /// `eˣ` for `x ∈ [−87, 88]` (clamped outside): `2ⁿ · p(r)`, `n = round(x / ln 2)`, `r = x − n ln 2`
  /// split in two parts (Cody–Waite), `p` the degree-6 Taylor polynomial; relative error ≈ 2e-7.
  /// `n` is rounded by adding and subtracting `1.5 · 2²³`, whose low mantissa bits then hold `n`:
  /// plain lane arithmetic that the compiler keeps in vector registers. `@_transparent`: with
  /// `@inline(__always)` it stayed a call that passed the vector in four 128-bit pieces.
  @_transparent
  static func exp(_ x: Vector) -> Vector {
    let low = Vector(repeating: -87), high = Vector(repeating: 88)
    var clamped = x.replacing(with: low, where: x .< low)
    clamped = clamped.replacing(with: high, where: clamped .> high)
    let shifter = Vector(repeating: 12_582_912)
    let shifted = clamped * 1.442_695_04 + shifter
    let n = shifted - shifter
    var r = clamped - n * 0.693_145_751_953_125
    r = r - n * 1.428_606_765_330_187_045e-6
    var p = Vector(repeating: 1.0 / 720)
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
    return p * unsafeBitCast((integer &+ 127) &<< 23, to: Vector.self)
  }

  /// `erf(x)` by Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7).
  @_transparent
  static func erf(_ x: Vector) -> Vector {
    let a = x.replacing(with: -x, where: x .< 0)
    let t = 1 / (1 + 0.327_591_1 * a)
    var p = Vector(repeating: 1.061_405_429)
    p = p * t - 1.453_152_027
    p = p * t + 1.421_413_741
    p = p * t - 0.284_496_736
    p = p * t + 0.254_829_592
    let magnitude: Vector = 1 - p * t * exp(-a * a)
    return magnitude.replacing(with: -magnitude, where: x .< 0)
  }

  /// Writes `f(x)` over `x` and `f′(x)` into `derivatives`, for `count` values.
  static func apply(_ activation: Activation, values: UnsafeMutablePointer<Float>, derivatives: UnsafeMutablePointer<Float>,
                    count: Int) {
    var index = 0
    while index + 16 <= count {
      let x = UnsafeRawPointer(values + index).loadUnaligned(as: Vector.self)
      let (value, derivative) = evaluate(activation, x)
      UnsafeMutableRawPointer(values + index).storeBytes(of: value, as: Vector.self)
      UnsafeMutableRawPointer(derivatives + index).storeBytes(of: derivative, as: Vector.self)
      index += 16
    }
    if index < count {
      var x = Vector()
      for lane in 0..<(count - index) { x[lane] = values[index + lane] }
      let (value, derivative) = evaluate(activation, x)
      for lane in 0..<(count - index) {
        values[index + lane] = value[lane]
        derivatives[index + lane] = derivative[lane]
      }
    }
  }

  @inline(__always)
  static func evaluate(_ activation: Activation, _ x: Vector) -> (value: Vector, derivative: Vector) {
    switch activation {
    case .relu:
      let positive = x .> 0
      return (x.replacing(with: 0, where: .!positive), Vector(repeating: 0).replacing(with: 1, where: positive))
    case .gelu:
      let cdf = 0.5 * (1 + erf(x * 0.707_106_781_186_547_5))
      let density = exp(-0.5 * x * x) * 0.398_942_280_401_432_7
      return (x * cdf, cdf + x * density)
    case .silu:
      let s = 1 / (1 + exp(-x))
      return (x * s, s * (1 + x * (1 - s)))
    }
  }
}
