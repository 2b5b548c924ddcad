import Foundation
import Testing
@testable import Experiments

private let good = #"{"datasets": ["x.npy"], "operators": ["denoising"], "sigmas": [0.1], "inputs": ["agnostic"], "models": [{"model": "patchmlp", "patch": 3, "widths": [8]}], "n_train": [10], "n_test": 2, "epochs": 1}"#

/// The config `good` with `old` replaced by `new`, decoded; the error's key and message.
private func decodingError(replacing old: String, with new: String) -> (key: String, message: String)? {
  let text = good.replacingOccurrences(of: old, with: new)
  #expect(text != good, "\(old) is not in the config")
  do {
    _ = try ExperimentConfig.decode(Data(text.utf8), name: "config.json")
    return nil
  } catch let ExperimentError.invalidValue(key, message) {
    return (key, message)
  } catch {
    Issue.record("not an ExperimentError.invalidValue: \(error)")
    return nil
  }
}

@Test(arguments: [
  // (replace, with, key, fragment of the message)
  (#""epochs": 1"#, #""epochs": 1.5"#, "epochs", "expected a whole number in 1…100000, got 1.5"),
  (#""epochs": 1"#, #""epochs": 1e30"#, "epochs", "got 1e+30"),
  (#""epochs": 1"#, #""epochs": "ten""#, "epochs", "expected a number"),
  (#""epochs": 1"#, #""epochs": 1, "seed": -1"#, "seed", "expected a whole number in 0…18446744073709551615, got -1"),
  (#""epochs": 1"#, #""epochs": 1, "seed": 0.5"#, "seed", "got 0.5"),
  (#""epochs": 1"#, #""epochs": 1, "threads": 2.5"#, "threads", "got 2.5"),
  (#""epochs": 1"#, #""epochs": 1, "batch_size": 1e20"#, "batch_size", "got 1e+20"),
  (#""epochs": 1"#, #""epochs": 1, "calibration": [3, 4.5]"#, "calibration[1]", "got 4.5"),
  (#""epochs": 1"#, #""epochs": 1, "estimators": ["bogus"]"#, "estimators[0]", "bogus"),
  (#""n_test": 2"#, #""n_test": -2.5"#, "n_test", "got -2.5"),
  (#""n_train": [10]"#, #""n_train": [10, 4.5]"#, "n_train[1]", "expected a whole number ≥ 1, got 4.5"),
  (#""n_train": [10]"#, #""n_train": 10"#, "n_train", "expected a list"),
  (#""sigmas": [0.1]"#, #""sigmas": [0.1, null]"#, "sigmas[1]", "got null"),
  (#""sigmas": [0.1]"#, #""sigmas": "0.1""#, "sigmas", "expected a list"),
  (#""widths": [8]"#, #""widths": [8, 8.5]"#, "models[0].widths[1]", "got 8.5"),
  (#""patch": 3"#, #""patch": 3.5"#, "models[0].patch", "got 3.5"),
  (#""patch": 3"#, #""patch": 3, "depth": 1e40"#, "models[0].depth", "1e+40"),
  (#""patchmlp""#, #""bogus""#, "models[0].model", "bogus"),
  (#""patch": 3"#, #""patch": 3, "residual_blocks": 1.5"#, "models[0].residual_blocks", "true or false"),
  (#", "n_test": 2"#, "", "n_test", "is missing"),
  (#""patch": 3"#, #""patch": 3, "input_scale": "big""#, "models[0].input_scale", "expected \"auto\" or a number > 0"),
  (#""patch": 3"#, #""patch": 3, "input_scale": [1]"#, "models[0].input_scale", "expected \"auto\" or a number > 0"),
  (#""epochs": 1"#, #""epochs": 1, "evaluate_epochs": [0.5]"#, "evaluate_epochs[0]", "got 0.5"),
])
func configDecodingErrorsNameTheKeyPath(replace: String, with: String, key: String, fragment: String) {
  guard let (found, message) = decodingError(replacing: replace, with: with) else {
    Issue.record("\(with) was accepted")
    return
  }
  #expect(found == key, "\(with): key '\(found)'")
  #expect(message.contains(fragment), "\(with): '\(message)'")
  #expect(!ExperimentError.invalidValue(key: found, message: message).description.contains("\n"))
}

@Test func wholeNumbersWrittenWithAnExponentAreAccepted() throws {
  let config = try ExperimentConfig.decode(Data(good.replacingOccurrences(of: #""n_test": 2"#, with: #""n_test": 2e0"#).utf8), name: "c")
  #expect(config.nTest == 2)
  #expect(try ExperimentConfig.decode(Data(good.utf8), name: "c").models[0].widths == [8])
}

@Test func unreadableConfigFilesSayWhy() throws {
  let folder = scratchDirectory()
  for (url, fragment) in [(folder, "is a directory, expected a JSON config file"),
                          (folder.appendingPathComponent("absent.json"), "no such file")] {
    #expect(throws: ExperimentError.self) { try ExperimentConfig.read(contentsOf: url) }
    do { _ = try ExperimentConfig.read(contentsOf: url) } catch {
      #expect("\(error)".contains(url.path) && "\(error)".contains(fragment), "\(error)")
    }
  }
}

@Test func validationRefusesEmptyListsAndOutOfRangeValuesBeforeAnyWork() throws {
  let folder = scratchDirectory()
  let data = try tinyDataSet(in: folder, count: 6)
  let base = ExperimentConfig(datasets: [DataSetChoice(stringLiteral: data)], operators: ["denoising"], sigmas: [0.1], inputs: ["agnostic"],
                              models: [ModelSpecification(model: .patchMLP, patch: 3, widths: [8])], nTrain: [4], nTest: 2, epochs: 1)
  var cases: [(ExperimentConfig, String)] = []
  func with(_ key: String, _ edit: (inout ExperimentConfig) -> Void) {
    var config = base
    edit(&config)
    cases.append((config, key))
  }
  with("inputs") { $0.inputs = [] }
  with("sigmas") { $0.sigmas = [] }
  with("n_train") { $0.nTrain = [] }
  with("n_train") { $0.nTrain = [7] }
  with("n_test") { $0.nTest = 7 }
  with("n_test") { $0.nTest = 0 }
  with("threads") { $0.threads = 0 }
  with("batch_size") { $0.batchSize = -1 }
  with("learning_rate") { $0.learningRate = -1 }
  with("learning_rate") { $0.learningRate = .nan }
  with("epochs") { $0.epochs = 1_000_000_000 }
  with("sigmas[0]") { $0.sigmas = [.infinity] }
  with("train_sigma_range") { $0.trainSigmaRange = [0, .infinity] }
  with("calibration[0]") { $0.calibration = [1_000_001] }
  with("calibration") { $0.calibration = [13] }
  with("widths") { $0.models = [ModelSpecification(model: .patchMLP, patch: 3, widths: [1_000_000_000])] }
  with("depth") { $0.models = [ModelSpecification(model: .patchMLP, patch: 3, widths: [8], depth: 100_000_000)] }
  with("patch") { $0.models = [ModelSpecification(model: .resNet, patch: 99999)] }
  for (config, key) in cases {
    let runner = ExperimentRunner(config: config, outputDirectory: folder.appendingPathComponent("out"))
    do {
      try runner.validate()
      Issue.record("accepted: \(key)")
    } catch let ExperimentError.invalidValue(found, message) {
      #expect(found == key, "\(key): got '\(found)': \(message)")
    } catch {
      Issue.record("\(key): not an ExperimentError: \(error)")
    }
  }
  #expect(try ExperimentRunner(config: base, outputDirectory: folder).validate()[data] == [1, 12, 12])
  #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
}

@Test func configsThatAreNotJSONObjectsNameTheFile() {
  for (text, fragment) in [("{\"datasets\": [", "not valid JSON"), ("[1, 2]", "expected a JSON object")] {
    do {
      _ = try ExperimentConfig.decode(Data(text.utf8), name: "config.json")
      Issue.record("accepted \(text)")
    } catch {
      #expect("\(error)".hasPrefix("config.json: ") && "\(error)".contains(fragment), "\(error)")
    }
  }
}
