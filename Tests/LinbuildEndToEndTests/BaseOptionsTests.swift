import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// The base's smaller options.
    @Suite struct BaseOptions {
        @Test func skipBaseWithTheBaseNowhereSaysSo() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }

            let run = try project.linbuild(["--skip-base"])

            #expect(run.status == 66, "\(run.output)")
            #expect(run.errorLines.count == 1)
            #expect(
                run.errorLines.first?.contains(
                    "--skip-base: the base \(project.baseReference()) is neither in the local store nor in the registry") == true,
                "\(run.stderr)")
            #expect(!run.stderr.contains("==> pull base"))
            #expect(try project.leftovers() == [])
        }

        @Test func interruptingAPushSaysSoAndTheSummaryListsWhatDidNotRun() throws {
            // GIVEN a registry that accepts connections and never answers, so a push hangs
            let registry = try FakeRegistry(.silent)
            defer { registry.stop() }
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }

            // WHEN Ctrl-C comes while the base is being pushed
            let run = try project.linbuild(["--force-base", "--push", "--probe-timeout", "2"], registry: registry.address) { process in
                waitForLog(in: project.logs, containing: "The push refers to repository")
                kill(process.processIdentifier, SIGINT)
            }

            // THEN the one error line says a push was stopped, and the summary lists what did not run
            #expect(run.status == 130, "\(run.output)")
            #expect(run.errorLines.count == 1)
            #expect(
                run.errorLines.first?.contains("interrupted by SIGINT during push base [alpha]; the push was stopped") == true,
                "\(run.stderr)")
            #expect(run.stderr.contains("push base [alpha]") && run.stderr.contains("interrupted"))
            let summary = try #require(run.stderr.components(separatedBy: "summary:\n").last)
            #expect(summary.split(separator: "\n").contains { $0.contains("push runtime [alpha]") && $0.contains("not run") }, "\(summary)")
            #expect(try project.leftovers() == [])
        }

        @Test func noCacheRebuildsEveryStepOfTheBase() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            #expect(try project.linbuild([]).status == 0)

            // --force-base alone is answered from the BuildKit cache
            let forced = try project.linbuild(["--force-base", "--progress", "plain"])
            #expect(forced.status == 0, "\(forced.output)")
            #expect(Self.baseStepWasCached(forced.stderr) == true, "\(forced.stderr)")

            // with --no-cache the base's steps run again
            let fresh = try project.linbuild(["--force-base", "--no-cache", "--progress", "plain"])
            #expect(fresh.status == 0, "\(fresh.output)")
            #expect(Self.baseStepWasCached(fresh.stderr) == false, "\(fresh.stderr)")
        }

        /// Whether BuildKit's plain log shows the base's RUN step as `CACHED` (nil: no such step).
        static func baseStepWasCached(_ output: String) -> Bool? {
            let lines = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let step = lines.first(where: { $0.contains("] RUN echo \"torch=") && $0.hasPrefix("#") }) else { return nil }
            let number = step.prefix { $0 != " " }
            return lines.contains(number + " CACHED")
        }
    }
}
