import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildRun
@testable import LinbuildSupport

/// The two printed views of a plan, as text (a shell runs the script in DryRunScriptTests).
@Suite struct PlanRendererTests {
    static let commit = PlanFixture.scriptCommit
    static let ref = PlanFixture.scriptRef

    func plan(_ arguments: [String]) throws -> Plan { try PlanFixture.scriptPlan(arguments) }

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
