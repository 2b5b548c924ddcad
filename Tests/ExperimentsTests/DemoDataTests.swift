import Foundation
import Testing
@testable import Experiments
import DataFiles
import NeuralNetworks

/// The embedded subset loads as Fashion-MNIST and holds exactly the first images of the full set.
@Test func theEmbeddedSubsetIsTheStartOfFashionMNIST() throws {
  let folder = try #require(DemoData.fashionMNISTSubset, "the subset is a resource of Experiments")
  let source = DataSetSource.fashionMNIST(folder)
  let training = try DataSets.load(DataSetRequest(source: source, split: .train))
  let test = try DataSets.load(DataSetRequest(source: source, split: .test))
  #expect(training.shape == [DemoData.trainingCount, 1, 28, 28])
  #expect(test.shape == [DemoData.testCount, 1, 28, 28])
  #expect(training.scalars.allSatisfy { (0...1).contains($0) })
  // Fashion-MNIST's pixel mean is 0.2860 over all 60,000; the first 2,000 are close to it.
  #expect(abs(training.mean() - 0.286) < 0.01)
  if let full = DataLocator.find(.fashionMNIST) {
    let fullSource = DataSetSource.fashionMNIST(full)
    #expect(try DataSets.load(DataSetRequest(source: fullSource, split: .train, count: DemoData.trainingCount)) == training)
    #expect(try DataSets.load(DataSetRequest(source: fullSource, split: .test, count: DemoData.testCount)) == test)
  }
  #expect(throws: DataFileError.self) { try DataSets.load(DataSetRequest(source: source, split: .test, count: 17)) }
}
