// swift-tools-version: 6.1
import PackageDescription

/// AVX-512 is used only when the compiler may target this machine's CPU; without the flag
/// `SIMD16<Float>` arithmetic falls back to SSE or to software calls. Every target with a
/// numerical hot path gets it.
let native: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "native", "-Ounchecked"], .when(configuration: .release)),
                              .unsafeFlags(["-target-cpu", "native"], .when(configuration: .debug))]

let package = Package(
  name: "LEMMSE",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "lemmse", targets: ["LEMMSECommand"]),
    .executable(name: "lemmse-fuzz", targets: ["LEMMSEFuzz"]),
    .library(name: "LEMMSE", targets: ["Tensors", "DataFiles", "Physics", "ImageQuality", "AnalyticMMSE", "NeuralNetworks", "Experiments"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
  ],
  targets: [
    // Public API, in dependency order.
    .target(name: "Tensors", swiftSettings: native),
    .target(name: "DataFiles", dependencies: ["Tensors", "CLibPNG", "CLibJPEG", "CZlib"], swiftSettings: native),
    .target(name: "Physics", dependencies: ["Tensors"], swiftSettings: native),
    .target(name: "ImageQuality", dependencies: ["Tensors"], swiftSettings: native),
    .target(name: "AnalyticMMSE", dependencies: ["Tensors", "Physics"], swiftSettings: native),
    .target(name: "NeuralNetworks", dependencies: ["Tensors"], swiftSettings: native),
    .target(name: "Experiments",
            dependencies: ["Tensors", "DataFiles", "Physics", "ImageQuality", "AnalyticMMSE", "NeuralNetworks"],
            swiftSettings: native),
    .executableTarget(name: "LEMMSECommand",
                      dependencies: ["Experiments", "Tensors", "DataFiles", "Physics", "ImageQuality", "AnalyticMMSE",
                                     "NeuralNetworks",
                                     .product(name: "ArgumentParser", package: "swift-argument-parser")],
                      swiftSettings: native),
    // A seeded mutation fuzz driver for the file parsers (`lemmse-fuzz all --iterations N`).
    .executableTarget(name: "LEMMSEFuzz", dependencies: ["DataFiles", "Tensors", "Experiments"], swiftSettings: native),

    // Implementation details: the system's C libraries.
    .systemLibrary(name: "CLibPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
    .systemLibrary(name: "CLibJPEG", providers: [.apt(["libjpeg-dev"])]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

    // Tests.
    .testTarget(name: "TensorsTests", dependencies: ["Tensors"], swiftSettings: native),
    .testTarget(name: "DataFilesTests", dependencies: ["DataFiles", "Tensors"], swiftSettings: native),
    .testTarget(name: "PhysicsTests", dependencies: ["Physics", "Tensors"], swiftSettings: native),
    .testTarget(name: "ImageQualityTests", dependencies: ["ImageQuality", "Tensors"], swiftSettings: native),
    .testTarget(name: "AnalyticMMSETests", dependencies: ["AnalyticMMSE", "Physics", "Tensors"], swiftSettings: native),
    .testTarget(name: "NeuralNetworksTests", dependencies: ["NeuralNetworks", "Tensors"], swiftSettings: native),
    .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "AnalyticMMSE"], swiftSettings: native),
    .testTarget(name: "LEMMSECommandTests", dependencies: ["LEMMSECommand", "Tensors", "DataFiles"], swiftSettings: native),
  ]
)
