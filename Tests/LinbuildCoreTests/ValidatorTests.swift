import Foundation
import Testing
import LinbuildTestSupport
@testable import LinbuildCore

/// The validate checks against a scripted engine: what runs, and how output is judged.
@Suite struct ValidatorTests {
    static let presets = try! PresetsLoader.load(path: Repository.presets)
    let engine = EngineCLI(executable: "docker", builder: .buildx)

    func answering(_ stdout: String, status: Int32 = 0) -> ScriptedRunner {
        let runner = ScriptedRunner()
        runner.answer({ @Sendable _ in true }, CapturedOutput(termination: .exited(status), stdout: Array(stdout.utf8)))
        return runner
    }

    @Test func shippedChecksExpectEachArchitecturesValues() throws {
        let torch = try #require(Self.presets.validation.first { $0.name == "torch version" })
        let flash = try #require(Self.presets.validation.first { $0.name == "flash-attn major" })
        let expected = Self.presets.architectures.map { ($0.name, torch.expected(for: $0), flash.expected(for: $0)) }
        #expect(expected.map(\.0) == ["ampere", "turing", "hopper"])
        #expect(expected.map(\.1) == ["2.7.1+cu126", "2.7.1+cu126", "2.8.0rc0+cu128"])
        // turing must NOT have Flash Attention
        #expect(expected.map(\.2) == ["2", "none", "3"])
    }

    @Test func gpuChecksAreSkippedWithoutGPUsAndRunWithThem() throws {
        let hopper = try #require(Self.presets.architecture(named: "hopper"))
        let gpuCheck = ValidationCheck(name: "gpu", command: ["nvidia-smi"], expect: nil, needsGPU: true)

        let without = answering("")
        let skipped = try Validator(engine: engine, runner: without, gpus: nil).run([gpuCheck], image: "img", architecture: hopper)
        #expect(skipped.map(\.status) == [.skipped])
        #expect(without.commands.isEmpty)

        let with = answering("H100\n")
        let ran = try Validator(engine: engine, runner: with, gpus: "all").run([gpuCheck], image: "img", architecture: hopper)
        #expect(ran.map(\.status) == [.pass])
        #expect(with.commands.map(\.arguments) == [["run", "--rm", "--gpus", "all", "img", "nvidia-smi"]])
    }

    @Test(arguments: [("2.7.1+cu126\n", 0, ValidationResult.Status.pass), ("2.8.0\n", 0, .fail), ("", 1, .fail)])
    func outputIsJudgedByItsLastLineAndStatus(stdout: String, status: Int32, expected: ValidationResult.Status) throws {
        let ampere = try #require(Self.presets.architecture(named: "ampere"))
        let check = ValidationCheck(name: "torch", command: ["python", "-c", "x"], expect: "{torchVersion}", needsGPU: false)
        let results = try Validator(engine: engine, runner: answering("noise\n" + stdout, status: status), gpus: nil)
            .run([check], image: "img", architecture: ampere)
        #expect(results.first?.status == expected)
    }

    @Test(arguments: [
        (#"{"checks": [{"name": "x", "command": "python -c 1"}]}"#, "validation.checks[0].command"),
        (#"{"checks": [{"name": "x", "command": ["true"], "expect": "{torchVershun}"}]}"#, "validation.checks[0].expect"),
        (#"{"checks": [{"name": "x", "command": ["true"], "needsGPU": "yes"}]}"#, "validation.checks[0].needsGPU"),
        (#"{"checks": [{"name": "x", "command": ["true"], "shell": true}]}"#, "validation.checks[0].shell"),
    ])
    func badValidationSectionIsBadData(section: String, entry: String) throws {
        var text = try String(contentsOfFile: Repository.presets, encoding: .utf8)
        let start = try #require(text.range(of: "\"validation\": "))
        text = String(text[..<start.upperBound]) + section + "\n}\n"
        #expect(throws: LinbuildError.self) { try PresetsLoader.parse(Array(text.utf8), file: "p.json") }
        do {
            _ = try PresetsLoader.parse(Array(text.utf8), file: "p.json")
        } catch let error as LinbuildError {
            #expect(error.exitCode == .dataError)
            #expect(error.description.hasPrefix("p.json: \(entry): "), "\(error)")
        }
    }
}
