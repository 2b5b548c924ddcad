/// The three fields of a `.npy` header, parsed from its Python dictionary literal
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
struct NumPyHeader {
  var descr: String
  var fortranOrder: Bool
  var shape: [Int]

  /// Parses the header text; only the literal forms NumPy writes are understood
  /// (quoted strings, `True`/`False`, tuples of non-negative integers).
  init(parsing text: String, name: String) throws {
    var scanner = Scanner(characters: Array(text), name: name)
    var descr: String?
    var fortranOrder: Bool?
    var shape: [Int]?
    try scanner.expect("{")
    while true {
      scanner.skipSpaces()
      if scanner.consume("}") { break }
      let key = try scanner.string()
      try scanner.expect(":")
      scanner.skipSpaces()
      switch key {
      case "descr": descr = try scanner.string()
      case "fortran_order": fortranOrder = try scanner.boolean()
      case "shape": shape = try scanner.tuple()
      default: throw scanner.failure("unknown header key '\(key.quotedForMessage())'")
      }
      scanner.skipSpaces()
      if scanner.consume(",") { continue }
      try scanner.expect("}")
      break
    }
    guard let descr, let fortranOrder, let shape else {
      throw DataFileError.corrupt(file: name, detail: "header \(text.trimmingSpaces.quotedForMessage()) lacks one of 'descr', 'fortran_order', 'shape'")
    }
    self.descr = descr
    self.fortranOrder = fortranOrder
    self.shape = shape
  }

  private struct Scanner {
    let characters: [Character]
    let name: String
    var position = 0

    func failure(_ what: String) -> DataFileError {
      .corrupt(file: name, detail: "header \(String(characters).trimmingSpaces.quotedForMessage()): \(what) at character \(position)")
    }
    mutating func skipSpaces() {
      while position < characters.count, characters[position].isWhitespace { position += 1 }
    }
    mutating func consume(_ character: Character) -> Bool {
      skipSpaces()
      guard position < characters.count, characters[position] == character else { return false }
      position += 1
      return true
    }
    mutating func expect(_ character: Character) throws {
      guard consume(character) else { throw failure("expected '\(character)'") }
    }
    mutating func string() throws -> String {
      skipSpaces()
      guard position < characters.count, characters[position] == "'" || characters[position] == "\"" else { throw failure("expected a quoted string") }
      let quote = characters[position]
      position += 1
      let start = position
      while position < characters.count, characters[position] != quote { position += 1 }
      guard position < characters.count else { throw failure("unterminated string") }
      defer { position += 1 }
      return String(characters[start..<position])
    }
    mutating func boolean() throws -> Bool {
      skipSpaces()
      for (word, value) in [("True", true), ("False", false)] where Array(characters.dropFirst(position).prefix(word.count)) == Array(word) {
        position += word.count
        return value
      }
      throw failure("expected True or False")
    }
    mutating func tuple() throws -> [Int] {
      try expect("(")
      var values: [Int] = []
      while true {
        skipSpaces()
        if consume(")") { return values }
        let start = position
        while position < characters.count, characters[position].isNumber { position += 1 }
        guard position > start, let value = Int(String(characters[start..<position])) else { throw failure("expected a dimension") }
        values.append(value)
        if consume(",") { continue }
        try expect(")")
        return values
      }
    }
  }
}

extension String {
  var trimmingSpaces: String {
    var text = Substring(self)
    while text.last?.isWhitespace == true { text.removeLast() }
    while text.first?.isWhitespace == true { text.removeFirst() }
    return String(text)
  }
}
