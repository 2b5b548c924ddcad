import Tensors

/// A 5 × 7 pixel bitmap font for drawing labels into PNG figures without a font library.
///
/// Every glyph is 5 columns × 7 rows above the baseline in a 6-pixel advance (one blank column
/// between letters); `g j p q y` and `,` `;` reach 2 rows below it. A line takes 10 rows: 7, 2 of
/// descent and 1 blank. `scale` repeats every font pixel as a `scale × scale` block; figures use
/// `scale: 2` (a 10 × 14 capital, legible at 100 % zoom).
///
/// ```
/// width(of: text, scale: s)  = (6·n − 1)·s      for n > 0 characters, 0 for ""
/// height(scale: s)           = 7·s              capitals and digits, top to baseline
/// lineHeight(scale: s)       = 10·s             top of one line to the top of the next
/// ```
///
/// Covered: `A–Z`, `a–z`, `0–9`, space and `.,:;=()[]-+/%×σΣ≥≤<>_·'"!?*#|…`. Any other
/// character is drawn as `?`.
public enum BitmapFont {
  /// The width of a glyph in font pixels.
  public static let glyphWidth = 5
  /// The height of a glyph in font pixels.
  public static let glyphHeight = 7
  /// The horizontal distance between the origins of neighbouring glyphs, in font pixels.
  public static let advance = 6
  /// The rows below the baseline that descenders use, in font pixels.
  public static let descent = 2
  /// The vertical distance between the tops of neighbouring lines, in font pixels.
  public static let lineAdvance = 10

  /// The rows of `character`, top first: 7, or 9 for glyphs with a descender; bit 4 of a row is
  /// its leftmost pixel. Characters outside the font give the rows of `?`.
  public static func rows(of character: Character) -> [UInt8] {
    glyphs[character] ?? glyphs["?"]!
  }

  /// Whether the font has its own glyph for `character` (rather than drawing `?`).
  public static func covers(_ character: Character) -> Bool { glyphs[character] != nil }

  /// The width of `text` in output pixels: `(6·n − 1)·scale` for `n` characters, 0 when empty.
  public static func width(of text: String, scale: Int = 1) -> Int {
    text.isEmpty ? 0 : (advance * text.count - 1) * scale
  }

  /// The height of one line of text in output pixels, `7·scale`.
  public static func height(scale: Int = 1) -> Int { glyphHeight * scale }

  /// The distance between the tops of two lines in output pixels, `10·scale`.
  public static func lineHeight(scale: Int = 1) -> Int { lineAdvance * scale }

  /// `text` as a coverage mask: `1 × 9·scale × width(of: text, scale:)` (7 rows to the
  /// baseline, 2 of descent), 1 where ink is.
  ///
  /// An empty string gives a `1 × 9·scale × 0` tensor.
  public static func render(_ text: String, scale: Int = 1) -> Tensor {
    precondition(scale >= 1, "a font scale must be ≥ 1, got \(scale)")
    let width = width(of: text, scale: scale), height = (glyphHeight + descent) * scale
    var mask = Tensor(zeros: [1, height, width])
    forEachInkPixel(of: text, scale: scale) { x, y in mask.scalars[y * width + x] = 1 }
    return mask
  }

  /// Calls `body(x, y)` for every ink pixel of `text` drawn with its top-left corner at the origin.
  static func forEachInkPixel(of text: String, scale: Int, _ body: (Int, Int) -> Void) {
    for (index, character) in text.enumerated() {
      let rows = rows(of: character)
      for (row, bits) in rows.enumerated() {
        for column in 0..<glyphWidth where bits & (0b10000 >> UInt8(column)) != 0 {
          for dy in 0..<scale {
            for dx in 0..<scale { body((index * advance + column) * scale + dx, row * scale + dy) }
          }
        }
      }
    }
  }

  // Rows are 5-bit patterns, top row first, bit 4 = leftmost column; rows 8 and 9 hang below the baseline.
  static let glyphs: [Character: [UInt8]] = [
    " ": [0, 0, 0, 0, 0, 0, 0],
    "A": [0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
    "B": [0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110],
    "C": [0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110],
    "D": [0b11100, 0b10010, 0b10001, 0b10001, 0b10001, 0b10010, 0b11100],
    "E": [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111],
    "F": [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b10000],
    "G": [0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111],
    "H": [0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
    "I": [0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
    "J": [0b00111, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100],
    "K": [0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001],
    "L": [0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111],
    "M": [0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001],
    "N": [0b10001, 0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001],
    "O": [0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
    "P": [0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000],
    "Q": [0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101],
    "R": [0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001],
    "S": [0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110],
    "T": [0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100],
    "U": [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
    "V": [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100],
    "W": [0b10001, 0b10001, 0b10001, 0b10101, 0b10101, 0b10101, 0b01010],
    "X": [0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001],
    "Y": [0b10001, 0b10001, 0b10001, 0b01010, 0b00100, 0b00100, 0b00100],
    "Z": [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b11111],
    "a": [0b00000, 0b00000, 0b01110, 0b00001, 0b01111, 0b10001, 0b01111],
    "b": [0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b11110],
    "c": [0b00000, 0b00000, 0b01110, 0b10000, 0b10000, 0b10001, 0b01110],
    "d": [0b00001, 0b00001, 0b01101, 0b10011, 0b10001, 0b10001, 0b01111],
    "e": [0b00000, 0b00000, 0b01110, 0b10001, 0b11111, 0b10000, 0b01110],
    "f": [0b00110, 0b01001, 0b01000, 0b11100, 0b01000, 0b01000, 0b01000],
    "g": [0b00000, 0b00000, 0b01111, 0b10001, 0b10001, 0b10001, 0b01111, 0b00001, 0b01110],
    "h": [0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001],
    "i": [0b00100, 0b00000, 0b01100, 0b00100, 0b00100, 0b00100, 0b01110],
    "j": [0b00010, 0b00000, 0b00110, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100],
    "k": [0b10000, 0b10000, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010],
    "l": [0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
    "m": [0b00000, 0b00000, 0b11010, 0b10101, 0b10101, 0b10001, 0b10001],
    "n": [0b00000, 0b00000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001],
    "o": [0b00000, 0b00000, 0b01110, 0b10001, 0b10001, 0b10001, 0b01110],
    "p": [0b00000, 0b00000, 0b11110, 0b10001, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000],
    "q": [0b00000, 0b00000, 0b01111, 0b10001, 0b10001, 0b10001, 0b01111, 0b00001, 0b00001],
    "r": [0b00000, 0b00000, 0b10110, 0b11001, 0b10000, 0b10000, 0b10000],
    "s": [0b00000, 0b00000, 0b01110, 0b10000, 0b01110, 0b00001, 0b11110],
    "t": [0b01000, 0b01000, 0b11100, 0b01000, 0b01000, 0b01001, 0b00110],
    "u": [0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b10011, 0b01101],
    "v": [0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100],
    "w": [0b00000, 0b00000, 0b10001, 0b10001, 0b10101, 0b10101, 0b01010],
    "x": [0b00000, 0b00000, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001],
    "y": [0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b10001, 0b01111, 0b00001, 0b01110],
    "z": [0b00000, 0b00000, 0b11111, 0b00010, 0b00100, 0b01000, 0b11111],
    "0": [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110],
    "1": [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
    "2": [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111],
    "3": [0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110],
    "4": [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010],
    "5": [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110],
    "6": [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110],
    "7": [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000],
    "8": [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110],
    "9": [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100],
    ".": [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100],
    ",": [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100, 0b00100, 0b01000],
    ":": [0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b01100, 0b00000],
    ";": [0b00000, 0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b01100, 0b00100, 0b01000],
    "=": [0b00000, 0b00000, 0b11111, 0b00000, 0b11111, 0b00000, 0b00000],
    "(": [0b00010, 0b00100, 0b01000, 0b01000, 0b01000, 0b00100, 0b00010],
    ")": [0b01000, 0b00100, 0b00010, 0b00010, 0b00010, 0b00100, 0b01000],
    "[": [0b01110, 0b01000, 0b01000, 0b01000, 0b01000, 0b01000, 0b01110],
    "]": [0b01110, 0b00010, 0b00010, 0b00010, 0b00010, 0b00010, 0b01110],
    "-": [0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000],
    "−": [0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000],
    "+": [0b00000, 0b00100, 0b00100, 0b11111, 0b00100, 0b00100, 0b00000],
    "/": [0b00000, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b00000],
    "%": [0b11000, 0b11001, 0b00010, 0b00100, 0b01000, 0b10011, 0b00011],
    "×": [0b00000, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b00000],
    "σ": [0b00000, 0b00000, 0b01111, 0b10010, 0b10001, 0b10001, 0b01110],
    "Σ": [0b11111, 0b10000, 0b01000, 0b00100, 0b01000, 0b10000, 0b11111],
    "≥": [0b01000, 0b00100, 0b00010, 0b00100, 0b01000, 0b00000, 0b11110],
    "≤": [0b00010, 0b00100, 0b01000, 0b00100, 0b00010, 0b00000, 0b01111],
    "<": [0b00010, 0b00100, 0b01000, 0b10000, 0b01000, 0b00100, 0b00010],
    ">": [0b01000, 0b00100, 0b00010, 0b00001, 0b00010, 0b00100, 0b01000],
    "_": [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b11111],
    "·": [0b00000, 0b00000, 0b00000, 0b01100, 0b01100, 0b00000, 0b00000],
    "'": [0b01100, 0b00100, 0b01000, 0b00000, 0b00000, 0b00000, 0b00000],
    "\"": [0b01010, 0b01010, 0b01010, 0b00000, 0b00000, 0b00000, 0b00000],
    "!": [0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00000, 0b00100],
    "?": [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b00000, 0b00100],
    "*": [0b00000, 0b00100, 0b10101, 0b01110, 0b10101, 0b00100, 0b00000],
    "#": [0b01010, 0b01010, 0b11111, 0b01010, 0b11111, 0b01010, 0b01010],
    "|": [0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100],
    "…": [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b10101],
  ]
}
