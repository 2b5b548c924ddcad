// swift-tools-version: 6.1
import PackageDescription

/// AVX-512 is used only when the compiler may target this machine's CPU; without the flag
/// `SIMD16<Float>` arithmetic falls back to SSE or to software calls. Every target with a
/// numerical hot path gets it.
///
/// `-Ounchecked` (no overflow or bounds traps) is kept only for the targets listed in
/// `uncheckedTargets`, where it was measured to pay and whose inputs are validated before they
/// reach the kernels. `LEMMSE_UNCHECKED=all` or `=none` in the environment overrides the list,
/// so the benchmarks can measure both.
let uncheckedTargets: Set<String> = {
  switch Context.environment["LEMMSE_UNCHECKED"] {
  case "all": return ["Tensors", "AnalyticMMSE", "NeuralNetworks", "DataFiles", "Physics", "ImageQuality", "Experiments", "LEMMSECommand"]
  case "none": return []
  // Measured with both builds, interleaved, on FashionMNIST (release, 2 threads): the dense
  // class kernel (inpainting, adjoint input, N = 2,000) ran 2.50–2.59 s checked against
  // 2.02–2.05 s unchecked (20 % faster); the box kernel, ResNet and PatchMLP training steps
  // differed by less than the machine's noise (±5 %). AnalyticEstimator validates sizes,
  // σ and values before any kernel runs.
  default: return ["AnalyticMMSE"]
  }
}()

func native(_ target: String) -> [SwiftSetting] {
  [.unsafeFlags(["-target-cpu", "native"] + (uncheckedTargets.contains(target) ? ["-Ounchecked"] : []), .when(configuration: .release)),
   .unsafeFlags(["-target-cpu", "native"], .when(configuration: .debug))]
}

let package = Package(
  name: "LEMMSE",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "lemmse", targets: ["LEMMSECommand"]),
    .executable(name: "lemmse-fuzz", targets: ["LEMMSEFuzz"]),
    .library(name: "LEMMSE", targets: ["Tensors", "DataFiles", "Physics", "ImageQuality", "AnalyticMMSE", "NeuralNetworks", "Experiments"]),
  ],
  // `swift build -c release --traits MPI` links Open MPI (Debian's libopenmpi-dev) so that
  // `mpirun -np K lemmse estimate …` splits the work over K ranks; the default build needs no MPI.
  traits: [
    .trait(name: "MPI", description: "Run lemmse estimate over MPI ranks (Open MPI, libopenmpi-dev)."),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
  ],
  targets: [
    // Public API, in dependency order.
    .target(name: "Tensors", swiftSettings: native("Tensors")),
    .target(name: "DataFiles", dependencies: ["Tensors", "CLibPNG", "CLibJPEG", "CZlib"], swiftSettings: native("DataFiles")),
    .target(name: "Physics", dependencies: ["Tensors"], swiftSettings: native("Physics")),
    .target(name: "ImageQuality", dependencies: ["Tensors"], swiftSettings: native("ImageQuality")),
    .target(name: "AnalyticMMSE", dependencies: ["Tensors", "Physics"], swiftSettings: native("AnalyticMMSE")),
    .target(name: "NeuralNetworks", dependencies: ["Tensors"], swiftSettings: native("NeuralNetworks")),
    .target(name: "Experiments",
            dependencies: ["Tensors", "DataFiles", "Physics", "ImageQuality", "AnalyticMMSE", "NeuralNetworks"],
            resources: [.copy("Resources/fashion-mnist-demo")],
            swiftSettings: native("Experiments")),
    // The processes of a run: one, or the MPI world under the MPI trait.
    .target(name: "Cluster", dependencies: [.target(name: "CMPI", condition: .when(traits: ["MPI"]))],
            swiftSettings: native("Cluster")),
    .executableTarget(name: "LEMMSECommand",
                      dependencies: ["Experiments", "Tensors", "DataFiles", "Physics", "ImageQuality", "AnalyticMMSE",
                                     "NeuralNetworks", "Cluster",
                                     .product(name: "ArgumentParser", package: "swift-argument-parser")],
                      swiftSettings: native("LEMMSECommand")),
    // A seeded mutation fuzz driver for the file parsers (`lemmse-fuzz all --iterations N`).
    .executableTarget(name: "LEMMSEFuzz", dependencies: ["DataFiles", "Tensors", "Physics", "Experiments"], swiftSettings: native("LEMMSEFuzz")),

    // Implementation details: the system's C libraries.
    .systemLibrary(name: "CLibPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
    .systemLibrary(name: "CLibJPEG", providers: [.apt(["libjpeg-dev"])]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),

    // Tests.
    .testTarget(name: "TensorsTests", dependencies: ["Tensors"], swiftSettings: native("TensorsTests")),
    .testTarget(name: "DataFilesTests", dependencies: ["DataFiles", "Tensors"], swiftSettings: native("DataFilesTests")),
    .testTarget(name: "PhysicsTests", dependencies: ["Physics", "Tensors"], swiftSettings: native("PhysicsTests")),
    .testTarget(name: "ImageQualityTests", dependencies: ["ImageQuality", "Tensors"], swiftSettings: native("ImageQualityTests")),
    .testTarget(name: "AnalyticMMSETests", dependencies: ["AnalyticMMSE", "Physics", "Tensors"], swiftSettings: native("AnalyticMMSETests")),
    .testTarget(name: "NeuralNetworksTests", dependencies: ["NeuralNetworks", "Tensors"], swiftSettings: native("NeuralNetworksTests")),
    .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "AnalyticMMSE", "Tensors", "DataFiles", "Physics", "ImageQuality", "NeuralNetworks"], swiftSettings: native("ExperimentsTests")),
    .testTarget(name: "LEMMSECommandTests", dependencies: ["LEMMSECommand", "Tensors", "DataFiles", "Experiments", "Physics", "ImageQuality", "AnalyticMMSE", "NeuralNetworks"], swiftSettings: native("LEMMSECommandTests")),
  ]
)
