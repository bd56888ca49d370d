import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

extension EndToEnd {
    /// An engine that is not there, and a build that fails.
    @Suite struct FailureScenarios {
        @Test func engineDownIsExit69WithinSeconds() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            let run = try project.linbuild([], extraEnvironment: ["DOCKER_HOST": "unix://\(project.root)/no-such.sock"])
            #expect(run.status == 69, "\(run.output)")
            #expect(run.seconds < 10)
            #expect(run.errorLines.count == 1)
            #expect(run.errorLines.first?.contains("cannot reach the engine") == true)
        }

        @Test func failingBaseBuildStopsBeforeTheRuntimeAndPointsAtItsLog() throws {
            // GIVEN a base stage that fails
            let broken = FixtureProject.dockerfileText.replacingOccurrences(
                of: "RUN echo \"torch", with: "RUN echo base-step-failing && false\nRUN echo \"torch")
            let project = try FixtureProject(EndToEnd.environment, dockerfile: broken)
            defer { project.remove() }

            // WHEN linbuild runs with --push
            let run = try project.linbuild(["--push"])

            // THEN it exits 1, never builds the runtime, pushes nothing, and names the log
            #expect(run.status == 1, "\(run.output)")
            #expect(!run.stderr.contains("==> build runtime"))
            #expect(!run.stderr.contains("==> push"))
            let errorLine = try #require(run.errorLines.last)
            let logPath = try #require(errorLine.split(separator: " ").last.map(String.init))
            let log = try String(contentsOfFile: logPath, encoding: .utf8)
            #expect(log.contains("base-step-failing"))
            #expect(try project.imageID(project.baseReference()) == nil)
            #expect(try project.leftovers() == [])
        }
    }
}
