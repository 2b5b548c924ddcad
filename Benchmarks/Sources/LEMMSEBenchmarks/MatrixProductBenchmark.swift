import Foundation
import Tensors

/// Throughput of `matrixMultiply` on the shapes LEMMSE uses, against the FMA peak and a naive loop.
///
/// For each shape it prints GFLOP/s (`2·m·n·k` per product, best of several runs) for one thread
/// and for all cores, the percentage of an assumed FMA peak, and the ratio to a naive `i-k-j`
/// triple loop measured in the same run on the same `k × n` with fewer rows (its GFLOP/s does not
/// depend on `m`), so the ratio is a ratio of times scaled by flops.
enum MatrixProductBenchmark {
  /// Two 512-bit FMA pipes × 16 lanes × 2 flops at about 4.4 GHz (AMD Zen 5).
  static let peakPerCore = 280.0

  struct Shape {
    var label: String
    var m: Int, k: Int, n: Int
    var transposeA: Transpose = .none
    var transposeB: Transpose = .none
  }

  static let shapes: [Shape] = [
    Shape(label: "square", m: 512, k: 512, n: 512),
    Shape(label: "square", m: 1024, k: 1024, n: 1024),
    Shape(label: "square", m: 2048, k: 2048, n: 2048),
    Shape(label: "square Aᵀ", m: 1024, k: 1024, n: 1024, transposeA: .transposed),
    Shape(label: "square Bᵀ", m: 1024, k: 1024, n: 1024, transposeB: .transposed),
    Shape(label: "square AᵀBᵀ", m: 1024, k: 1024, n: 1024, transposeA: .transposed, transposeB: .transposed),
    Shape(label: "im2col 5×5→256", m: 25_088, k: 25, n: 256),
    Shape(label: "im2col 3×3×64→64", m: 25_088, k: 576, n: 64),
    Shape(label: "im2col 3×3×32→128", m: 25_088, k: 288, n: 128),
    Shape(label: "im2col 1 image", m: 784, k: 25, n: 256),
    Shape(label: "im2col L3 3×3×64→64", m: 2508, k: 576, n: 64),
    Shape(label: "im2col backward Aᵀ", m: 576, k: 25_088, n: 64, transposeA: .transposed),
    Shape(label: "attention k=75", m: 784, k: 75, n: 784, transposeB: .transposed),
    Shape(label: "attention k=25", m: 784, k: 25, n: 784),
  ]

  static func run(_ arguments: [String]) {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    print("matrixMultiply (sgemm) benchmark — `lemmse-bench gemm`, release build")
    print("machine: \(cpuModel()), \(cores) cores (Parallel.defaultThreadCount = \(Parallel.defaultThreadCount))")
    print("peak assumed: \(Int(peakPerCore)) GFLOP/s single-precision FMA per core (2 × 512-bit FMA/cycle ≈ 4.4 GHz), "
          + "\(Int(peakPerCore) * cores) for \(cores) threads")
    print("load average before the run: \(loadAverage()) (other processes on these cores skew the numbers)")
    print("GFLOP/s = 2·m·n·k / best time; naive = i-k-j triple loop, one thread, same k × n, fewer rows\n")
    print("| shape | m × k × n | threads | ms | GFLOP/s | % of peak | × naive |")
    print("|---|---|--:|--:|--:|--:|--:|")
    // An optional argument keeps only the shapes whose label contains it, e.g. `gemm im2col`.
    let filter = arguments.first
    for shape in shapes where filter.map({ shape.label.contains($0) }) ?? true {
      let naive = naiveGFLOPS(shape)
      for threads in Array(Set([1, cores])).sorted() {
        let seconds = time(shape, threads: threads)
        let gflops = 2 * Double(shape.m) * Double(shape.n) * Double(shape.k) / seconds / 1e9
        let percent = 100 * gflops / (peakPerCore * Double(threads))
        print("| \(shape.label) | \(shape.m) × \(shape.k) × \(shape.n) | \(threads) | "
              + "\(format(seconds * 1000, 2)) | \(format(gflops, 1)) | \(format(percent, 0)) % | \(format(gflops / naive, 1)) |")
      }
    }
    print("\nload average after the run: \(loadAverage())")
  }

  /// The best time of `matrixMultiply` on `shape`, over runs adding up to about half a second.
  static func time(_ shape: Shape, threads: Int) -> Double {
    let (m, n, k) = (shape.m, shape.n, shape.k)
    let lda = shape.transposeA == .none ? k : m
    let ldb = shape.transposeB == .none ? n : k
    let a = randomMatrix(count: m * k, seed: 1)
    let b = randomMatrix(count: k * n, seed: 2)
    var c = [Float](repeating: 0, count: m * n)
    return a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        c.withUnsafeMutableBufferPointer { c in
          best {
            matrixMultiply(shape.transposeA, shape.transposeB, m: m, n: n, k: k,
                           a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                           c: c.baseAddress!, ldc: n, threads: threads)
          }
        }
      }
    }
  }

  /// GFLOP/s of the naive loop on `shape`'s `k × n`, with rows cut to about 200 MFLOP.
  static func naiveGFLOPS(_ shape: Shape) -> Double {
    let (n, k) = (shape.n, shape.k)
    let m = max(1, min(shape.m, 100_000_000 / (n * k)))
    let a = randomMatrix(count: m * k, seed: 1)
    let b = randomMatrix(count: k * n, seed: 2)
    var c = [Float](repeating: 0, count: m * n)
    let seconds = a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        c.withUnsafeMutableBufferPointer { c in
          best { naiveProduct(m: m, n: n, k: k, a: a.baseAddress!, b: b.baseAddress!, c: c.baseAddress!) }
        }
      }
    }
    return 2 * Double(m) * Double(n) * Double(k) / seconds / 1e9
  }

  /// `C = A · B`, row-major and contiguous, in the cache-friendly `i-k-j` order.
  @inline(never)
  static func naiveProduct(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                           c: UnsafeMutablePointer<Float>) {
    for i in 0..<m {
      let row = c + i * n
      row.update(repeating: 0, count: n)
      for p in 0..<k {
        let x = a[i * k + p]
        let source = b + p * n
        for j in 0..<n { row[j] += x * source[j] }
      }
    }
  }

  /// The shortest of several runs of `body` (one warm-up, then at least 3 and about 0.5 s).
  static func best(_ body: () -> Void) -> Double {
    body()
    var shortest = Double.infinity
    var total = 0.0
    var runs = 0
    while runs < 3 || total < 0.5 {
      let start = DispatchTime.now().uptimeNanoseconds
      body()
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      shortest = min(shortest, seconds)
      total += seconds
      runs += 1
    }
    return shortest
  }

  static func randomMatrix(count: Int, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in 2 * generator.nextUniform() - 1 }
  }

  static func cpuModel() -> String {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
          let name = line.split(separator: ":", maxSplits: 1).last
    else { return "unknown CPU" }
    return name.trimmingCharacters(in: .whitespaces)
  }

  static func loadAverage() -> String {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
    return text.split(separator: " ").prefix(3).joined(separator: " ")
  }

  static func format(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
