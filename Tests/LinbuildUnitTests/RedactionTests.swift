import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildRun
@testable import LinbuildSupport

/// URL credentials (`https://TOKEN@host`, `user:password@`) never reach a printed plan, a message,
/// a log line or a label; only the fetch gets the real URL, at run time.
@Suite struct RedactionTests {
    @Test(arguments: [
        ("https://ghp_TOKEN@github.com/o/r.git", "https://github.com/o/r.git"),
        ("https://user:pass@github.com/o/r.git", "https://github.com/o/r.git"),
        ("http://tok@127.0.0.1:8080/r.git", "http://127.0.0.1:8080/r.git"),
        ("ssh://git:pw@host/r.git", "ssh://host/r.git"),
        ("ssh://git@host/r.git", "ssh://git@host/r.git"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        ("https://github.com/o/r.git", "https://github.com/o/r.git"),
    ])
    func credentialsAreStrippedFromURLs(url: String, stripped: String) {
        #expect(Redaction.stripped(url) == stripped)
        #expect(Redaction.hasCredentials(url) == (url != stripped))
    }

    @Test func credentialsInFreeTextAreMasked() {
        let text = "fatal: unable to access 'https://ghp_TOKEN@github.com/o/r.git/': 403; also http://u:p@h/x and git@github.com:o/r"
        let scrubbed = Redaction.scrubbed(text)
        #expect(!scrubbed.contains("ghp_TOKEN"))
        #expect(!scrubbed.contains("u:p"))
        #expect(scrubbed.contains("https://***@github.com/o/r.git/"))
        #expect(scrubbed.contains("git@github.com:o/r"))
        let error = LinbuildError.gitFailed(repository: "x", detail: text)
        #expect(!error.description.contains("ghp_TOKEN"))
    }

    func plan(from url: String) throws -> Plan {
        let options = try Options.parse(["--source", url, "--push"], environment: [:])
        let resolver = CommitResolver(runner: ScriptedGit())
        let source = try resolver.resolve(PlanFixture.commit.sha, in: SourceLocation(url))
        return try PlanBuilder(
            options: options, presets: shippedPresets, architectures: try options.architectures(in: shippedPresets),
            dockerfile: try DockerfileParser.parse(PlanFixture.dockerfileText, path: "/p/Dockerfile"),
            source: source, engine: EngineCLI(executable: "docker", builder: .buildx),
            workDirectory: "/tmp/linbuild-test", createdAt: "2026-01-01T00:00:00Z"
        ).make()
    }

    /// git must not be asked to list a URL's refs for a full SHA; it is asked only for that
    /// commit's object (its time), fetched alone into a throwaway repository.
    struct ScriptedGit: ProcessRunning {
        func capture(_ command: Command, timeout: Double?, limit: Int) throws -> CapturedOutput {
            let words = command.arguments.first == "-C" ? Array(command.arguments.dropFirst(2)) : command.arguments
            switch words.first {
            case "init", "fetch": return CapturedOutput(termination: .exited(0))
            case "cat-file":
                return CapturedOutput(termination: .exited(0), stdout: Array("tree t\ncommitter C <c> 1709294400 +0000\n\nm\n".utf8))
            default:
                Issue.record("unexpected \(command.shellLine)")
                return CapturedOutput(termination: .exited(1))
            }
        }
        func stream(_ command: Command, to sink: OutputSink) throws -> Termination { .exited(1) }
    }

    @Test(arguments: ["https://ghp_SECRET@example.com/o/r.git", "https://builder:SECRET@example.com/o/r.git"])
    func aPlanFromASecretURLShowsItWithoutTheSecret(url: String) throws {
        let plan = try plan(from: url)
        let script = PlanRenderer.shellScript(plan), json = try PlanRenderer.json(plan)
        // THEN neither view holds the secret, both name the URL without it
        for text in [script, json] {
            #expect(!text.contains("SECRET"))
            #expect(text.contains("https://example.com/o/r.git"))
        }
        #expect(plan.source == "https://example.com/o/r.git")
        // and the label both images get is the bare URL
        let labels = plan.steps.filter { $0.kind == .buildBase || $0.kind == .buildRuntime }.flatMap(\.commands).flatMap(\.arguments)
        #expect(labels.contains("org.opencontainers.image.source=https://example.com/o/r.git"))
        #expect(!labels.contains { $0.contains("SECRET") })
        // and the script asks for the URL in a variable, which the fetch uses
        #expect(script.contains(#": "${LINBUILD_SOURCE_URL:?"#))
        let fetch = try #require(plan.steps.first { $0.kind == .exportSource }?.commands.first { $0.arguments.contains("fetch") })
        #expect(fetch.shellLine.contains(#""$LINBUILD_SOURCE_URL""#))
        // and only the command that runs gets the real URL
        #expect(fetch.revealed.arguments.contains(url))
    }

    @Test func stepLogsAndTheConsoleMaskCredentials() throws {
        let scratch = try Scratch("redaction-log")
        defer { scratch.remove() }
        let output = try StepOutput(logPath: scratch.path + "/step.log", console: Console(verbosity: .quiet), echo: false)
        output.write(Array("fatal: could not read from https://ghp_SECRET@example.com/o/r.git\n".utf8), isError: true)
        output.finish()
        let log = try String(contentsOfFile: scratch.path + "/step.log", encoding: .utf8)
        #expect(log.contains("https://***@example.com/o/r.git"))
        #expect(!log.contains("SECRET"))
    }

}
