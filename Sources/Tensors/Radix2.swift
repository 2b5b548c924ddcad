import Foundation

/// The iterative radix-2 Cooley–Tukey transform behind `FFT`.
struct Radix2: Sendable {
  let length: Int
  let cosines: [Double]
  let sines: [Double]
  let bitReversal: [Int]

  init(length: Int) {
    self.length = length
    var cosines = [Double](repeating: 0, count: length / 2), sines = cosines
    for index in 0..<length / 2 {
      let angle = 2 * Double.pi * Double(index) / Double(length)
      cosines[index] = cos(angle)
      sines[index] = sin(angle)
    }
    var bits = 0
    while 1 << bits < length { bits += 1 }
    var reversal = [Int](repeating: 0, count: length)
    for index in 0..<length {
      var reversed = 0
      for bit in 0..<bits where index & (1 << bit) != 0 { reversed |= 1 << (bits - 1 - bit) }
      reversal[index] = reversed
    }
    self.cosines = cosines
    self.sines = sines
    self.bitReversal = reversal
  }

  init(cosines: [Double], sines: [Double], bitReversal: [Int]) {
    self.length = bitReversal.count
    self.cosines = cosines
    self.sines = sines
    self.bitReversal = bitReversal
  }

  func transform(_ real: inout [Double], _ imaginary: inout [Double], inverse: Bool) {
    let n = length
    for index in 0..<n {
      let partner = bitReversal[index]
      if partner > index {
        real.swapAt(index, partner)
        imaginary.swapAt(index, partner)
      }
    }
    let sign: Double = inverse ? 1 : -1
    var half = 1
    while half < n {
      let stride = n / (2 * half)
      var start = 0
      while start < n {
        for offset in 0..<half {
          let wr = cosines[offset * stride], wi = sign * sines[offset * stride]
          let top = start + offset, bottom = top + half
          let br = real[bottom] * wr - imaginary[bottom] * wi
          let bi = real[bottom] * wi + imaginary[bottom] * wr
          real[bottom] = real[top] - br
          imaginary[bottom] = imaginary[top] - bi
          real[top] += br
          imaginary[top] += bi
        }
        start += 2 * half
      }
      half *= 2
    }
    if inverse {
      let scale = 1.0 / Double(n)
      for index in 0..<n {
        real[index] *= scale
        imaginary[index] *= scale
      }
    }
  }
}
