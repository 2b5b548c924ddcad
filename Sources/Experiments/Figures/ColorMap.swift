import Foundation

/// A colormap: `t ∈ [0, 1]` to an sRGB colour by linear interpolation between control points.
///
/// ```
/// color(t) = (1 − u)·c_k + u·c_{k+1},   t_k ≤ t ≤ t_{k+1},   u = (t − t_k) / (t_{k+1} − t_k)
/// ```
/// `t` is clamped to `[0, 1]`; NaN gives `color(0)`. Because the interpolation is linear in
/// sRGB, an SVG `<linearGradient>` with the same stops draws exactly the same colours.
public struct ColorMap: Sendable {
  /// The control points: positions `0 = t_0 < … < t_K = 1` and their colours, components in `[0, 1]`.
  public var stops: [(position: Double, color: SIMD3<Float>)]

  /// A colormap through `stops`; the first must be at 0, the last at 1, positions increasing.
  public init(stops: [(position: Double, color: SIMD3<Float>)]) {
    precondition(stops.count >= 2 && stops.first!.position == 0 && stops.last!.position == 1
                 && zip(stops, stops.dropFirst()).allSatisfy { $0.position < $1.position },
                 "colormap stops must run from 0 to 1 increasing, got \(stops.map(\.position))")
    self.stops = stops
  }

  /// Viridis (van der Walt & Smith, matplotlib 2.0): perceptually uniform, readable in grey
  /// and by colour-blind readers; 9 control points sampled from matplotlib's table.
  public static let viridis = ColorMap(stops: [
    (0.000, [68, 1, 84]), (0.125, [72, 40, 120]), (0.250, [62, 74, 137]), (0.375, [49, 104, 142]),
    (0.500, [38, 130, 142]), (0.625, [31, 158, 137]), (0.750, [53, 183, 121]), (0.875, [110, 206, 88]),
    (1.000, [253, 231, 37]),
  ].map { (position: $0.0, color: SIMD3<Float>($0.1.map { Float($0) / 255 })) })

  /// The colour at `t` (clamped to `[0, 1]`), components in `[0, 1]`.
  public func color(at t: Double) -> SIMD3<Float> {
    guard !t.isNaN else { return stops[0].color }
    let t = Swift.min(Swift.max(t, 0), 1)
    let upper = stops.firstIndex { $0.position >= t } ?? stops.count - 1
    if upper == 0 { return stops[0].color }
    let (a, b) = (stops[upper - 1], stops[upper])
    let u = Float((t - a.position) / (b.position - a.position))
    return a.color * (1 - u) + b.color * u
  }

  /// `#rrggbb` of a colour with components in `[0, 1]`.
  static func hex(_ color: SIMD3<Float>) -> String {
    let bytes = (0..<3).map { Int((Swift.min(Swift.max(color[$0], 0), 1) * 255).rounded()) }
    return String(format: "#%02x%02x%02x", bytes[0], bytes[1], bytes[2])
  }
}
