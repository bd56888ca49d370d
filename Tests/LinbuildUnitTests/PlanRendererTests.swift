import Foundation
import LinbuildTestSupport
import Testing

@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildRun
@testable import LinbuildSupport

/// The two printed views of a plan.
@Suite struct PlanRendererTests {
    static let commit = CommitID(String(repeating: "a", count: 40))!
    static let ref = "feat/it's-$HOME"

    func plan(_ arguments: [String]) throws -> Plan {
        let options = try Options.parse(arguments + ["--branch", Self.ref], environment: [:])
        return try PlanBuilder(
            options: options, presets: shippedPresets, architectures: try options.architectures(in: shippedPresets),
            dockerfile: try DockerfileParser.parse("ARG BASE_IMAGE\nFROM a AS base\nFROM ${BASE_IMAGE} AS runtime\n", path: "/D"),
            source: ResolvedSource(location: .path("/src"), ref: Self.ref, refName: nil, commit: Self.commit, sourceLabel: "/src"),
            engine: EngineCLI(executable: "docker", builder: .builtinBuildKit), workDirectory: "/tmp/w", createdAt: "t"
        ).make()
    }

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

    @Test func everyLineIsACommentOrOneOfThePlansCommands() throws {
        let plan = try plan(["--arch", "all", "--push"])
        let script = PlanRenderer.shellScript(plan)
        let commandLines = Set(plan.steps.flatMap(\.commands).map(\.shellLine))
        let lines = script.split(separator: "\n").map(String.init)
        #expect(
            lines.contains("# linbuild \(LinbuildVersion.current) plan: ampere, turing, hopper at feat/it's-$HOME = \(Self.commit.sha)"))
        // The script encodes linbuild's decisions as shell: beyond the plan's commands it may only
        // test variables, ask the engine read-only questions (image inspect, manifest inspect), tag
        // (as the executor tags the base it found or built), and run the plan's own pulls and pushes
        // with the reference as a function's argument ("$1").
        let generic = Set(
            plan.steps.flatMap(\.commands).filter { ["pull", "push"].contains($0.arguments.first) }.map { command in
                var command = command
                command.arguments[command.arguments.count - 1] = "LINBUILD_REFERENCE"
                return command.shellLine.replacingOccurrences(of: "LINBUILD_REFERENCE", with: "\"$1\"")
            })
        let control = ["linbuild_", "if ", "elif ", "else", "fi", "}", "[ ", "for ", "return ", "echo \""]
        let workFolder = Set(PlanRenderer.workFolder(plan))
        for line in lines where !line.hasPrefix("# ") && !workFolder.contains(line) {
            let body = String(line.drop { $0 == " " })
            let generalised = generic.contains { body == $0 || body.hasPrefix($0 + " ") }
            #expect(
                line == "set -e" || commandLines.contains(body) || generalised || body.hasPrefix("docker tag ")
                    || control.contains { body.hasPrefix($0) }, "\(line)")
            if !commandLines.contains(body), !generalised, body.contains("docker ") {
                #expect(["docker image inspect ", "docker manifest inspect ", "docker tag "].contains { body.contains($0) }, "\(line)")
                #expect(!["docker build", "docker buildx", "docker push", "docker pull"].contains { body.contains($0) }, "\(line)")
            }
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

    @Test func theJSONCarriesItsSchemaTheFullRefAndTheBaseBuildsBaseImage() throws {
        let plan = try plan(["--arch", "hopper"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try PlanRenderer.json(plan).utf8)) as? [String: Any])
        #expect(json["schemaVersion"] as? Int == Plan.currentSchemaVersion)
        #expect(json["createdAt"] as? String == "t")
        let target = try #require((json["targets"] as? [[String: Any]])?.first)
        let baseBuild = try #require(target["baseBuildArguments"] as? [String: String])
        #expect(baseBuild["BASE_IMAGE"] == "frontierkodiak/linnaeus-base:hopper-cu128-torch2.8.0-fav3")
        // every build argument of the base build command is in it
        let build = try #require(plan.steps.first { $0.kind == .buildBase }?.commands.first)
        let passed = build.arguments.indices.filter { build.arguments[$0] == "--build-arg" }.map { build.arguments[$0 + 1] }
        #expect(Set(passed) == Set(baseBuild.map { "\($0.key)=\($0.value)" }))
    }

    @Test func jsonParsesBackWithTheTagsAndTheCommit() throws {
        let plan = try plan(["--arch", "ampere,hopper", "--push"])
        let text = try PlanRenderer.json(plan)
        // Foundation reads it
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(json["commit"] as? String == Self.commit.sha)
        #expect(json["ref"] as? String == Self.ref)
        let targets = try #require(json["targets"] as? [[String: Any]])
        #expect(
            targets.map { $0["baseImage"] as? String } == [
                "frontierkodiak/linnaeus-base:ampere-cu126-torch2.7.1-fav2",
                "frontierkodiak/linnaeus-base:hopper-cu128-torch2.8.0-fav3",
            ])
        #expect(
            targets.map { $0["runtimeImage"] as? String } == [
                "frontierkodiak/linnaeus-dev:aaaaaaaaaaaa-ampere",
                "frontierkodiak/linnaeus-dev:aaaaaaaaaaaa-hopper",
            ])
        #expect((json["steps"] as? [Any])?.count == plan.steps.count)
        // linbuild's own strict parser reads it too, and it decodes back to the same plan
        #expect((try? JSONParser.parse(Array(text.utf8))) != nil)
        #expect(try JSONDecoder().decode(Plan.self, from: Data(text.utf8)) == plan)
        #expect(text.hasSuffix("}\n"))
    }
}
