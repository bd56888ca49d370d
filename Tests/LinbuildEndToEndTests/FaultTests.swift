import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

extension EndToEnd {
    /// Registries that cannot be asked are reported as such, never read as "base absent".
    @Suite struct RegistryFaults {
        struct Case: Sendable, CustomTestStringConvertible {
            var name: String
            var behaviour: FakeRegistry.Behaviour
            var message: String
            var testDescription: String { name }
        }

        static let cases: [Case] = [
            Case(name: "never answers", behaviour: .silent, message: "did not answer"),
            Case(name: "HTTP 500", behaviour: .status(500, headers: [:]), message: "HTTP 500"),
            Case(name: "HTTP 429", behaviour: .status(429, headers: [:]), message: "rate limiting"),
            Case(
                name: "401 Basic", behaviour: .status(401, headers: ["WWW-Authenticate": "Basic realm=\"fake\""]), message: "docker login"),
            Case(
                name: "401 Bearer, token refused",
                behaviour: .status(401, headers: ["WWW-Authenticate": "Bearer realm=\"http://127.0.0.1:9/token\",service=\"fake\""]),
                message: "cannot reach"),
        ]

        @Test(arguments: cases)
        func unaskableRegistryIsExit69AndNothingIsBuiltOrPushed(_ fault: Case) throws {
            let registry = try FakeRegistry(fault.behaviour)
            defer { registry.stop() }
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }

            let run = try project.linbuild(["--push", "--probe-timeout", "2"], registry: registry.address)

            #expect(run.status == 69, "\(run.output)")
            #expect(run.seconds < 20)
            #expect(run.errorLines.count == 1)
            #expect(run.errorLines.first?.contains(fault.message) == true, "\(run.stderr)")
            #expect(!run.stderr.contains(": missing"))
            #expect(!run.stderr.contains("==> build"))
            #expect(!run.stderr.contains("pushed"))
            #expect(registry.requests >= 1)
        }

        @Test func closedRegistryPortIsExit69() throws {
            let closed = try ClosedPort()
            defer { closed.release() }
            let port = closed.port
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }

            let run = try project.linbuild(["--push"], registry: "127.0.0.1:\(port)")

            #expect(run.status == 69, "\(run.output)")
            #expect(run.seconds < 20)
            #expect(run.errorLines.first?.contains("cannot reach 127.0.0.1:\(port)") == true, "\(run.stderr)")
            #expect(!run.stderr.contains("==> build"))
        }

        @Test func failedPushIsExit1AndTheSummarySaysWhatWasNotPushed() throws {
            // GIVEN a registry that says "absent" to every question and then refuses the push
            let registry = try FakeRegistry(.absentButRefusesPush)
            defer { registry.stop() }
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }

            let run = try project.linbuild(["--push"], registry: registry.address)

            // THEN the builds ran, the push failed, and nothing is reported pushed
            #expect(run.status == 1, "\(run.output)")
            #expect(run.stderr.contains("base [alpha]: missing"))
            #expect(run.errorLines.count == 1)
            #expect(run.errorLines.first?.contains("pushing") == true)
            let afterSummary = try #require(run.stderr.components(separatedBy: "summary:\n").last)
            let summary = afterSummary.split(separator: "\n").filter { !$0.hasPrefix("linbuild:") }.joined(separator: "\n")
            #expect(summary.contains("push base [alpha]"))
            #expect(summary.contains("failed"))
            #expect(summary.contains("push runtime [alpha]  not run"))
            #expect(!summary.split(separator: "\n").contains { $0.contains("  pushed   ") })
        }
    }

    /// Two runs on the same source and arch at once.
    @Suite struct Concurrency {
        @Test func twoRunsAtOnceBothSucceedWithTheirOwnLogsAndContexts() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            let sha = try project.git(["rev-parse", "HEAD"])

            let results = ResultsBox()
            let group = DispatchGroup()
            for _ in 0..<2 {
                group.enter()
                DispatchQueue.global().async {
                    results.append(Result { try project.linbuild([]) })
                    group.leave()
                }
            }
            group.wait()

            let runs = try results.all.map { try $0.get() }
            #expect(runs.count == 2)
            for run in runs { #expect(run.status == 0, "\(run.output)") }
            // One folder per run; the build-duration history sits beside them.
            let logFolders = try FileManager.default.contentsOfDirectory(atPath: project.logs).filter { $0 != "base-durations.tsv" }
            #expect(logFolders.count == 2)
            #expect(try project.leftovers() == [])
            #expect(try project.inside(project.runtimeReference(commit: sha), ["cat", "/app/REF"]).stdout == sha + "\n")
        }
    }
}

final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<Run.Result, Error>] = []
    func append(_ result: Result<Run.Result, Error>) { lock.withLock { results.append(result) } }
    var all: [Result<Run.Result, Error>] { lock.withLock { results } }
}
