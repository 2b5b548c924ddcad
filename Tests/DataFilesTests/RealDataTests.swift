import Foundation
import Testing
@testable import DataFiles

/// Loads the shared copies of the real data sets (`<repo>/../shared/data`); skipped where absent.
@Suite struct RealDataTests {
  @Test(.enabled(if: sharedData("fashion-mnist") != nil))
  func fashionMNISTTrainAndTest() throws {
    let folder = try #require(sharedData("fashion-mnist"))
    let train = try DataSets.load(DataSetRequest(source: .fashionMNIST(folder)))
    #expect(train.shape == [60000, 1, 28, 28])
    let mean = train.scalars.reduce(0.0) { $0 + Double($1) } / Double(train.count)
    #expect(abs(mean - 0.2860) < 5e-4)
    let test = try DataSets.load(DataSetRequest(source: .fashionMNIST(folder), split: .test, count: 100, offset: 9900))
    #expect(test.shape == [100, 1, 28, 28])
    let tooMany = dataFileError { _ = try DataSets.load(DataSetRequest(source: .fashionMNIST(folder), split: .test, count: 20, offset: 9990)) }
    guard case .outOfRange(_, "9990..<10010", 10000)? = tooMany else { Issue.record("got \(String(describing: tooMany))"); return }
  }

  @Test(.enabled(if: sharedData("fashion-mnist") != nil))
  func idxHeaderOfFashionMNIST() throws {
    let (shape, bytes) = try IDXFile.read(contentsOf: try #require(sharedData("fashion-mnist/t10k-images-idx3-ubyte.gz")))
    #expect(shape == [10000, 28, 28])
    #expect(bytes.count == 7_840_000)
  }

  @Test(.enabled(if: sharedData("cifar-10/lossless-subset") != nil))
  func cifar10LosslessSubset() throws {
    let (images, labels) = try CIFAR10File.read(contentsOf: try #require(sharedData("cifar-10/lossless-subset/data_batch_1.first4000.bin")))
    #expect(images.shape == [4000, 3, 32, 32])
    #expect(Array(labels.prefix(4)) == [6, 9, 9, 4])
    let folder = try #require(sharedData("cifar-10"))
    let train = try DataSets.load(DataSetRequest(source: .cifar10(folder)))
    #expect(train == images)
    let test = try DataSets.load(DataSetRequest(source: .cifar10(folder), split: .test, count: 10, offset: 990, color: .grey))
    #expect(test.shape == [10, 1, 32, 32])
  }

  @Test(.enabled(if: sharedData("cifar-10/jpeg-q75/train_jpeg.zip") != nil && sharedData("cifar-10/lossless-subset") != nil))
  func cifar10JPEGArchiveMatchesLosslessPixels() throws {
    let folder = try #require(sharedData("cifar-10/jpeg-q75"))
    let jpeg = try DataSets.load(DataSetRequest(source: .cifar10(folder), count: 50))
    let exact = try DataSets.load(DataSetRequest(source: .cifar10(try #require(sharedData("cifar-10"))), count: 50))
    #expect(jpeg.shape == [50, 3, 32, 32])
    // The README: decoded JPEGs are about 30 dB from the exact pixels; a wrong order gives about 10 dB.
    let mse = zip(jpeg.scalars, exact.scalars).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(jpeg.count)
    #expect(10 * log10(1 / mse) > 27)
    let test = try DataSets.load(DataSetRequest(source: .cifar10(folder), split: .test, count: 3, offset: 9997))
    #expect(test.shape == [3, 3, 32, 32])
  }

  @Test(.enabled(if: sharedData("ffhq-64") != nil))
  func ffhqFolder() throws {
    let folder = try #require(sharedData("ffhq-64"))
    let images = try DataSets.load(DataSetRequest(source: .folder(folder)))
    #expect(images.shape == [17, 3, 64, 64])
    let small = try DataSets.load(DataSetRequest(source: .folder(folder), count: 2, offset: 15, imageSize: 32))
    #expect(small.shape == [2, 3, 32, 32])
    // 64 → 32 is an exact 2 × 2 box mean.
    let big = images.image(15)
    let expected = (big[0, 0, 0] + big[0, 0, 1] + big[0, 1, 0] + big[0, 1, 1]) / 4
    #expect(abs(small[0, 0, 0, 0] - expected) < 1e-6)
    let grey = try DataSets.load(DataSetRequest(source: .folder(folder), count: 1, color: .grey))
    #expect(grey.shape == [1, 1, 64, 64])
  }

  /// The 5,005 faces split by number: 4,900 for training (00000–04899), 100 for testing
  /// (04900–04999); the five 69xxx faces are in neither.
  @Test(.enabled(if: sharedData("ffhq-5k") != nil))
  func ffhq5kSplit() throws {
    let folder = try #require(sharedData("ffhq-5k"))
    let test = try DataSets.load(DataSetRequest(source: .ffhq(folder, imageSize: 32), split: .test))
    #expect(test.shape == [100, 3, 32, 32])
    let last = try DataSets.load(DataSetRequest(source: .ffhq(folder, imageSize: nil), split: .train, count: 1, offset: 4899))
    let named = try PNGFile.read(contentsOf: folder.appendingPathComponent("04899.png"))
    #expect(last.image(0).maxAbsoluteDifference(named) == 0)
    #expect(throws: DataFileError.self) {
      try DataSets.load(DataSetRequest(source: .ffhq(folder, imageSize: nil), split: .train, count: 1, offset: 4900))
    }
  }
}
