// swift-tools-version: 6.1
import PackageDescription

/// Release-only benchmarks of LEMMSE, kept out of the main package so its tests and users never
/// build them. Build and run with `swift build -c release && .build/release/lemmse-bench gemm`.
///
/// The baselines (naive loops) get the same `-target-cpu native` as the library, so a ratio
/// compares algorithms, not instruction sets.
let native: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "native", "-Ounchecked"], .when(configuration: .release)),
                              .unsafeFlags(["-target-cpu", "native"], .when(configuration: .debug))]

let package = Package(
  name: "LEMMSEBenchmarks",
  platforms: [.macOS(.v14)],
  dependencies: [
    .package(name: "LEMMSE", path: ".."),
  ],
  targets: [
    .executableTarget(name: "lemmse-bench",
                      dependencies: [.product(name: "LEMMSE", package: "LEMMSE")],
                      path: "Sources/LEMMSEBenchmarks",
                      swiftSettings: native),
  ]
)
