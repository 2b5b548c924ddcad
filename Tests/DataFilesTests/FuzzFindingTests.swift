import Foundation
import Testing
@testable import DataFiles

/// Inputs `lemmse-fuzz` produced that crashed, hung or exhausted memory in the parsers before they
/// checked their sizes (found by running the driver against the code of commit 3b528c4). Each must
/// now be refused with one line, or decoded, without a large allocation.
@Suite struct FuzzFindingTests {
  static let findings: [(parser: String, base64: String)] = [
    // `lemmse-fuzz npy --seed 1 --only 55` on the code before the fixes: an overflowing shape (1, 1, 3689348814741910336, 3): an arithmetic-overflow trap.
    ("npy", "k05VTVBZAwB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMSwgMSwgMzY4OTM0ODgxNDc0MTkxMDMzNiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqwfk8/4AsMPop61j6jtFA/tdFpPOLiID+ZA0s/NFQDP0XROT8="),
    // `lemmse-fuzz png --seed 1 --only 18802` on the code before the fixes: a grey PNG whose IHDR says 9 GB of pixels: allocation abort.
    ("png", "iVBORw0KGgoAAAANSUhEUgAALQIAAQACEAYAAACjhBMpAAAAKklEQVRo2mNgYGRmZmFlY+fg5OLm4eXjZxAQFBIWERUTl5CUkpaRlZMHABXqAfE5uCOPAAAAAElFTkSuQmCC"),
    // `lemmse-fuzz idx --seed 1 --only 43` on the code before the fixes: a gzipped IDX file whose trailer says ~4 GB: allocation abort.
    ("idx", "H4sIAAAAAAACA2Ng4GBmYGAAYRYQzgAAAAAAAAAAv1eSoZ7HJaO7hz+/8Hj8NWb7I13ptb1vda8AAAAEa0EMO63j9jkPSmIxLkjSMt3D8+hI4/Vct+ItG62N7S3X+xBlg3uXWFyuZU8sQrjy"),
    // `lemmse-fuzz gzip --seed 1 --only 9` on the code before the fixes: a damaged gzip member whose trailer says ~4 GB: 4 GB zeroed before failing, over 5 s under load.
    ("gzip", "H4sIAAAAbwACAyvJyFUoLM1MzlZIKsovz0NIy69QyCrNLShPT09PT09POTk5OTk5OTk5OU9PT09PT09PTwAA//8tUigBSg=="),
    // `lemmse-fuzz zip --seed 1 --only 2399` on the code before the fixes: a zip entry whose directory says ~4 GB deflated: 4 GB zeroed, then accepted.
    ("zip", "UEsDBBQAAAAAAAAAIVDAAYmXUAAAAFAAAAAFAAAAYS50eHR6aXAgZW50cnkgemlwIGVudHJ5IHppcCBlbnRyeSB6aXAgZW50cnkgemlwIGVudHJ5IHppcCBlbnRyeSB6aXAgZW50cnkgemlwIGVudHJ5IFBLAwQUAAAACAAAACFQwAGJlw8AAABQAAAABQAAAGIudHh0q8osUEjNKymqVKiiCgsAUEsBAhQDFAAAAAAAAAAhUMABiZdQAAAAUAAAAAUAAAAAAAAAAAAAAIABAAAAAGEudHh0UEsBAhQDFAAAAAgAAAAhUMABiZcPAAAAUAAAgAUAAAAAAAAAAAAAAIABcwAAAGIudHh0UEsFBgAAAAACAAIAZgAAAKUAAAAAAA=="),
  ]

  @Test(arguments: findings.indices)
  func findingIsRefusedCleanly(index: Int) throws {
    let (parser, base64) = Self.findings[index]
    let data = try #require(Data(base64Encoded: base64))
    let name = "finding.\(parser)"
    BadFileTests.refusal(naming: name) {
      switch parser {
      case "npy": _ = try DataSets.numPyImages(data, name: name)
      case "png": _ = try PNGFile.decode(data, name: name)
      case "idx": _ = try DataSets.fashionMNISTImages(data, name: name)
      case "gzip": _ = try Gzip.decompress(data, name: name)
      case "zip":
        let archive = try ZipArchive(data: data, name: name)
        for entry in archive.entryNames { _ = try archive.contents(of: entry) }
      default: Issue.record("no parser \(parser)")
      }
    }
  }
}
