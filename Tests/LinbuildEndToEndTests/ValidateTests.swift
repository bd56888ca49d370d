import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

extension EndToEnd {
    /// `linbuild validate` against fixture images, with the fixture presets' busybox checks.
    @Suite struct Validate {
        @Test func passingChecksWithTheArchitectureReadFromTheLabel() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            #expect(try project.linbuild([]).status == 0)
            let runtime = project.runtimeReference(commit: try project.git(["rev-parse", "HEAD"]))

            let run = try project.linbuild(["validate", runtime])

            #expect(run.status == 0, "\(run.output)")
            #expect(run.stdout.contains("as alpha"))
            #expect(run.stdout.contains("pass     base info"))
            #expect(run.stdout.contains("torch=2.7.1+cu126 fa=2.7.4.post1 arch=8.0;8.6 channel=stable"))
            #expect(run.stdout.contains("pass     application"))
            #expect(run.stdout.contains("skipped  gpu"))
            #expect(run.stdout.contains("skipped: no GPU"))
        }

        @Test func failingCheckIsExit1AndNamed() throws {
            // GIVEN alpha's image checked as beta: its recorded torch and Flash Attention differ
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            #expect(try project.linbuild([]).status == 0)
            let runtime = project.runtimeReference(commit: try project.git(["rev-parse", "HEAD"]))

            let run = try project.linbuild(["validate", "--arch", "beta", "--json", runtime])

            #expect(run.status == 1, "\(run.output)")
            let results = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: String]]
            let baseInfo = try #require(results?.first { $0["name"] == "base info" })
            #expect(baseInfo["status"] == "fail")
            #expect(baseInfo["detail"]?.contains("expected torch=2.8.0+cu128") == true)
            #expect(results?.first { $0["name"] == "application" }?["status"] == "pass")
            #expect(run.errorLines.count == 1)
            #expect(run.errorLines.first?.contains("1 of 3 checks failed") == true)
        }

        @Test func imageThatIsNotThereIsExit66() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            let run = try project.linbuild(["validate", "\(project.namespace)/nothing:here"])
            #expect(run.status == 66, "\(run.output)")
        }
    }
}
