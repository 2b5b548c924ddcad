// lemmse-fuzz: a seeded mutation fuzz driver for the file parsers of DataFiles (and the
// experiment config). Every input is a function of (parser, seed, iteration) alone, so any
// finding is reproduced with `lemmse-fuzz PARSER --seed S --only I [--save-current]`.
import DataFiles
import Foundation

#if canImport(Glibc)
import Glibc
#endif

let usage = """
  usage: lemmse-fuzz PARSER[,PARSER…]|all [--iterations N] [--seed S] [--corpus DIR] [--only I] [--save-current]
    PARSER: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))
    --iterations N   mutated inputs per parser (default 10000)
    --seed S         the seed of every mutation (default 1)
    --corpus DIR     seed inputs in DIR/PARSER/ (default Tests/FuzzCorpus of this checkout)
    --only I         run iteration I alone (to reproduce a finding)
    --save-current   write each input to fuzz-current.bin before running it
  """

/// A line on standard output, written at once (not buffered until exit).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

@Sendable func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("lemmse-fuzz: \(message)\n".utf8))
  exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let first = arguments.first, first != "--help", first != "-h" else { print(usage); exit(arguments.isEmpty ? 2 : 0) }
arguments.removeFirst()
let targets: [FuzzTarget]
if first == "all" { targets = FuzzTarget.allCases } else {
  targets = first.split(separator: ",").map { name in
    guard let target = FuzzTarget(rawValue: String(name)) else { fail("unknown parser '\(name)'\n\(usage)") }
    return target
  }
}
var iterations = 10_000
var seed: UInt64 = 1
var only: Int?
var saveCurrent = false
var corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .appendingPathComponent("Tests/FuzzCorpus")
while let option = arguments.first {
  arguments.removeFirst()
  func value() -> String {
    guard let value = arguments.first else { fail("\(option) needs a value") }
    arguments.removeFirst()
    return value
  }
  switch option {
  case "--iterations": guard let n = Int(value()), n >= 0 else { fail("--iterations needs a count") }; iterations = n
  case "--seed": guard let s = UInt64(value()) else { fail("--seed needs a non-negative integer") }; seed = s
  case "--only": guard let i = Int(value()), i >= 0 else { fail("--only needs an iteration") }; only = i
  case "--corpus": corpus = URL(fileURLWithPath: value())
  case "--save-current": saveCurrent = true
  default: fail("unknown option '\(option)'\n\(usage)")
  }
}

// MARK: Crash and hang reports

/// Shared with the signal handler and the watchdog: [iteration, start time in ns, running].
nonisolated(unsafe) let progress = UnsafeMutablePointer<Int>.allocate(capacity: 3)
progress.initialize(repeating: 0, count: 3)
/// "lemmse-fuzz: PARSER seed S iteration ", preformatted for the signal handler.
nonisolated(unsafe) let crashPrefix = UnsafeMutablePointer<CChar>.allocate(capacity: 256)
nonisolated(unsafe) var crashPrefixLength = 0
nonisolated(unsafe) let crashDigits = UnsafeMutablePointer<CChar>.allocate(capacity: 32)

func setCrashPrefix(_ text: String) {
  let bytes = Array(text.utf8.prefix(255))
  for (index, byte) in bytes.enumerated() { crashPrefix[index] = CChar(bitPattern: byte) }
  crashPrefixLength = bytes.count
}

/// Writes the parser, seed and iteration with async-signal-safe calls only, then dies as the
/// signal would have made it.
let crashHandler: @convention(c) (Int32) -> Void = { signal in
  var value = progress[0], count = 0
  repeat { crashDigits[31 - count] = CChar(48 + value % 10); value /= 10; count += 1 } while value > 0
  _ = write(2, "\nlemmse-fuzz: CRASH (signal ", 28)
  var signalDigits: (CChar, CChar) = (CChar(48 + signal / 10), CChar(48 + signal % 10))
  _ = withUnsafePointer(to: &signalDigits) { write(2, $0, 2) }
  _ = write(2, ") in ", 5)
  _ = write(2, crashPrefix, crashPrefixLength)
  _ = write(2, crashDigits + 32 - count, count)
  _ = write(2, "\n", 1)
  Glibc.signal(signal, SIG_DFL)
  raise(signal)
}
for signalNumber in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] { signal(signalNumber, crashHandler) }

/// The parser and seed being run, for the watchdog's message; written before `progress[2]` is set.
nonisolated(unsafe) var currentTarget = ("", UInt64(0))
let watchdog = Thread {
  while true {
    Thread.sleep(forTimeInterval: 0.25)
    if progress[2] != 0, nanoseconds() - progress[1] > 5_000_000_000 {
      let (name, seed) = currentTarget
      let message = "lemmse-fuzz: HANG: one input ran over 5 s in \(name) seed \(seed) iteration \(progress[0]) "
        + "(reproduce: lemmse-fuzz \(name) --seed \(seed) --only \(progress[0]) --save-current)\n"
      FileHandle.standardError.write(Data(message.utf8))
      // The message is out; the crash handler must not run on this thread as well.
      signal(SIGABRT, SIG_DFL)
      abort()
    }
  }
}
watchdog.start()

// MARK: The loop

func seedInputs(_ target: FuzzTarget, corpus: URL) -> [[UInt8]] {
  let folder = corpus.appendingPathComponent(target.rawValue)
  guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { fail("no corpus folder \(folder.path)") }
  let inputs = names.sorted().compactMap { try? [UInt8](Data(contentsOf: folder.appendingPathComponent($0))) }
  guard !inputs.isEmpty else { fail("no seed inputs in \(folder.path)") }
  return inputs
}

/// The input of one iteration: a function of (parser, seed, iteration) only.
func input(_ target: FuzzTarget, seed: UInt64, iteration: Int, seeds: [[UInt8]]) -> [UInt8] {
  let salt = UInt64(FuzzTarget.allCases.firstIndex(of: target)!) &* 0xD1B5_4A32_D192_ED03
  var random = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ salt ^ UInt64(iteration) &* 0xA24B_AED4_963E_E407)
  let base = seeds[random.below(seeds.count)], other = seeds[random.below(seeds.count)]
  // One iteration in 64 runs an unchanged seed, so valid files keep being decoded too.
  if iteration % 64 == 0 { return base }
  var mutator = Mutator(random: random, isText: target.hasText)
  let mutated = mutator.mutate(base, other: other)
  return target == .png && !mutator.random.oneIn(4) ? fixingPNGChecksums(mutated) : mutated
}

var problems = 0
var totalInputs = 0
var totalSeconds = 0.0
for target in targets {
  let seeds = seedInputs(target, corpus: corpus)
  currentTarget = (target.rawValue, seed)
  setCrashPrefix("\(target.rawValue) seed \(seed) iteration ")
  let range = only.map { $0 ..< $0 + 1 } ?? 0 ..< iterations
  var accepted = 0, refused = 0, broken = 0
  let start = nanoseconds()
  var lastReport = start
  for iteration in range {
    let bytes = input(target, seed: seed, iteration: iteration, seeds: seeds)
    let data = Data(bytes)
    if saveCurrent { try? data.write(to: URL(fileURLWithPath: "fuzz-current.bin")) }
    progress[0] = iteration
    progress[1] = nanoseconds()
    progress[2] = 1
    do {
      try target.run(data)
      accepted += 1
    } catch {
      refused += 1
      let text = String(describing: error)
      if text.contains(where: { $0.isNewline }) || !target.isExpected(error) {
        problems += 1
        broken += 1
        if broken <= 10 {
          let what = target.isExpected(error) ? "a multi-line error" : "an error of type \(type(of: error))"
          FileHandle.standardError.write(Data("lemmse-fuzz: \(target.rawValue) seed \(seed) iteration \(iteration): \(what): \(text.debugDescription)\n".utf8))
        }
      }
    }
    progress[2] = 0
    if iteration & 1023 == 0 {
      let now = nanoseconds()
      if now - lastReport > 10_000_000_000 {
        lastReport = now
        let rate = Double(iteration - range.lowerBound + 1) / (Double(now - start) / 1e9)
        FileHandle.standardError.write(Data("lemmse-fuzz: \(target.rawValue) iteration \(iteration) (\(Int(rate)) inputs/s)\n".utf8))
      }
    }
  }
  let seconds = Double(nanoseconds() - start) / 1e9
  let line = "\(target.rawValue): \(range.count) inputs (\(accepted) accepted, \(refused) refused, \(broken) broke the error promise) in "
    + String(format: "%.2f s, %.0f inputs/s", seconds, Double(range.count) / max(seconds, 1e-9))
  say(line)
  totalInputs += range.count
  totalSeconds += seconds
}
if targets.count > 1 {
  say("all: \(totalInputs) inputs in " + String(format: "%.2f s, %.0f inputs/s", totalSeconds, Double(totalInputs) / max(totalSeconds, 1e-9)))
}
if problems > 0 {
  say("lemmse-fuzz: \(problems) inputs broke the error promise (see stderr)")
  exit(1)
}
