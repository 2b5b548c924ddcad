import Foundation
import Testing
@testable import Experiments
import Tensors
import DataFiles
import Physics
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The value of attribute `name` (`attribute(forName:)` misses attributes in SVG's default namespace).
private func attribute(_ name: String, of node: XMLNode) -> String? {
  (node as? XMLElement)?.attributes?.first { $0.name == name }?.stringValue
}

/// The ink of `text` at scale 1 as rows of `#` and `.`.
private func picture(_ text: String, scale: Int = 1) -> [String] {
  let mask = BitmapFont.render(text, scale: scale)
  let (height, width) = (mask.shape[1], mask.shape[2])
  return (0..<height).map { i in String((0..<width).map { mask.scalars[i * width + $0] == 1 ? "#" : "." }) }
}

@Test func theBitmapFontDrawsKnownGlyphsExactly() {
  #expect(picture("A") == [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#", ".....", "....."])
  #expect(picture("σ1") == ["........#..", ".......##..", ".####...#..", "#..#....#..", "#...#...#..", "#...#...#..", ".###...###.",
                            "...........", "..........."])
  // Descenders hang two rows below the baseline.
  #expect(picture("g") == [".....", ".....", ".####", "#...#", "#...#", "#...#", ".####", "....#", ".###."])
  // Scale 2 repeats every font pixel as a 2 × 2 block.
  #expect(picture("-", scale: 2).count == 18 && picture("-", scale: 2)[6] == "##########" && picture("-", scale: 2)[5] == "..........")
  #expect(BitmapFont.width(of: "18.3 dB", scale: 2) == (6 * 7 - 1) * 2 && BitmapFont.width(of: "") == 0)
  for character in "abcxyzABCXYZ0123456789 .,:;=()-+/%×σ≥" { #expect(BitmapFont.covers(character), "\(character)") }
  #expect(!BitmapFont.covers("€") && BitmapFont.rows(of: "€") == BitmapFont.rows(of: "?"))
}

/// Four 1 × 28 × 28 test panels with distinct, non-trivial values.
private func panels() -> [Tensor] {
  (0..<4).map { n in Tensor(shape: [1, 28, 28]) { Float(($0 * 7 + n * 31) % 256) / 255 } }
}

@Test func theLabelledGridHasTheComputedSizeAndPanelsLandUnchanged() throws {
  let images = panels()
  let grid = FigureGrid(columnHeaders: ["test image 0", "test image 1"], rows: [
    .init(name: "LE-MMSE", panels: [.init(images[0], caption: "18.3 dB"), .init(images[1], caption: "19.0 dB")]),
    .init(name: "network", panels: [.init(images[2], caption: "17.9 dB\nmatch 27.1 dB"), .init(images[3])]),
  ])
  let png = grid.png()
  // scale 4 (4 · 28 = 112); font lines 20 px; widest text "match 27.1 dB" = (6·13 − 1)·2 = 154 px, + 12;
  // row names: "LE-MMSE" and "network" are 7 characters = 82 px, + 12; captions: 1 line, then 2.
  let (label, column, header, captions) = (82 + 12, 154 + 12, 20 + 4, [4 + 20, 4 + 2 * 20])
  #expect(png.shape == [1, 8 + header + 2 * 112 + captions[0] + captions[1] + 8 + 8, 8 + label + 2 * column + 8 + 8])
  let layout = grid.layout
  #expect(layout.scale == 4 && layout.columnWidth == column && layout.captionHeights == captions)
  // Panel (1, 0) is image 2 enlarged 4×, pixel by pixel, at the offset the layout states.
  let origin = layout.panelOrigin(row: 1, column: 0)
  #expect(origin.x == 8 + label + (column - 112) / 2 && origin.y == 8 + header + 112 + captions[0] + 8)
  let width = png.shape[2]
  var mismatches = 0
  for i in 0..<112 {
    for j in 0..<112 where png.scalars[(origin.y + i) * width + origin.x + j] != images[2].scalars[(i / 4) * 28 + j / 4] {
      mismatches += 1
    }
  }
  #expect(mismatches == 0)
  // The pixel just left of the panel is white background.
  #expect(png.scalars[origin.y * width + origin.x - 1] == 1)
}

@Test func theGridSVGIsWellFormedWithTextAndDecodablePanels() throws {
  let images = panels()
  let grid = FigureGrid(columnHeaders: ["σ = 0.2", "image 3"], rows: [
    .init(name: "measurement", panels: [.init(images[0], caption: "14.0 dB"), .init(images[1], caption: "14.2 dB")]),
    .init(name: "ground truth & <co>", panels: [.init(images[2]), .init(images[3])]),
  ])
  let svg = try grid.svg()
  let document = try XMLDocument(xmlString: svg)
  let texts = try document.nodes(forXPath: "//*[local-name()='text']").compactMap(\.stringValue)
  for expected in ["σ = 0.2", "image 3", "measurement", "ground truth & <co>", "14.0 dB", "14.2 dB"] {
    #expect(texts.contains(expected), "\(expected) is not a <text> of \(texts)")
  }
  let hrefs = try document.nodes(forXPath: "//*[local-name()='image']").compactMap { attribute("href", of: $0) }
  #expect(hrefs.count == 4)
  for (href, image) in zip(hrefs, images) {
    #expect(href.hasPrefix("data:image/png;base64,"))
    let data = try #require(Data(base64Encoded: String(href.dropFirst("data:image/png;base64,".count))))
    let decoded = try PNGFile.decode(data, name: "panel")
    #expect(decoded == FigureDocument.enlarged(image, scale: 4))
  }
}

@Test func theColorBarRunsTheColormapAndIsLabelledWithMinAndMax() throws {
  let map = Tensor(shape: [1, 1, 8, 8]) { 1 + Float($0) * 30 }  // 1 … 1891
  let figure = MapFigure(rows: [.init(name: "candidates", maps: [map], scale: .logarithmic)], scale: 14)
  var bars: [(x: Int, y: Int, width: Int, height: Int)] = []
  var texts: [String] = []
  for element in figure.document.elements {
    if case let .colorBar(x, y, width, height, _) = element { bars.append((x, y, width, height)) }
    if case let .text(text, _, _, _, _) = element { texts.append(text) }
  }
  let bar = try #require(bars.first)
  #expect(bars.count == 1 && bar.height == 112)
  #expect(texts.contains("1") && texts.contains("1891"))
  #expect(texts.contains("10") && texts.contains("100"))
  let png = figure.png()
  let (width, plane) = (png.shape[2], png.shape[1] * png.shape[2])
  func pixel(_ x: Int, _ y: Int) -> SIMD3<Float> { SIMD3((0..<3).map { png.scalars[$0 * plane + y * width + x] }) }
  func byte(_ color: SIMD3<Float>) -> SIMD3<Int> { SIMD3((0..<3).map { Int((color[$0] * 255).rounded()) }) }
  #expect(byte(pixel(bar.x + 3, bar.y)) == byte(ColorMap.viridis.color(at: 1)))
  #expect(byte(pixel(bar.x + 3, bar.y + bar.height - 1)) == byte(ColorMap.viridis.color(at: 0)))
  #expect(byte(ColorMap.viridis.color(at: 0)) == SIMD3(68, 1, 84) && byte(ColorMap.viridis.color(at: 1)) == SIMD3(253, 231, 37))
  // The smallest value is coloured with the colormap's first colour, the largest with its last.
  let panelLeft = bar.x - 4 - 8 - 14 * 8
  #expect(byte(pixel(panelLeft + 7, bar.y + 7)) == byte(ColorMap.viridis.color(at: 0)))
  #expect(byte(pixel(panelLeft + 14 * 7 + 7, bar.y + 14 * 7 + 7)) == byte(ColorMap.viridis.color(at: 1)))
  let svg = try figure.svg()
  _ = try XMLDocument(xmlString: svg)
  #expect(svg.contains("<stop offset=\"0.0\" stop-color=\"#440154\"/>") && svg.contains("<stop offset=\"1.0\" stop-color=\"#fde725\"/>"))
  #expect(svg.contains(">1891</text>"))
}

@Test func smallMultiplesKeepOneColourPerSeriesName() throws {
  let plot = SmallMultiplesPlot(title: "Calibration", xLabel: "patch size P", yLabel: "PSNR [dB]", panels: [
    .init(title: "mnist · denoising", series: [.init(name: "patchmlp", points: [(3, 20), (5, 24)]), .init(name: "unet", points: [(3, 22), (5, .nan)])]),
    .init(title: "cifar · inpainting", series: [.init(name: "unet", points: [(3, 18), (5, 19)]), .init(name: "resnet", points: [(3, 30)])]),
  ], reference: .init(value: 25, label: "25 dB"))
  #expect(plot.seriesNames == ["patchmlp", "unet", "resnet"])
  #expect(plot.color(of: "unet") == SmallMultiplesPlot.palette[1])
  let svg = plot.svg()
  let document = try XMLDocument(xmlString: svg)
  let groups = try document.nodes(forXPath: "//*[local-name()='g']")
  #expect(groups.count == 2 && !svg.contains("nan"))
  // "unet" is drawn in the same colour in both panels.
  for group in groups {
    let lines = try group.nodes(forXPath: ".//*[local-name()='polyline']").compactMap { attribute("stroke", of: $0) }
    #expect(lines.allSatisfy { SmallMultiplesPlot.palette.contains($0) })
  }
  let secondPanelLines = try groups[1].nodes(forXPath: ".//*[local-name()='polyline']").compactMap { attribute("stroke", of: $0) }
  #expect(secondPanelLines == [SmallMultiplesPlot.palette[1]])
  let texts = try document.nodes(forXPath: "//*[local-name()='text']").compactMap(\.stringValue)
  for expected in ["patchmlp", "unet", "resnet", "25 dB", "patch size P", "PSNR [dB]", "mnist · denoising"] { #expect(texts.contains(expected)) }
}

@Test func patchworkColoursAreDistinctForNeighbouringImages() throws {
  let colors = (0..<12).map { PatchworkFigure.color(ofTrainingImage: $0) }
  for a in 0..<12 { for b in 0..<a { #expect(simd_distance(colors[a], colors[b]) > 0.1, "\(a) and \(b)") } }
  let figure = PatchworkFigure(winners: (0..<64).map { $0 / 16 }, height: 8, width: 8,
                               halfWeightCounts: Tensor(shape: [8, 8]) { Float($0 + 1) })
  let png = figure.png()
  #expect(png.shape[0] == 3)
  _ = try XMLDocument(xmlString: try figure.svg())
}

/// Made-up records of 2 data sets × 2 operators × 3 models × 3 σ × 3 N; calibration and density
/// bins at σ = 0.2, N = 1000.
private func madeUpRecords() -> [ResultRecord] {
  var records: [ResultRecord] = []
  for dataset in ["fashion-mnist", "cifar10"] {
    for op in ["denoising", "inpainting_center_15"] {
      for (m, model) in ["patchmlp-p5", "unet", "resnet"].enumerated() {
        for sigma in [0.1, 0.2, 0.4] {
          for n in [100, 1000, 10000] {
            let base = 30 - 20 * sigma + Double(m) + log10(Double(n))
            var record = ResultRecord(
              dataset: dataset, operator: op, sigma: sigma, input: "agnostic", model: model, patch: 5, nTrain: n, nTest: 4,
              epochs: 1, psnrMeasurementTruth: 14, psnrNetworkTruth: base, psnrLEMMSETruth: base + 1, psnrNetworkLEMMSE: base - 2,
              psnrLEMMSETruthRange: base, ssimLEMMSETruth: 0.5, ssimNetworkTruth: 0.5, secondsTrain: 1, secondsLEMMSE: 1)
            if sigma == 0.2 && n == 1000 {
              record.calibration = [3, 5, 7, 9].map { CalibrationPoint(patch: $0, psnrNetworkLEMMSE: base - abs(Double($0) - 5 - Double(m)),
                                                                      cosineNetworkLEMMSE: 0.9) }
              record.density = (0..<8).map { DensityBin(logDensity: -40 + 3 * Double($0), psnrNetworkLEMMSE: base - 8 + Double($0), pixels: 10) }
            }
            records.append(record)
          }
        }
      }
    }
  }
  return records
}

@Test func resultPlotsKeepOneColourPerModelInEveryPanel() throws {
  let records = madeUpRecords()
  #expect(ResultPlots.all(records).map(\.name) == ["density.svg", "calibration.svg", "psnr_n.svg", "psnr_sigma.svg"])
  let calibration = try #require(ResultPlots.calibration(records))
  #expect(calibration.panels.map(\.title) == ["fashion-mnist · denoising", "fashion-mnist · inpainting_center_15",
                                              "cifar10 · denoising", "cifar10 · inpainting_center_15"])
  #expect(calibration.seriesNames == ["patchmlp-p5", "unet", "resnet"])
  let document = try XMLDocument(xmlString: calibration.svg())
  for group in try document.nodes(forXPath: "//*[local-name()='g']") {
    let strokes = try group.nodes(forXPath: ".//*[local-name()='polyline']").compactMap { attribute("stroke", of: $0) }
    #expect(strokes == Array(SmallMultiplesPlot.palette.prefix(3)))
  }
  // Against N: the colour is the model's, σ picks the line style.
  let bySize = try #require(ResultPlots.psnrAgainstTrainingSize(records))
  #expect(bySize.panels.count == 12 && bySize.color(of: "unet σ=0.4") == bySize.color(of: "unet σ=0.1"))
  #expect(bySize.color(of: "unet σ=0.4") != bySize.color(of: "resnet σ=0.4"))
}

private func simd_distance(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float { ((a - b) * (a - b)).sum().squareRoot() }

/// The example driver: every kind of figure from four real FashionMNIST test images (synthetic
/// images when the data are not there), written to `$TMPDIR/lemmse-figure-examples` to look at.
@Test func exampleFiguresAreWritten() throws {
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lemmse-figure-examples")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  let data = URL(fileURLWithPath: "/work/shared/data/fashion-mnist")
  let truth = (try? DataSets.load(DataSetRequest(source: .fashionMNIST(data), split: .test, count: 4)))
    ?? Tensor.stack(panels().map { $0.reshaped([1, 1, 28, 28]) })
  let y = measure(truth, with: .denoising, sigma: 0.2, seed: 0)
  let smooth = Deconvolution(kernel: Kernels.box(size: 3)).apply(y)  // stand-ins for the estimates
  let network = (smooth * 0.9 + truth * 0.1)
  let grid = FigureGrid.comparison(measurement: y, lemmse: smooth, network: network, truth: truth,
                                   columns: 0..<4, columnHeader: { "test image \($0)" })
  try grid.write(to: folder.appendingPathComponent("figure1"))
  // Colour panels and σ headers.
  let colour = (0..<3).map { s in
    Tensor(shape: [3, 32, 32]) { index in Float((index / 1024 == s ? 1 : 0.3) * Double((index % 1024) % 32) / 31) }
  }
  try FigureGrid(columnHeaders: ["σ = 0.1", "σ = 0.2", "σ = 0.4"],
                 rows: [.init(name: "RGB", panels: colour.map { .init($0, caption: "1 dB") })]).write(to: folder.appendingPathComponent("rgb"))
  // Maps: a log-scale count and a linear log-density.
  let candidates = Tensor(shape: [4, 1, 28, 28]) { 1 + Float(1 + truth.scalars[$0] * 3000) }
  let density = truth.map { -40 + 25 * $0 }
  try MapFigure(columnHeaders: (0..<4).map { "test image \($0)" }, rows: [
    .init(name: "candidates", maps: (0..<4).map { candidates.image($0) }, scale: .logarithmic),
    .init(name: "log-density", maps: (0..<4).map { density.image($0) }, scale: .linear),
  ]).write(to: folder.appendingPathComponent("maps"))
  let winners = (0..<(28 * 28)).map { (($0 / 28) / 7) * 4 + ($0 % 28) / 7 + 100 }
  try PatchworkFigure(winners: winners, height: 28, width: 28, halfWeightCounts: candidates.image(0))
    .write(to: folder.appendingPathComponent("patchwork"))
  // The plots of the experiment runner.
  let records = madeUpRecords()
  let config = ExperimentConfig(datasets: ["a"], operators: ["denoising"], sigmas: [0.1], inputs: ["agnostic"],
                                models: [ModelSpecification(model: .patchMLP, patch: 3)], nTrain: [10], nTest: 2, epochs: 1)
  try ExperimentRunner(config: config, outputDirectory: folder).writeTables(records)
  for name in ["figure1.png", "figure1.svg", "rgb.png", "maps.png", "maps.svg", "patchwork.png", "patchwork.svg",
               "calibration.svg", "density.svg", "psnr_sigma.svg", "psnr_n.svg"] {
    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "\(name)")
  }
}
