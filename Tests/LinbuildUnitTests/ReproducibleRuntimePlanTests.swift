import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// The commit's time in the plan: how each engine is asked to date the runtime, and what the plan
/// says when the engine cannot make two builds of one commit one image.
@Suite struct ReproducibleRuntimePlanTests: PlanMaking {
    static let commitTime = 1_709_294_400

    /// The plan of `engine` for a source whose commit time is known (`commitTime`) or not.
    func plan(engine: EngineCLI, commitTime: Int? = ReproducibleRuntimePlanTests.commitTime) throws -> Plan {
        let options = try Options.parse(["--arch", "hopper"], environment: [:])
        var source = ResolvedSource(
            location: .path("/src"), ref: "main", refName: "refs/heads/main", commit: PlanFixture.commit, sourceLabel: "/src")
        source.commitTime = commitTime
        return try PlanBuilder(
            options: options, presets: shippedPresets, architectures: try options.architectures(in: shippedPresets),
            dockerfile: try DockerfileParser.parse(PlanFixture.dockerfileText, path: "/p/Dockerfile"),
            source: source, engine: engine, workDirectory: "/tmp/linbuild-test", createdAt: "2024-03-01T12:00:00Z"
        ).make()
    }

    func buildx(_ version: String?) -> EngineCLI {
        var engine = EngineCLI(executable: "docker", builder: .buildx)
        engine.buildKitVersion = version
        return engine
    }

    @Test func podmanDatesTheRuntimeAndEveryFileInItByTheCommit() throws {
        let plan = try plan(engine: EngineCLI(executable: "podman", builder: .podman))
        let runtime = try #require(commands(plan, .buildRuntime).first)
        // Buildah's --timestamp: the image's created time and every file's time in its layers
        #expect(Array(runtime.arguments.prefix(3)) == ["build", "--timestamp", "1709294400"])
        #expect(plan.sourceDateEpoch == Self.commitTime)
        #expect(plan.timestampProblem == nil)
        // The base is built once per inputs, not per commit: its build is not dated by one
        for base in commands(plan, .buildBase) { #expect(!base.arguments.contains("--timestamp")) }
    }

    @Test func dockersBuiltInBuildKitCannotAndThePlanSaysWhy() throws {
        let plan = try plan(engine: EngineCLI(executable: "docker", builder: .builtinBuildKit))
        let runtime = try #require(commands(plan, .buildRuntime).first)
        #expect(!runtime.arguments.contains("--timestamp") && !runtime.arguments.contains { $0.hasPrefix("SOURCE_DATE_EPOCH") })
        let problem = try #require(plan.timestampProblem)
        #expect(problem.contains("v0.8") && problem.contains("rewrite-timestamp") && problem.contains("created labels match"))
        // said in the dry-run script too, with the commit's time
        let script = PlanRenderer.shellScript(plan)
        #expect(script.contains("# SOURCE_DATE_EPOCH=1709294400 (the commit's time)"))
        #expect(script.contains("# note: " + problem + "\n"))
    }

    @Test func buildxFromBuildKit013RewritesTimestampsThroughItsExporter() throws {
        let plan = try plan(engine: buildx("v0.13.2"))
        let runtime = try #require(commands(plan, .buildRuntime).first)
        #expect(Array(runtime.arguments.prefix(4)) == ["buildx", "build", "--output", "type=docker,rewrite-timestamp=true"])
        #expect(!runtime.arguments.contains("--load"))
        let epoch = try #require(runtime.arguments.firstIndex(of: "SOURCE_DATE_EPOCH=1709294400"))
        #expect(runtime.arguments[epoch - 1] == "--build-arg")
        #expect(plan.timestampProblem == nil)
        // the base is loaded as before
        for base in commands(plan, .buildBase) {
            #expect(base.arguments.contains("--load") && !base.arguments.contains { $0.contains("SOURCE_DATE_EPOCH") })
        }
    }

    @Test(arguments: ["v0.12.5", nil] as [String?])
    func buildxWithAnOlderOrUnknownBuildKitLoadsAndSaysWhy(_ version: String?) throws {
        let plan = try plan(engine: buildx(version))
        let runtime = try #require(commands(plan, .buildRuntime).first)
        #expect(Array(runtime.arguments.prefix(3)) == ["buildx", "build", "--load"])
        // SOURCE_DATE_EPOCH still dates the image config where BuildKit reads it (v0.11 on)
        #expect(runtime.arguments.contains("SOURCE_DATE_EPOCH=1709294400"))
        let problem = try #require(plan.timestampProblem)
        #expect(problem.contains(version ?? "unknown"))
    }

    @Test(arguments: [
        EngineCLI(executable: "podman", builder: .podman), EngineCLI(executable: "docker", builder: .builtinBuildKit),
        EngineCLI(executable: "docker", builder: .buildx),
    ])
    func withoutTheCommitsTimeNothingChanges(_ engine: EngineCLI) throws {
        let plan = try plan(engine: engine, commitTime: nil)
        let runtime = try #require(commands(plan, .buildRuntime).first)
        #expect(!runtime.arguments.contains("--timestamp") && !runtime.arguments.contains { $0.contains("SOURCE_DATE_EPOCH") })
        #expect(plan.sourceDateEpoch == nil && plan.timestampProblem == nil)
        #expect(!PlanRenderer.shellScript(plan).contains("SOURCE_DATE_EPOCH"))
    }

    @Test func buildKitVersionIsReadFromWhatBuildxInspectPrints() {
        let current = "Name:          default\nDriver:        docker\n\nNodes:\nName:             default\nBuildKit version: v0.13.2\n"
        #expect(EngineCLI.buildKitVersion(inspectOutput: current) == "v0.13.2")
        // older buildx spells it `Buildkit:`; of several nodes, the oldest decides
        let nodes = "Name: a\nBuildkit: v0.12.5\nName: b\nBuildkit: v0.14.0\n"
        #expect(EngineCLI.buildKitVersion(inspectOutput: nodes) == "v0.12.5")
        #expect(EngineCLI.buildKitVersion(inspectOutput: "Name: x\nDriver: docker\n") == nil)
        #expect(EngineCLI.buildKitVersion(inspectOutput: "BuildKit version: unknown\n") == nil)
    }

    @Test func theCommittersTimeIsReadFromTheCommitObjectsHeaders() {
        let object = """
            tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904
            author A <a@example.com> 1600000000 +0200
            committer C <c@example.com> 1709294400 -0500

            committer X <x@example.com> 1 +0000
            """
        // the committer's, not the author's, and the header's, not the message's
        #expect(ResolvedSource.committerTime(ofCommitObject: Array(object.utf8)) == 1_709_294_400)
        #expect(ResolvedSource.committerTime(ofCommitObject: Array("tree x\n\ncommitter X <x> 5 +0000\n".utf8)) == nil)
    }
}
