/// The part of a data set: its training or its test images.
public enum DataSplit: String, CaseIterable, Sendable {
  case train, test
}
