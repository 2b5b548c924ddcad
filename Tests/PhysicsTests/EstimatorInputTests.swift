import Foundation
import Testing
@testable import Physics
import Tensors

/// The matrix of a linear map on one `H × W` plane, column `q` = `A e_q`, in `Double`.
func planeMatrix(_ op: ForwardOperator, height: Int, width: Int, adjoint: Bool = false) -> [[Double]] {
  let size = height * width
  var columns: [[Double]] = []
  for q in 0..<size {
    var basis = Tensor(zeros: [1, 1, height, width])
    basis.scalars[q] = 1
    columns.append((adjoint ? op.adjoint(basis) : op.apply(basis)).scalars.map(Double.init))
  }
  return (0..<size).map { row in (0..<size).map { columns[$0][row] } }
}

func multiply(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
  a.map { row in (0..<b[0].count).map { j in row.indices.reduce(0) { $0 + row[$1] * b[$1][j] } } }
}

func transpose(_ a: [[Double]]) -> [[Double]] { (0..<a[0].count).map { j in a.map { $0[j] } } }

/// Solves `M z = r` by Gaussian elimination with partial pivoting.
func solve(_ matrix: [[Double]], _ rhs: [Double]) -> [Double] {
  var a = matrix, b = rhs
  let n = b.count
  for column in 0..<n {
    let pivot = (column..<n).max { abs(a[$0][column]) < abs(a[$1][column]) }!
    a.swapAt(column, pivot)
    b.swapAt(column, pivot)
    for row in column + 1 ..< n {
      let factor = a[row][column] / a[column][column]
      for k in column..<n { a[row][k] -= factor * a[column][k] }
      b[row] -= factor * b[column]
    }
  }
  var z = [Double](repeating: 0, count: n)
  for row in stride(from: n - 1, through: 0, by: -1) {
    z[row] = (b[row] - (row + 1 ..< n).reduce(0) { $0 + a[row][$1] * z[$1] }) / a[row][row]
  }
  return z
}

let physicsOperators: [(String, @Sendable (Int, Int) -> ForwardOperator)] = [
  ("denoising", { _, _ in .denoising }),
  ("inpainting", { h, w in .inpainting(Inpainting(mask: Masks.randomDrop(height: h, width: w, dropFraction: 0.4, seed: 2))) }),
  ("deconvolution", { _, _ in .deconvolution(Deconvolution(kernel: Tensor(shape: [2, 3], scalars: [0.1, 0.4, 0.05, 0.2, 0.15, 0.1]))) }),
  ("deconvolution gaussian", { _, _ in .deconvolution(Deconvolution(kernel: Kernels.gaussian(standardDeviation: 0.7, size: 3))) }),
]

@Test(arguments: physicsOperators.indices)
func inputsMatchAPlainSolve(index: Int) throws {
  let (height, width) = (5, 6)
  let op = physicsOperators[index].1(height, width)
  let a = planeMatrix(op, height: height, width: width)
  let at = transpose(a)
  let y = randomImages([1, 1, height, width], seed: 21)
  let yValues = y.scalars.map(Double.init)
  let identity = (0..<a.count).map { i in (0..<a.count).map { $0 == i ? 1.0 : 0.0 } }

  var inputs: [EstimatorInput] = [.adjoint, .wiener(lambda: 0.05)]
  if case .inpainting = op {} else { inputs.append(.inverse(epsilon: 0.3)) }
  for input in inputs {
    let u = try input.map(y, for: op)
    let b: [[Double]]  // the matrix B with u = B y
    switch input {
    case .agnostic: b = identity
    case .adjoint: b = at
    case let .wiener(lambda):
      let normal = zip(multiply(at, a), identity).map { zip($0, $1).map { $0 + lambda * $1 } }
      let columns = (0..<a.count).map { q in solve(normal, at.map { $0[q] }) }
      b = transpose(columns)
    case let .inverse(epsilon):
      let shifted = zip(a, identity).map { zip($0, $1).map { $0 + epsilon * $1 } }
      b = transpose((0..<a.count).map { q in solve(shifted, identity.map { $0[q] }) })
    }
    let expected = b.map { row in zip(row, yValues).reduce(0) { $0 + $1.0 * $1.1 } }
    for p in expected.indices {
      #expect(abs(Double(u.scalars[p]) - expected[p]) < 1e-4, "\(physicsOperators[index].0) \(input) pixel \(p)")
    }
    // The noise structure is B Bᵀ.
    let covariance = multiply(b, transpose(b))
    let structure = try input.noiseStructure(for: op, height: height, width: width)
    for p in 0..<a.count {
      for q in 0..<a.count {
        let value: Double
        switch structure {
        case let .scaledIdentity(scale): value = p == q ? scale : 0
        case let .diagonal(variance): value = p == q ? variance[p] : 0
        case let .circulant(autocorrelation, _, _):
          let di = ((p / width - q / width) % height + height) % height
          let dj = ((p % width - q % width) % width + width) % width
          value = autocorrelation[di * width + dj]
        }
        #expect(abs(value - covariance[p][q]) < 1e-6, "\(physicsOperators[index].0) \(input) BBᵀ[\(p), \(q)]")
      }
    }
  }
}
