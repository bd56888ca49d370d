import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildCLI
@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildRun
@testable import LinbuildSupport

/// `linbuild validate` against a scripted engine: which commands run (argument vectors), which
/// architecture's expectations apply, and how output, exit status and timeouts are judged.
@Suite struct ValidateTests {
    static let presets = shippedPresets
    let engine = EngineCLI(executable: "docker", builder: .buildx)

    func output(_ stdout: String, status: Int32 = 0, stderr: String = "") -> CapturedOutput {
        CapturedOutput(termination: .exited(status), stdout: Array(stdout.utf8), stderr: Array(stderr.utf8))
    }

    func answering(_ stdout: String, status: Int32 = 0) -> ScriptedRunner {
        let runner = ScriptedRunner()
        runner.answer({ @Sendable _ in true }, output(stdout, status: status))
        return runner
    }

    /// An engine that is up, holds `image` with `labels`, and answers each check by its name's
    /// Python: `answers` maps a fragment of the check's code to its output.
    func engine(image: String, labels: String, answers: [(String, CapturedOutput)]) -> ScriptedRunner {
        let runner = ScriptedRunner()
        runner.answer({ @Sendable in $0.arguments.first == "version" }, output("20.10.24|20.10.24\n"))
        runner.answer({ @Sendable in $0.arguments.prefix(2) == ["image", "inspect"] && $0.arguments.last == image }, output(labels + "\n"))
        for (fragment, answer) in answers {
            runner.answer({ @Sendable in $0.arguments.first == "run" && ($0.arguments.last ?? "").contains(fragment) }, answer)
        }
        return runner
    }

    func command(_ arguments: [String], presets: Presets = ValidateTests.presets, runner: ScriptedRunner) throws -> ValidateCommand {
        let options = try Options.parse(["validate"] + arguments, environment: [:])
        return ValidateCommand(
            context: Context(
                options: options, presets: presets, locations: Locations(options: options), environment: [:],
                console: Console(environment: [:]), runner: runner),
            containerNamePrefix: "v")
    }

    /// What a healthy image of `torch`, with the Flash Attention `versions` (their APIs import), prints.
    func healthyAnswers(torch: String, flashAttentionVersions: String) -> [(String, CapturedOutput)] {
        [
            ("torch.__version__", output("\(torch)\n")), ("is_built", output("True\n")), ("cudnn", output("90100\n")),
            ("is_available", output("1 device(s), CUDA 12.8\n")), ("get_device_name", output("NVIDIA H100 sm_90\n")),
            ("md.version", output("\(flashAttentionVersions)\n")), ("flash_attn_func", output("ok flash_attn_interface (1, 128, 8, 64)\n")),
        ]
    }

    @Test func shippedChecksExpectEachArchitecturesValues() throws {
        let torch = try #require(Self.presets.validation.first { $0.name == "torch version" })
        let flash = try #require(Self.presets.validation.first { $0.name == "flash-attn APIs" })
        let expected = Self.presets.architectures.map { ($0.name, torch.expected(for: $0), flash.expected(for: $0)) }
        #expect(expected.map(\.0) == ["ampere", "turing", "hopper"])
        #expect(expected.map(\.1) == ["2.7.1+cu126", "2.7.1+cu126", "2.8.0+cu128"])
        // turing must NOT have Flash Attention; hopper has both APIs
        #expect(expected.map(\.2) == ["2.7.4.post1", "none", "2.8.3 3.0.0"])
        // Every shipped command is one line: an argument vector, no embedded newlines
        #expect(Self.presets.validation.allSatisfy { $0.command.allSatisfy { !$0.contains("\n") } })
    }

    @Test func architectureComesFromTheLabelNotTheTag() throws {
        // GIVEN an image whose tag says ampere but whose label says hopper
        let image = "ns/linnaeus-dev:abc-ampere"
        let runner = engine(
            image: image, labels: #"{"dev.linbuild.arch":"hopper"}"#,
            answers: healthyAnswers(torch: "2.8.0+cu128", flashAttentionVersions: "2.8.3 3.0.0"))

        // WHEN it is validated without --arch or --gpus
        let report = try command([image], runner: runner).validate()

        // THEN hopper's expectations apply, GPU checks are skipped and never run
        #expect(report.architecture == "hopper")
        #expect(report.failure == nil)
        #expect(report.results.map(\.status) == [.pass, .pass, .pass, .skipped, .skipped, .pass, .skipped])
        #expect(report.results.filter { $0.status == .skipped }.allSatisfy { $0.detail.hasPrefix("skipped: no GPU") })
        #expect(
            runner.commands.map { Array($0.arguments.prefix(2)) } == [["version", "--format"], ["image", "inspect"]]
                + Array(repeating: ["run", "--rm"], count: 4))
        #expect(runner.commands[1].arguments == ["image", "inspect", "--format", "{{json .Config.Labels}}", image])
        #expect(Array(runner.commands[2].arguments.prefix(7)) == ["run", "--rm", "--name", "v-1", image, "python", "-c"])
    }

    @Test func archOptionOverridesTheLabelAndTuringMustNotHaveFlashAttention() throws {
        // GIVEN an image with Flash Attention 2, checked as turing
        let image = "img:1"
        let runner = engine(
            image: image, labels: #"{"dev.linbuild.arch":"ampere"}"#,
            answers: healthyAnswers(torch: "2.7.1+cu126", flashAttentionVersions: "2.7.4.post1"))

        let report = try command(["--arch", "turing", image], runner: runner).validate()

        #expect(report.architecture == "turing")
        let flash = try #require(report.results.first { $0.name == "flash-attn APIs" })
        #expect(flash.status == .fail)
        #expect(flash.detail == "expected none, got 2.7.4.post1")
        let failure = try #require(report.failure)
        #expect(failure.exitCode == .failure)
        #expect(failure.description == "1 of 7 checks failed in img:1: flash-attn APIs")
    }

    @Test func gpusArePassedToEveryCheck() throws {
        let image = "img:1"
        let runner = engine(
            image: image, labels: #"{"dev.linbuild.arch":"hopper"}"#,
            answers: healthyAnswers(torch: "2.8.0+cu128", flashAttentionVersions: "2.8.3 3.0.0"))

        let report = try command(["--gpus", "all", image], runner: runner).validate()

        #expect(report.results.allSatisfy { $0.status == .pass })
        let runs = runner.commands.filter { $0.arguments.first == "run" }
        #expect(runs.count == 7)
        #expect(
            runs.enumerated().allSatisfy { index, run in
                Array(run.arguments.prefix(7)) == ["run", "--rm", "--name", "v-\(index + 1)", "--gpus", "all", image]
            })
        #expect(report.results.first { $0.name == "GPU" }?.detail == "NVIDIA H100 sm_90")
    }

    @Test func imageWithoutLabelNeedsArch() throws {
        let runner = engine(image: "plain:1", labels: "null", answers: [])
        #expect(throws: LinbuildError.usage("plain:1 has no dev.linbuild.arch label (not built by linbuild?); pass --arch NAME")) {
            try command(["plain:1"], runner: runner).validate()
        }
        #expect(runner.commands.allSatisfy { $0.arguments.first != "run" })
    }

    @Test func unknownOrSeveralArchitecturesAreUsageErrors() throws {
        let runner = engine(image: "img:1", labels: #"{"dev.linbuild.arch":"volta"}"#, answers: [])
        let unknown = #expect(throws: LinbuildError.self) { try command(["img:1"], runner: runner).validate() }
        #expect(unknown?.exitCode == .usage)
        #expect(unknown?.description.contains("unknown architecture 'volta'") == true)
        let several = #expect(throws: LinbuildError.self) { try command(["--arch", "all", "img:1"], runner: runner).validate() }
        #expect(several?.exitCode == .usage)
    }

    @Test func missingImageIsNoInput() throws {
        let runner = engine(image: "other", labels: "{}", answers: [])
        runner.answer(
            { @Sendable in $0.arguments.prefix(2) == ["image", "inspect"] },
            output("", status: 1, stderr: "Error: No such image: gone:1\n"))
        let error = #expect(throws: LinbuildError.self) { try command(["gone:1"], runner: runner).validate() }
        #expect(error?.exitCode == .noInput)
    }

    @Test func engineDownIsUnavailable() throws {
        let runner = ScriptedRunner()
        runner.answer(
            { @Sendable in $0.arguments.first == "version" },
            output("", status: 1, stderr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\n"))
        let error = #expect(throws: LinbuildError.self) { try command(["img:1"], runner: runner).validate() }
        #expect(error?.exitCode == .unavailable)
    }

    /// The end-to-end suite's shape: a fixture presets file whose checks are busybox commands.
    @Test func fixtureChecksFromAPresetsFileOnePassingOneFailing() throws {
        var text = try String(contentsOfFile: Repository.presets, encoding: .utf8)
        let start = try #require(text.range(of: "\"validation\": "))
        text =
            String(text[..<start.upperBound]) + #"""
                {"checks": [
                  {"name": "hostname file", "command": ["sh", "-c", "test -f /etc/hostname"]},
                  {"name": "arch file", "command": ["cat", "/arch"], "expect": "arch={arch} cuda={cudaArchList}"}
                ]}}
                """#
        let presets = try PresetsLoader.parse(Array(text.utf8), file: "fixture.json")
        let runner = engine(
            image: "fx:1", labels: #"{"dev.linbuild.arch":"ampere"}"#,
            answers: [("test -f", output("")), ("/arch", output("arch=turing cuda=7.5\n"))])

        let report = try command(["fx:1"], presets: presets, runner: runner).validate()

        #expect(
            report.results == [
                ValidationResult(name: "hostname file", status: .pass, detail: ""),
                ValidationResult(name: "arch file", status: .fail, detail: "expected arch=ampere cuda=8.0;8.6, got arch=turing cuda=7.5"),
            ])
        #expect(runner.commands.last?.arguments == ["run", "--rm", "--name", "v-2", "fx:1", "cat", "/arch"])
        #expect(
            report.text == """
                validate fx:1 as ampere:
                  pass     hostname file  \n  fail     arch file      expected arch=ampere cuda=8.0;8.6, got arch=turing cuda=7.5

                """)
        let decoded = try JSONSerialization.jsonObject(with: Data(try report.json().utf8)) as? [[String: String]]
        #expect(decoded?.map { $0["status"] } == ["pass", "fail"])
        #expect(report.failure?.description == "1 of 2 checks failed in fx:1: arch file")
    }

    @Test func gpuChecksAreSkippedWithoutGPUsAndRunWithThem() throws {
        let hopper = try #require(Self.presets.architecture(named: "hopper"))
        let gpuCheck = ValidationCheck(name: "gpu", command: ["nvidia-smi"], expect: nil, needsGPU: true)

        let without = answering("")
        let skipped = try Validator(engine: engine, runner: without, gpus: nil, namePrefix: "t").run(
            [gpuCheck], image: "img", architecture: hopper)
        #expect(skipped.map(\.status) == [.skipped])
        #expect(without.commands.isEmpty)

        let with = answering("H100\n")
        let ran = try Validator(engine: engine, runner: with, gpus: "device=0", namePrefix: "t").run(
            [gpuCheck], image: "img", architecture: hopper)
        #expect(ran.map(\.status) == [.pass])
        #expect(with.commands.map(\.arguments) == [["run", "--rm", "--name", "t-1", "--gpus", "device=0", "img", "nvidia-smi"]])
    }

    @Test(arguments: [("2.7.1+cu126\n", 0, ValidationResult.Status.pass), ("2.8.0\n", 0, .fail), ("", 1, .fail)])
    func outputIsJudgedByItsLastLineAndStatus(stdout: String, status: Int32, expected: ValidationResult.Status) throws {
        let ampere = try #require(Self.presets.architecture(named: "ampere"))
        let check = ValidationCheck(name: "torch", command: ["python", "-c", "x"], expect: "{torchVersion}", needsGPU: false)
        let results = try Validator(engine: engine, runner: answering("noise\n" + stdout, status: status), gpus: nil)
            .run([check], image: "img", architecture: ampere)
        #expect(results.first?.status == expected)
    }

    @Test func failingCommandReportsItsLastErrorLine() throws {
        let ampere = try #require(Self.presets.architecture(named: "ampere"))
        let runner = ScriptedRunner()
        runner.answer(
            { @Sendable _ in true },
            output("", status: 1, stderr: "Traceback (most recent call last):\nModuleNotFoundError: No module named 'torch'\n"))
        let check = ValidationCheck(name: "torch", command: ["python", "-c", "import torch"], expect: nil, needsGPU: false)
        let results = try Validator(engine: engine, runner: runner, gpus: nil).run([check], image: "img", architecture: ampere)
        #expect(results == [ValidationResult(name: "torch", status: .fail, detail: "ModuleNotFoundError: No module named 'torch'")])
    }

    @Test func timedOutCheckFailsAndItsContainerIsRemoved() throws {
        let ampere = try #require(Self.presets.architecture(named: "ampere"))
        let runner = ScriptedRunner()
        runner.answer({ @Sendable in $0.arguments.first == "run" }, CapturedOutput(termination: .timedOut))
        runner.answer({ @Sendable in $0.arguments.first == "rm" }, output(""))
        let check = ValidationCheck(name: "hang", command: ["sleep", "1000"], expect: nil, needsGPU: false)

        let results = try Validator(engine: engine, runner: runner, gpus: nil, timeout: 5, namePrefix: "t").run(
            [check], image: "img", architecture: ampere)

        #expect(results == [ValidationResult(name: "hang", status: .fail, detail: "timed out after 5 s; container t-1 removed")])
        #expect(runner.commands.map(\.arguments) == [["run", "--rm", "--name", "t-1", "img", "sleep", "1000"], ["rm", "--force", "t-1"]])
    }

    @Test(arguments: [
        (#"{"checks": [{"name": "x", "command": "python -c 1"}]}"#, "validation.checks[0].command"),
        (#"{"checks": [{"name": "x", "command": ["true"], "expect": "{torchVershun}"}]}"#, "validation.checks[0].expect"),
        (#"{"checks": [{"name": "x", "command": ["true"], "needsGPU": "yes"}]}"#, "validation.checks[0].needsGPU"),
        (#"{"checks": [{"name": "x", "command": ["true"], "shell": true}]}"#, "validation.checks[0].shell"),
        (#"{"checks": [{"name": "x", "command": []}]}"#, "validation.checks[0].command"),
        (#"{"checks": {}}"#, "validation.checks"),
    ])
    func badValidationSectionIsBadData(section: String, entry: String) throws {
        var text = try String(contentsOfFile: Repository.presets, encoding: .utf8)
        let start = try #require(text.range(of: "\"validation\": "))
        text = String(text[..<start.upperBound]) + section + "\n}\n"
        let error = #expect(throws: LinbuildError.self) { try PresetsLoader.parse(Array(text.utf8), file: "p.json") }
        #expect(error?.exitCode == .dataError)
        #expect(error?.description.hasPrefix("p.json: \(entry): ") == true, "\(String(describing: error))")
    }
}
