import Foundation
import Testing
import LinbuildTestSupport
@testable import LinbuildCore

/// `--dry-run` lines must survive a paste into a shell, whatever the values hold.
@Suite struct ShellQuoteTests {
    static let words = ["plain", "feat/it's-$HOME", "`touch INJECTED`", "$(touch INJECTED)", "a;touch INJECTED", "line\nbreak",
                        "", " ", "é 🙂", "'", "\"", "\\", "*", "~", "--label=a b", "x=y"]

    @Test func quotedWordsComeBackUnchangedFromARealShell() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("linbuild-quote-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let line = Command("printf", ["%s\\0"] + Self.words).shellLine

        let result = try Run.command("/bin/sh", ["-c", line], directory: folder)

        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init) == Self.words)
        #expect(!FileManager.default.fileExists(atPath: folder + "/INJECTED"))
    }

    @Test func safeWordsStayReadable() {
        #expect(ShellQuote.quote("--build-arg") == "--build-arg")
        #expect(ShellQuote.quote("TORCH_VER=2.7.1+cu126") == "TORCH_VER=2.7.1+cu126")
        #expect(ShellQuote.quote("CUDA_ARCH_LIST=8.0;8.6") == "'CUDA_ARCH_LIST=8.0;8.6'")
        #expect(Command("docker", ["build"], environment: ["DOCKER_BUILDKIT": "1"]).shellLine == "DOCKER_BUILDKIT=1 docker build")
    }

    @Test func dryRunAndJSONRenderTheWholePlan() throws {
        let presets = try PresetsLoader.load(path: Repository.presets)
        let options = try Options.parse(["--arch", "hopper", "--branch", "feat/it's-$HOME", "--push"], environment: [:])
        let commit = CommitID(String(repeating: "a", count: 40))!
        let plan = try PlanBuilder(options: options, presets: presets,
                                   dockerfile: try DockerfileParser.parse("ARG BASE_IMAGE\nFROM a AS base\nFROM ${BASE_IMAGE} AS runtime\n", path: "/D"),
                                   source: ResolvedSource(location: .path("/src"), ref: "feat/it's-$HOME", refName: nil, commit: commit, sourceLabel: "/src"),
                                   engine: EngineCLI(executable: "docker", builder: .buildx), workDirectory: "/tmp/w", createdAt: "t").make()

        let script = PlanRenderer.shellScript(plan)
        #expect(script.contains("'dev.linbuild.ref=feat/it'\\''s-$HOME'"))
        #expect(script.contains("# build base [hopper], only if the base is missing or its inputs changed:"))
        #expect(script.contains("docker push frontierkodiak/linnaeus-dev:aaaaaaaaaaaa-hopper"))
        #expect(script.hasSuffix("rm -rf -- /tmp/w\n"))
        let syntax = try Run.command("/bin/sh", ["-n", "-c", script])
        #expect(syntax.status == 0, "\(syntax.stderr)")

        let json = try #require(try JSONSerialization.jsonObject(with: Data(PlanRenderer.json(plan).utf8)) as? [String: Any])
        #expect(json["commit"] as? String == commit.sha)
        let targets = try #require(json["targets"] as? [[String: Any]])
        #expect(targets.first?["baseImage"] as? String == "frontierkodiak/linnaeus-base:hopper-cu128-torch2.8.0rc0-fav3")
        #expect((json["steps"] as? [Any])?.count == plan.steps.count)
    }

    @Test func aNewlineInARefCannotEscapeAComment() {
        #expect(Sanitized.forComment("a\nrm -rf /") == "a\\nrm -rf /")
    }
}
