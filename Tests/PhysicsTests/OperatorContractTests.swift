import Foundation
import Testing
@testable import Physics
import Tensors

/// Every operator family, on a non-square image.
let operatorRegistry: [(name: String, make: @Sendable (Int, Int) -> ForwardOperator)] = [
  ("denoising", { _, _ in .denoising }),
  ("inpainting center", { h, w in .inpainting(Inpainting(mask: Masks.centeredBox(height: h, width: w, size: 3))) }),
  ("inpainting random", { h, w in .inpainting(Inpainting(mask: Masks.randomDrop(height: h, width: w, dropFraction: 0.3, seed: 4))) }),
  ("deconvolution gaussian", { _, _ in .deconvolution(Deconvolution(kernel: Kernels.gaussian(standardDeviation: 0.8))) }),
  ("deconvolution defocus", { _, _ in .deconvolution(Deconvolution(kernel: Kernels.defocus(radius: 1.5))) }),
  ("deconvolution asymmetric", { _, _ in
    .deconvolution(Deconvolution(kernel: Tensor(shape: [2, 3], scalars: [0.1, 0.4, 0.05, 0.2, 0.15, 0.1])))
  }),
]

func randomImages(_ shape: [Int], seed: UInt64) -> Tensor {
  var generator = SeededGenerator(seed: seed)
  return Tensor.uniform(shape: shape, using: &generator)
}

@Test(arguments: operatorRegistry.indices)
func adjointIsTheTransposeOfApply(index: Int) {
  let (height, width) = (9, 7)
  let op = operatorRegistry[index].make(height, width)
  let x = randomImages([2, 3, height, width], seed: 1)
  let y = randomImages([2, 3, height, width], seed: 2)
  let lhs = op.apply(x).dot(y), rhs = x.dot(op.adjoint(y))
  #expect(abs(lhs - rhs) < 1e-5 * abs(lhs), "\(operatorRegistry[index].name): ⟨Ax,y⟩ = \(lhs), ⟨x,Aᵀy⟩ = \(rhs)")
}

/// SPEC.md §2's formula, written plainly.
func specConvolution(_ x: Tensor, kernel: Tensor) -> Tensor {
  let shape = x.imageBatchShape
  let kh = kernel.shape[0], kw = kernel.shape[1]
  var result = Tensor(zeros: x.shape)
  for n in 0..<shape.count {
    for c in 0..<shape.channels {
      for i in 0..<shape.height {
        for j in 0..<shape.width {
          var total = 0.0
          for a in 0..<kh {
            for b in 0..<kw {
              let row = ((i - a + kh / 2) % shape.height + shape.height) % shape.height
              let column = ((j - b + kw / 2) % shape.width + shape.width) % shape.width
              total += Double(kernel[a, b]) * Double(x[n, c, row, column])
            }
          }
          result[n, c, i, j] = Float(total)
        }
      }
    }
  }
  return result
}

@Test(arguments: [(8, 8), (9, 6), (28, 28), (5, 5)])
func convolutionFFTAndDirectAgreeWithTheSpecFormula(height: Int, width: Int) {
  let kernels = [Kernels.gaussian(standardDeviation: 1.0, size: min(5, height)), Kernels.defocus(radius: 2.5),
                 Tensor(shape: [2, 3], scalars: [0.1, 0.4, 0.05, 0.2, 0.15, 0.1]), Kernels.box(size: 1)]
  let x = randomImages([2, 2, height, width], seed: 3)
  for kernel in kernels where kernel.shape[0] <= height && kernel.shape[1] <= width {
    let deconvolution = Deconvolution(kernel: kernel)
    let reference = specConvolution(x, kernel: kernel)
    #expect(deconvolution.apply(x, method: .direct).maxAbsoluteDifference(reference) < 1e-5)
    #expect(deconvolution.apply(x, method: .fft).maxAbsoluteDifference(reference) < 1e-5)
    #expect(deconvolution.adjoint(x, method: .fft).maxAbsoluteDifference(deconvolution.adjoint(x, method: .direct)) < 1e-5)
  }
}

@Test func convolutionIsTrueConvolutionNotCorrelation() {
  // A single 1 one row below the centre moves the image one row down.
  var kernel = Tensor(zeros: [3, 3])
  kernel[2, 1] = 1
  let x = randomImages([1, 1, 5, 6], seed: 9)
  let moved = Deconvolution(kernel: kernel).apply(x)
  #expect(moved == x.circularlyShifted(rows: 1, columns: 0))
}

@Test func kernelsMatchTheirDefinitions() {
  let gaussian = Kernels.gaussian(standardDeviation: 1.0)
  #expect(gaussian.shape == [9, 9])
  #expect(abs(gaussian.sum() - 1) < 1e-6)
  #expect(abs(Double(gaussian[4, 5] / gaussian[4, 4]) - exp(-0.5)) < 1e-6)
  let disk = Kernels.defocus(radius: 2.5)
  #expect(disk.shape == [5, 5])
  // a² + b² ≤ 6.25 holds for 21 of the 25 offsets (all but the four corners).
  #expect(disk.scalars.filter { $0 > 0 }.count == 21)
  #expect(disk[0, 0] == 0 && abs(disk[0, 1] - 1 / 21) < 1e-7)
  #expect(Kernels.gaussian(standardDeviation: 0.5, size: 3).shape == [3, 3])
  #expect(Kernels.box(size: 3).scalars.allSatisfy { abs($0 - 1 / 9) < 1e-7 })
}

@Test func masksMatchTheirDefinitions() {
  let center = Masks.centeredBox(height: 28, width: 28, size: 15)
  #expect(center.sum() == Double(28 * 28 - 225))
  #expect(center[6, 6] == 0 && center[20, 20] == 0 && center[5, 6] == 1 && center[21, 20] == 1)
  let random = Masks.randomDrop(height: 100, width: 100, dropFraction: 0.3, seed: 5)
  #expect(abs(1 - random.mean() - 0.3) < 0.02)
  #expect(random == Masks.randomDrop(height: 100, width: 100, dropFraction: 0.3, seed: 5))
  #expect(random != Masks.randomDrop(height: 100, width: 100, dropFraction: 0.3, seed: 6))
  let box = Masks.box(height: 4, width: 5, top: 1, left: 2, boxHeight: 2, boxWidth: 9)
  #expect(box.scalars == [1, 1, 1, 1, 1,  1, 1, 0, 0, 0,  1, 1, 0, 0, 0,  1, 1, 1, 1, 1])
}

@Test func specificationsParseAndRejectBadInput() throws {
  #expect(try OperatorSpecification(name: "inpainting_center_15") == .inpainting(.center(size: 15)))
  #expect(try OperatorSpecification(name: "convolution_defocus_2.5") == .deconvolution(.defocus(radius: 2.5)))
  #expect(try OperatorSpecification(name: "inpainting", mask: "box:1,2,3,4") == .inpainting(.box(top: 1, left: 2, height: 3, width: 4)))
  #expect(try OperatorSpecification(name: "deconvolution", kernel: "gaussian:1.5,7")
          == .deconvolution(.gaussian(standardDeviation: 1.5, size: 7)))
  #expect(throws: PhysicsError.self) { try OperatorSpecification(name: "superresolution") }
  #expect(throws: PhysicsError.self) { try OperatorSpecification(name: "inpainting") }
  #expect(throws: PhysicsError.self) { try OperatorSpecification(name: "deconvolution", kernel: "gaussian:-1") }
  #expect(throws: PhysicsError.self) { try MaskSpecification(parsing: "random:1.5,3") }
  #expect(throws: PhysicsError.self) {
    try OperatorSpecification(name: "deconvolution", kernel: "box:9").makeOperator(height: 8, width: 8) { _ in Tensor(zeros: [1]) }
  }
  #expect(throws: PhysicsError.self) {
    try OperatorSpecification(name: "inpainting", mask: "m.npy").makeOperator(height: 8, width: 8) { _ in Tensor(zeros: [8, 9]) }
  }
  #expect(try EstimatorInput(parsing: "wiener:0.5") == .wiener(lambda: 0.5))
  #expect(try EstimatorInput(parsing: "inverse:1e-7") == .inverse(epsilon: 1e-7))
  #expect(throws: PhysicsError.self) { try EstimatorInput(parsing: "wiener") }
  #expect(throws: PhysicsError.self) {
    try EstimatorInput.inverse(epsilon: 0.1).map(Tensor(zeros: [1, 4, 4]),
                                                 for: .inpainting(Inpainting(mask: Tensor(repeating: 1, shape: [4, 4]))))
  }
}

@Test func noiseIsSeededAndHasTheRequestedLevel() {
  let x = Tensor(zeros: [4, 1, 32, 32])
  let y = measure(x, with: .denoising, sigma: 0.2, seed: 11)
  #expect(y == measure(x, with: .denoising, sigma: 0.2, seed: 11))
  #expect(y != measure(x, with: .denoising, sigma: 0.2, seed: 12))
  let std = (y.dot(y) / Double(y.count)).squareRoot()
  #expect(abs(std - 0.2) < 0.01)
  // Noise lands on masked pixels too.
  let mask = Masks.centeredBox(height: 32, width: 32, size: 8)
  let masked = measure(x, with: .inpainting(Inpainting(mask: mask)), sigma: 0.2, seed: 11)
  #expect(masked == y)
  #expect(measure(x + 0.5, with: .denoising, sigma: 0, seed: 1) == x + 0.5)
}
