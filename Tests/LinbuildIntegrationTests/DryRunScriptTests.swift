import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildRun
@testable import LinbuildSupport

/// The dry-run script in a real shell: it parses, each line gives the program exactly the plan's
/// arguments, and it removes its work folder however it ends.
@Suite(.timeLimit(.minutes(5))) struct DryRunScriptTests {
    func plan(_ arguments: [String]) throws -> Plan { try PlanFixture.scriptPlan(arguments) }

    @Test func shellScriptHoldsEveryCommandQuotedAndParses() throws {
        let plan = try plan(["--arch", "hopper", "--push"])
        let script = PlanRenderer.shellScript(plan)
        #expect(script.contains("'dev.linbuild.ref=feat/it'\\''s-$HOME'"))
        #expect(script.contains("# build base [hopper], only if the base is missing or its inputs changed:"))
        #expect(script.contains("# push base [hopper], only if the registry lacks the base, or holds it with other inputs:"))
        #expect(script.contains("DOCKER_BUILDKIT=1 docker build "))
        #expect(script.contains("docker push frontierkodiak/linnaeus-dev:aaaaaaaaaaaa-hopper"))
        // The work folder is made before any step and removed however the script ends
        #expect(
            script.contains(
                "set -e\n# the work folder, removed however the script ends:\nmkdir -m 700 /tmp/w\ntrap 'rm -rf -- /tmp/w' EXIT\ntrap 'exit 130' INT\ntrap 'exit 143' TERM\nmkdir /tmp/w/source /tmp/w/empty\n"
            ))
        #expect(script.hasSuffix("docker push frontierkodiak/linnaeus-dev:aaaaaaaaaaaa-hopper\n"))
        for command in plan.steps.flatMap(\.commands) where command.runValues.isEmpty {
            #expect(script.contains(command.shellLine + "\n"), "\(command.shellLine)")
        }
        // A command with the base's image ID names it the way the script knows it: where it found
        // the base, the immutable tag, or the ID it asked for (in its push function, for "$1").
        let target = try #require(plan.targets.first)
        let words = ["\"$linbuild_found\"", target.baseImmutableImage, "\"$linbuild_id\""]
        for command in plan.steps.flatMap(\.commands) where !command.runValues.isEmpty {
            var generic = command
            generic.arguments[generic.arguments.count - 1] = "$LINBUILD_ONE"
            generic.runValues.insert("LINBUILD_ONE")
            let forms =
                words.map { command.shellLine(substituting: [Step.RunValue.baseImageID: $0]) }
                + [generic.shellLine(substituting: [Step.RunValue.baseImageID: words[2], "LINBUILD_ONE": "\"$1\""])]
            #expect(forms.contains { script.contains($0 + "\n") }, "\(command.shellLine)")
        }
        let syntax = try Run.command("/bin/sh", ["-n", "-c", script])
        #expect(syntax.status == 0, "\(syntax.stderr)")
    }

    @Test func eachShellLineGivesBackTheExactArgumentVector() throws {
        // GIVEN every command of a plan whose ref holds shell syntax
        let plan = try plan(["--arch", "all", "--push", "--tag-suffix", "x"])
        for command in plan.steps.flatMap(\.commands) {
            // WHEN its shell line runs with printf in place of the program
            var echo = command
            echo.executable = "printf"
            echo.arguments = ["%s\\0"] + command.arguments
            // (a run value is a variable of the shell: here one that holds its own placeholder)
            let values = Dictionary(uniqueKeysWithValues: command.runValues.map { ($0, "$" + $0) })
            let result = try Run.command("/bin/sh", ["-c", echo.shellLine], environment: values)
            // THEN the program would get exactly the plan's arguments
            #expect(result.status == 0)
            #expect(result.stdout.split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init) == command.arguments)
        }
    }

    @Test func theScriptRemovesItsWorkFolderWhenAStepFails() throws {
        // GIVEN a plan whose source exports and whose engine fails every command
        let scratch = try Scratch("script-work-folder")
        defer { scratch.remove() }
        let repository = scratch.path + "/source"
        try Git.repository(at: repository)
        let options = try Options.parse(["--arch", "hopper"], environment: [:])
        let plan = try PlanBuilder(
            options: options, presets: shippedPresets, architectures: try options.architectures(in: shippedPresets),
            dockerfile: try DockerfileParser.parse("ARG BASE_IMAGE\nFROM a AS base\nFROM ${BASE_IMAGE} AS runtime\n", path: "/D"),
            source: try CommitResolver(runner: SpawnProcessRunner()).resolve("main", in: .path(repository)),
            engine: EngineCLI(executable: "false", builder: .buildx), workDirectory: scratch.path + "/work", createdAt: "t"
        ).make()
        // WHEN the printed script runs
        let run = try Run.command("/bin/sh", ["-c", PlanRenderer.shellScript(plan)])
        // THEN it stops at the failure, after the source was exported into the work folder, and the folder is gone
        #expect(run.status != 0)
        #expect(!run.stderr.contains("No such file"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: plan.workDirectory))
    }
}
