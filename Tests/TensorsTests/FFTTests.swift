import Foundation
import Testing
@testable import Tensors

/// The plain `O(n²)` DFT, the oracle for every length.
func naiveDFT(_ real: [Double], _ imaginary: [Double], inverse: Bool) -> ([Double], [Double]) {
  let n = real.count
  var outReal = [Double](repeating: 0, count: n), outImaginary = outReal
  let sign: Double = inverse ? 1 : -1
  for f in 0..<n {
    for t in 0..<n {
      let angle = sign * 2 * Double.pi * Double(f * t % n) / Double(n)
      outReal[f] += real[t] * cos(angle) - imaginary[t] * sin(angle)
      outImaginary[f] += real[t] * sin(angle) + imaginary[t] * cos(angle)
    }
    if inverse {
      outReal[f] /= Double(n)
      outImaginary[f] /= Double(n)
    }
  }
  return (outReal, outImaginary)
}

@Test(arguments: Array(1...20) + [28, 31, 32, 64, 97, 100])
func fftMatchesTheDirectSum(length: Int) {
  var generator = SeededGenerator(seed: UInt64(length))
  let real = (0..<length).map { _ in generator.nextGaussian() }
  let imaginary = (0..<length).map { _ in generator.nextGaussian() }
  for inverse in [false, true] {
    var fastReal = real, fastImaginary = imaginary
    FFT(length: length).transform(&fastReal, &fastImaginary, inverse: inverse)
    let (slowReal, slowImaginary) = naiveDFT(real, imaginary, inverse: inverse)
    for index in 0..<length {
      #expect(abs(fastReal[index] - slowReal[index]) < 1e-9 * Double(length))
      #expect(abs(fastImaginary[index] - slowImaginary[index]) < 1e-9 * Double(length))
    }
  }
}

@Test(arguments: [(1, 1), (3, 5), (28, 28), (32, 32), (7, 12)])
func fft2DRoundTripsAndMatchesSeparableDFT(height: Int, width: Int) {
  var generator = SeededGenerator(seed: 7)
  let values = (0 ..< height * width).map { _ in Float(generator.nextGaussian()) }
  let fft = FFT2D(height: height, width: width)
  let spectrum = fft.forward(values)
  // The DC term is the sum; the round trip restores the values.
  #expect(abs(spectrum.real[0] - values.reduce(0.0) { $0 + Double($1) }) < 1e-9 * Double(values.count))
  let back = fft.inverseReal(spectrum)
  for index in values.indices { #expect(abs(back[index] - Double(values[index])) < 1e-9) }
  // One coefficient against the 2-D definition.
  let u = height / 2, v = width > 1 ? 1 : 0
  var real = 0.0, imaginary = 0.0
  for i in 0..<height {
    for j in 0..<width {
      let angle = -2 * Double.pi * (Double(u * i) / Double(height) + Double(v * j) / Double(width))
      real += Double(values[i * width + j]) * cos(angle)
      imaginary += Double(values[i * width + j]) * sin(angle)
    }
  }
  #expect(abs(spectrum.real[u * width + v] - real) < 1e-8)
  #expect(abs(spectrum.imaginary[u * width + v] - imaginary) < 1e-8)
}
