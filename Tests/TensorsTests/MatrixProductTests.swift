import Testing
@testable import Tensors

/// `matrixMultiply` against a plain triple loop in `Double`, over shapes, transpositions,
/// strides, scales and thread counts.
@Suite struct MatrixProductTests {
  /// One product to check: sizes, transpositions, scales and extra row stride of every matrix.
  struct Case: Sendable, CustomTestStringConvertible {
    var transposeA: Transpose = .none
    var transposeB: Transpose = .none
    var m: Int, n: Int, k: Int
    var alpha: Float = 1
    var beta: Float = 0
    /// How much longer every row stride is than the stored row (a submatrix of a wider matrix).
    var padding = 0
    var threads = 2

    var testDescription: String {
      "\(transposeA)·\(transposeB) m=\(m) n=\(n) k=\(k) α=\(alpha) β=\(beta) pad=\(padding) threads=\(threads)"
    }
  }

  /// The operands of a case, its reference result in `Double` and what `matrixMultiply` gave.
  struct Outcome {
    var c: [Float]
    var reference: [Double]
    var tolerance: Double
    var ldc: Int
    var initialC: [Float]
  }

  static let transposes: [(Transpose, Transpose)] = [
    (.none, .none), (.none, .transposed), (.transposed, .none), (.transposed, .transposed),
  ]

  /// Runs `matrixMultiply` on seeded values in `[-1, 1)`; `initialC` fills C (NaN to check β = 0).
  static func run(_ test: Case, seed: UInt64 = 1, initialC: Float? = nil) -> Outcome {
    var generator = SeededGenerator(seed: seed)
    func uniform() -> Float { 2 * generator.nextUniform() - 1 }
    let (m, n, k) = (test.m, test.n, test.k)
    let rowsA = test.transposeA == .none ? m : k, columnsA = test.transposeA == .none ? k : m
    let rowsB = test.transposeB == .none ? k : n, columnsB = test.transposeB == .none ? n : k
    let lda = Swift.max(1, columnsA + test.padding)
    let ldb = Swift.max(1, columnsB + test.padding)
    let ldc = Swift.max(1, n + test.padding)
    let a = (0..<Swift.max(1, rowsA * lda)).map { _ in uniform() }
    let b = (0..<Swift.max(1, rowsB * ldb)).map { _ in uniform() }
    var c = (0..<Swift.max(1, m * ldc)).map { _ in initialC ?? uniform() }
    let original = c

    var reference = original.map(Double.init)
    for i in 0..<m {
      for j in 0..<n {
        var sum = 0.0
        for p in 0..<k {
          let x = test.transposeA == .none ? a[i * lda + p] : a[p * lda + i]
          let y = test.transposeB == .none ? b[p * ldb + j] : b[j * ldb + p]
          sum += Double(x) * Double(y)
        }
        let old = test.beta == 0 ? 0 : Double(test.beta) * Double(original[i * ldc + j])
        reference[i * ldc + j] = Double(test.alpha) * sum + old
      }
    }

    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        c.withUnsafeMutableBufferPointer { c in
          matrixMultiply(test.transposeA, test.transposeB, m: m, n: n, k: k, alpha: test.alpha,
                         a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, beta: test.beta,
                         c: c.baseAddress!, ldc: ldc, threads: test.threads)
        }
      }
    }
    // Values are in [-1, 1), so every product is at most 1 in size.
    let tolerance = 1e-5 * Double(Swift.max(k, 1)) * Double(abs(test.alpha)) + 1e-6 * Double(abs(test.beta))
    return Outcome(c: c, reference: reference, tolerance: tolerance, ldc: ldc, initialC: original)
  }

  /// Checks every element of C against the reference and that the padding of C is untouched.
  static func check(_ test: Case, _ outcome: Outcome) {
    var worst = 0.0
    var untouched = true
    for i in 0..<test.m {
      for j in 0..<outcome.ldc {
        let index = i * outcome.ldc + j
        if j < test.n {
          let error = abs(Double(outcome.c[index]) - outcome.reference[index])
          worst = error.isNaN ? .infinity : Swift.max(worst, error)
        } else if outcome.c[index].bitPattern != outcome.initialC[index].bitPattern {
          untouched = false
        }
      }
    }
    #expect(worst <= outcome.tolerance, "\(test.testDescription): error \(worst) > \(outcome.tolerance)")
    #expect(untouched, "\(test.testDescription): wrote outside the m × n submatrix of C")
  }

  static let shapes: [(Int, Int, Int)] = [
    (1, 1, 1), (1, 1, 7), (7, 1, 1), (1, 33, 1), (2, 3, 4), (7, 17, 33), (12, 32, 1), (12, 32, 8),
    (13, 33, 17), (11, 31, 5), (24, 64, 256), (25, 65, 257), (100, 100, 100), (37, 45, 300),
    (145, 40, 25), (150, 97, 513), (289, 33, 75), (5, 300, 64), (64, 2049, 3),
    // Wider than the column groups of a narrow-m product.
    (37, 129, 45), (150, 200, 300),
  ]

  @Test("matches the reference for every transposition", arguments: shapes, transposes)
  func matchesReference(shape: (Int, Int, Int), transposition: (Transpose, Transpose)) {
    let test = Case(transposeA: transposition.0, transposeB: transposition.1, m: shape.0, n: shape.1, k: shape.2)
    Self.check(test, Self.run(test))
  }

  @Test("every size from 0 to 5 in every transposition")
  func exhaustiveSmallSizes() {
    for (transposeA, transposeB) in Self.transposes {
      for m in 0...5 {
        for n in 0...5 {
          for k in 0...5 {
            let test = Case(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                            alpha: 0.75, beta: -0.5, threads: 1)
            Self.check(test, Self.run(test))
          }
        }
      }
    }
  }

  @Test("submatrices with row strides longer than the rows, α and β",
        arguments: [(Float(1), Float(1)), (0.5, -1.5), (-2, 0), (1, 0.25)], transposes)
  func stridesAndScales(scales: (Float, Float), transposition: (Transpose, Transpose)) {
    for (m, n, k) in [(13, 35, 29), (40, 70, 260), (1, 1, 1), (3, 50, 2)] {
      let test = Case(transposeA: transposition.0, transposeB: transposition.1, m: m, n: n, k: k,
                      alpha: scales.0, beta: scales.1, padding: 5)
      Self.check(test, Self.run(test))
    }
  }

  @Test("β = 0 never reads C, so NaN there does not leak", arguments: transposes)
  func betaZeroIgnoresNaN(transposition: (Transpose, Transpose)) {
    for (m, n, k) in [(13, 35, 29), (24, 64, 300), (5, 3, 0)] {
      let test = Case(transposeA: transposition.0, transposeB: transposition.1, m: m, n: n, k: k,
                      alpha: 1.5, beta: 0, padding: 2)
      let outcome = Self.run(test, initialC: .nan)
      Self.check(test, outcome)
    }
  }

  @Test("k = 0 and α = 0 scale C by β")
  func emptyProductScalesC() {
    for beta: Float in [0, 1, -2] {
      let test = Case(m: 7, n: 9, k: 0, beta: beta, padding: 1)
      Self.check(test, Self.run(test))
      let zeroAlpha = Case(m: 7, n: 9, k: 4, alpha: 0, beta: beta, padding: 1)
      Self.check(zeroAlpha, Self.run(zeroAlpha))
    }
  }

  @Test("1, 2 and 7 threads give bit-identical results", arguments: transposes)
  func threadCountDoesNotChangeResult(transposition: (Transpose, Transpose)) {
    for (m, n, k) in [(301, 70, 530), (13, 2100, 20), (150, 33, 75)] {
      var test = Case(transposeA: transposition.0, transposeB: transposition.1, m: m, n: n, k: k,
                      alpha: 0.5, beta: 2, padding: 3, threads: 1)
      let single = Self.run(test, seed: 7)
      for threads in [2, 7] {
        test.threads = threads
        let several = Self.run(test, seed: 7)
        Self.check(test, several)
        #expect(single.c.map(\.bitPattern) == several.c.map(\.bitPattern), "\(test.testDescription)")
      }
    }
  }

  @Test("Tensor.matrixProduct agrees with matrixMultiply in every transposition")
  func tensorConvenience() {
    var generator = SeededGenerator(seed: 3)
    let x = Tensor(shape: [5, 7]) { _ in generator.nextUniform() }
    let y = Tensor(shape: [7, 3]) { _ in generator.nextUniform() }
    func transposed(_ t: Tensor) -> Tensor {
      Tensor(shape: [t.shape[1], t.shape[0]]) { index in t[index % t.shape[0], index / t.shape[0]] }
    }
    let expected = x.matrixProduct(y)
    #expect(expected.shape == [5, 3])
    for i in 0..<5 {
      for j in 0..<3 {
        var sum = 0.0
        for p in 0..<7 { sum += Double(x[i, p]) * Double(y[p, j]) }
        #expect(abs(Double(expected[i, j]) - sum) < 1e-5)
      }
    }
    #expect(transposed(x).matrixProduct(y, transposeSelf: true) == expected)
    #expect(x.matrixProduct(transposed(y), transposeOther: true) == expected)
    #expect(transposed(x).matrixProduct(transposed(y), transposeSelf: true, transposeOther: true) == expected)
    #expect(Tensor(zeros: [4, 0]).matrixProduct(Tensor(zeros: [0, 3])) == Tensor(zeros: [4, 3]))
  }
}
