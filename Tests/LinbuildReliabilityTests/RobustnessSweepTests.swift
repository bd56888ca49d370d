import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// Thousands of generated and mutated inputs through the parser and the presets loader.
/// No crash, no trap, and every outcome is success or a documented error on one line.
@Suite(.timeLimit(.minutes(5))) struct RobustnessSweepTests {
    static let seed: UInt64 = 0x11_4B_75_11D
    static let nasty = [
        "", "-", "--", "-x", "--arch", "all", "ampere,hopper", "a b", "$(id)", "`id`", ";", "\n", "\u{0}",
        "é", "🙂", "99999999999999999999", "-1", "0", "12", "feat/x", "..", "@{", "x.lock",
        String(repeating: "z", count: 300), "127.0.0.1:5000", "Upper/Case", "linux/amd64", "a=b", "=", "\u{FFFD}",
    ]

    static func randomWord(_ generator: inout SeededGenerator) -> String {
        switch Int.random(in: 0..<4, using: &generator) {
        case 0:
            return nasty.randomElement(using: &generator)!
        case 1:
            let spec = OptionTable.all.randomElement(using: &generator)!
            return Bool.random(using: &generator) ? "--" + spec.name : "--\(spec.name)=\(nasty.randomElement(using: &generator)!)"
        case 2:
            return Subcommand.allCases.randomElement(using: &generator)!.rawValue
        default:
            let scalars = (0..<Int.random(in: 0..<12, using: &generator)).compactMap { _ in
                Unicode.Scalar(UInt32.random(in: 0..<0x3000, using: &generator))
            }
            return String(String.UnicodeScalarView(scalars))
        }
    }

    @Test func parserSurvivesTenThousandGeneratedCommandLines() throws {
        var generator = SeededGenerator(seed: Self.seed)
        let presets = try PresetsLoader.load(path: Repository.presets)
        var outcomes: [Int32: Int] = [:]
        for _ in 0..<10_000 {
            let argv = (0..<Int.random(in: 0..<7, using: &generator)).map { _ in Self.randomWord(&generator) }
            let environment = Bool.random(using: &generator) ? ["LINBUILD_ARCH": Self.randomWord(&generator)] : [:]
            do {
                let options = try Options.parse(argv, environment: environment)
                _ = try options.architectures(in: presets)
                outcomes[0, default: 0] += 1
            } catch let error as LinbuildError {
                #expect(error.exitCode == .usage, "\(argv): \(error)")
                #expect(!error.description.contains("\n"), "\(argv)")
                outcomes[error.exitCode.rawValue, default: 0] += 1
            }
        }
        // Both kinds of outcome occur, so the sweep really explores accepted and rejected input
        #expect(outcomes[0, default: 0] > 100)
        #expect(outcomes[64, default: 0] > 1_000)
    }

    @Test func presetsLoaderSurvivesFiveThousandMutations() throws {
        var generator = SeededGenerator(seed: Self.seed &+ 1)
        let original = try Array(Data(contentsOf: URL(fileURLWithPath: Repository.presets)))
        let tokens = ["null", "true", "1e999", "-0", "\"\"", "{", "}", "[", "]", ",", ":", "\"\\ud800\"", "\"all\"", "0.5", "\u{FF}"]
        var rejected = 0
        for _ in 0..<5_000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let position = Int.random(in: 0..<max(1, bytes.count), using: &generator)
                switch Int.random(in: 0..<5, using: &generator) {
                case 0: if !bytes.isEmpty { bytes[position] = UInt8.random(in: 0...255, using: &generator) }
                case 1: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...40, using: &generator)))
                case 2: bytes.insert(contentsOf: Array(tokens.randomElement(using: &generator)!.utf8), at: min(position, bytes.count))
                case 3: bytes = Array(bytes.prefix(position))
                default:
                    let end = min(bytes.count, position + Int.random(in: 1...80, using: &generator))
                    bytes.insert(contentsOf: bytes[position..<end], at: position)
                }
            }
            do {
                _ = try PresetsLoader.parse(bytes, file: "mutated.json")
            } catch let error as LinbuildError {
                #expect(error.exitCode == .dataError, "\(error)")
                #expect(error.description.hasPrefix("mutated.json: "))
                #expect(!error.description.contains("\n"))
                rejected += 1
            }
        }
        #expect(rejected > 2_500)
    }

    /// Random bytes, many of them JSON's own characters: the parser never accepts what Foundation's
    /// parser refuses (it may refuse more: duplicated keys), a value it accepts is of the kind
    /// Foundation reads, and a refusal names a line of the input.
    @Test func jsonParserSurvivesRandomBytes() {
        var generator = SeededGenerator(seed: Self.seed &+ 2)
        var accepted = 0, refused = 0
        let alphabet = Array("{}[]\",:0-.e\\u tfn".utf8)
        for round in 0..<5_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0..<64, using: &generator)).map { _ in
                    Bool.random(using: &generator)
                        ? UInt8.random(in: 0...255, using: &generator) : alphabet.randomElement(using: &generator)!
                }
            } else {
                // A valid document with up to two bytes changed, inserted or dropped: near misses,
                // and documents that are still valid.
                bytes = Array(Self.documents.randomElement(using: &generator)!.utf8)
                for _ in 0..<Int.random(in: 0...2, using: &generator) where !bytes.isEmpty {
                    let at = Int.random(in: 0..<bytes.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: bytes[at] = alphabet.randomElement(using: &generator)!
                    case 1: bytes.insert(alphabet.randomElement(using: &generator)!, at: at)
                    default: bytes.remove(at: at)
                    }
                }
            }
            let foundation = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            do {
                let value = try JSONParser.parse(bytes)
                accepted += 1
                #expect(foundation != nil, "\(bytes): accepted here, refused by Foundation")
                if let foundation { #expect(Self.kind(of: foundation) == value.typeName, "\(bytes)") }
            } catch {
                refused += 1
                let lines = bytes.filter { $0 == UInt8(ascii: "\n") }.count + 1
                #expect((1...lines).contains(error.line) && !error.message.isEmpty, "\(bytes): \(error)")
            }
        }
        // Both outcomes occur, so neither rule was checked against nothing
        #expect(accepted > 20 && refused > 1_000, "accepted \(accepted), refused \(refused)")
    }

    /// Valid documents the sweep starts its near misses from.
    static let documents = [
        #"{"a":[1,2.5e3,true,null,"x\u00e9"],"b":{}}"#, "[]", "{}", #""text""#, "0", "-1.5E-3", "[{\"k\":\"v\",\"n\":[false]}]",
        #"{"nested":{"deeper":[[1],[2,3]]}}"#, " [ 1 , \"two\" ] ", "true", "null",
    ]

    /// The `JSONValue.typeName` of what `JSONSerialization` read.
    static func kind(of object: Any) -> String {
        switch object {
        case is NSNull: "null"
        // Foundation keeps booleans as NSNumbers of objCType "c" (char).
        case let number as NSNumber: String(cString: number.objCType) == "c" ? "a boolean" : "a number"
        case is String: "a string"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        default: "\(type(of: object))"
        }
    }

    /// The same promise for the real binary: 300 generated command lines, each ending in a
    /// documented exit code with at most one error line.
    @Test func binarySurvivesGeneratedCommandLines() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        var generator = SeededGenerator(seed: Self.seed &+ 3)
        for _ in 0..<300 {
            var argv = (0..<Int.random(in: 0..<5, using: &generator)).map { _ in Self.randomWord(&generator) }
            argv.removeAll { ["--help", "--version", "completions", "validate", "--push"].contains($0) || $0.hasPrefix("--help=") }
            let run = try sandbox.linbuild(["build"] + argv + ["--dry-run"])
            #expect([0, 64, 65, 66].contains(run.status), "\(argv): \(run.output)")
            #expect(run.errorLines.count == (run.status == 0 ? 0 : 1), "\(argv): \(run.stderr)")
            #expect(!sandbox.injected)
        }
    }
}
