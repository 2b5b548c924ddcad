/// An error from reading or writing a data file, or from locating a data set.
///
/// Every description is one line that names the file (or folder, or text), says what was
/// expected and what was found, and, where there is one, how to fix it:
///
/// ```
/// x.npy: truncated: header says 784 values of <f4 (3136 bytes), file has 100
/// ```
public enum DataFileError: Error, CustomStringConvertible, Equatable {
  /// The file could not be opened or read (missing, unreadable): `reason` is the system's.
  case cannotRead(file: String, reason: String)
  /// The file (or its folder) could not be written: `reason` is the system's.
  case cannotWrite(file: String, reason: String)
  /// The file ends before the data its header announces.
  case truncated(file: String, detail: String)
  /// The file's bytes are not a valid file of its format.
  case corrupt(file: String, detail: String)
  /// The file is valid but uses a feature this module does not read (a dtype, an order, a depth).
  case unsupported(file: String, detail: String)
  /// A tensor cannot be written in the requested format (wrong rank or channel count).
  case invalidTensor(file: String, detail: String)
  /// A data-set folder lacks the files a loader needs.
  case missingFiles(folder: String, lookedFor: [String])
  /// A request asks for images beyond the end of a data set.
  case outOfRange(dataSet: String, requested: String, available: Int)
  /// A data-set source string could not be understood.
  case invalidSource(text: String, reason: String)
  /// A data set named without a folder was not found in any searched location.
  case dataSetNotFound(name: String, searched: [String])
  /// The images of a data set disagree in shape or channel count.
  case inconsistentImages(dataSet: String, detail: String)

  /// One line: file-derived text is escaped again here, so no reader can break the promise.
  public var description: String { unescapedDescription.escapingControlCharacters }

  private var unescapedDescription: String {
    switch self {
    case let .cannotRead(file, reason):
      return "\(file): cannot read: \(reason)"
    case let .cannotWrite(file, reason):
      return "\(file): cannot write: \(reason)"
    case let .truncated(file, detail):
      return "\(file): truncated: \(detail)"
    case let .corrupt(file, detail):
      return "\(file): corrupt: \(detail)"
    case let .unsupported(file, detail):
      return "\(file): unsupported: \(detail)"
    case let .invalidTensor(file, detail):
      return "\(file): cannot encode: \(detail)"
    case let .missingFiles(folder, lookedFor):
      return "\(folder): data set files not found; looked for \(lookedFor.joined(separator: ", "))"
    case let .outOfRange(dataSet, requested, available):
      return "\(dataSet): requested images \(requested), but it has \(available); lower --offset/--count"
    case let .invalidSource(text, reason):
      return "'\(text)': not a data set source: \(reason)"
    case let .dataSetNotFound(name, searched):
      return "\(name): data set not found; looked in \(searched.joined(separator: ", ")); "
        + "set LEMMSE_DATA to the folder holding it or write \(name):DIR"
    case let .inconsistentImages(dataSet, detail):
      return "\(dataSet): images differ: \(detail)"
    }
  }
}
