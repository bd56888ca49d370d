import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildRun
@testable import LinbuildSupport

/// `--engine podman`: how each command is spelled, and how podman's answers are read, without
/// running podman (the end-to-end suite runs the real one).
@Suite struct PodmanPlanTests: PlanMaking {
    /// The plan with the engine chosen from the options, as linbuild chooses it.
    func plan(_ arguments: [String]) throws -> Plan {
        let options = try Options.parse(arguments, environment: [:])
        let engine = EngineCLI.choose(
            executable: options.engine, buildxBuilder: options.builder, context: options.dockerContext,
            progress: options.progress, environment: [:], fileExists: { _ in false })
        return try plan(arguments, engine: engine)
    }

    @Test(arguments: ["podman", "/usr/bin/podman", "podman-remote"])
    func podmanByNameBuildsWithBuildahSpelling(_ engine: String) throws {
        // GIVEN --engine naming podman, with the BuildKit-only options set
        let plan = try plan(["--engine", engine, "--progress", "plain", "--platform", "linux/arm64"])

        // THEN builds are `podman build`: no buildx, no --load, no DOCKER_BUILDKIT, no --progress
        #expect(plan.engine.builder == .podman)
        for build in commands(plan, .buildBase) + commands(plan, .buildRuntime) {
            #expect(build.executable == engine)
            #expect(Array(build.arguments.prefix(3)) == ["build", "--platform", "linux/arm64"])
            #expect(build.environment.isEmpty)
            #expect(!build.arguments.contains("--load") && !build.arguments.contains("--progress") && !build.arguments.contains("buildx"))
        }
    }

    @Test(arguments: ["127.0.0.1:5000", "localhost:5000", "127.0.0.2", "[::1]:5000"])
    func pushAndPullToALoopbackRegistrySkipTLSVerificationWithPodman(_ registry: String) throws {
        // GIVEN podman and a loopback registry (plain HTTP, as the Docker daemon allows by default)
        let plan = try plan(["--engine", "podman", "--registry", registry, "--push"])
        let target = try #require(plan.targets.first)

        // THEN push and pull carry --tls-verify=false right before the image
        #expect(
            commands(plan, .pushBase).map(\.arguments) == [
                ["push", "--tls-verify=false", target.baseImmutableImage],
                ["push", "--tls-verify=false", target.baseImage],
            ])
        #expect(commands(plan, .pushRuntime).map(\.arguments) == [["push", "--tls-verify=false", target.runtimeImage]])
        #expect(
            commands(plan, .pullBase).map(\.arguments) == [
                ["pull", "--platform", "linux/amd64", "--tls-verify=false", target.baseImmutableImage]
            ])
    }

    @Test(arguments: [nil, "registry.example.com:5000", "ghcr.io", "10.0.0.5:5000"] as [String?])
    func otherRegistriesKeepTLSVerification(_ registry: String?) throws {
        let plan = try plan(["--engine", "podman", "--push"] + (registry.map { ["--registry", $0] } ?? []))
        for command in commands(plan, .pushBase) + commands(plan, .pushRuntime) + commands(plan, .pullBase) {
            #expect(!command.arguments.contains("--tls-verify=false"), "\(command.shellLine)")
        }
    }

    @Test func dockerNeverGetsThePodmanFlag() throws {
        let plan = try plan(["--engine", "docker", "--registry", "127.0.0.1:5000", "--push"])
        let target = try #require(plan.targets.first)
        #expect(commands(plan, .pushRuntime).map(\.arguments) == [["push", target.runtimeImage]])
        #expect(commands(plan, .pullBase).map(\.arguments) == [["pull", "--platform", "linux/amd64", target.baseImmutableImage]])
    }

    @Test func contextStillComesFirstForPodmanCommands() {
        let engine = EngineCLI(executable: "podman", builder: .podman, context: "remote")
        #expect(
            engine.push("127.0.0.1:5000/a/b:c").arguments == ["--context", "remote", "push", "--tls-verify=false", "127.0.0.1:5000/a/b:c"])
    }

    @Test func versionProbeAsksOnlyTheClientAndAcceptsItsAnswer() throws {
        // GIVEN podman, which has no server to report (it is daemonless)
        let runner = ScriptedRunner()
        runner.answer(
            { @Sendable in $0.arguments == ["version", "--format", "{{.Client.Version}}|{{.Client.Version}}"] },
            CapturedOutput(termination: .exited(0), stdout: Array("4.3.1|4.3.1\n".utf8)))
        let probe = EngineProbe(engine: EngineCLI(executable: "podman", builder: .podman), runner: runner)

        // THEN the probe passes, with no BuildKit check
        #expect(try probe.verify() == .init(client: "4.3.1", server: "4.3.1"))
        #expect(runner.commands.count == 1)
    }

    @Test func imageNotKnownIsAbsentButOtherInspectFailuresAreNot() throws {
        let runner = ScriptedRunner()
        runner.answer(
            { @Sendable in $0.arguments.last == "127.0.0.1:5000/ns/missing:1" },
            CapturedOutput(
                termination: .exited(125), stderr: Array("Error: inspecting object: 127.0.0.1:5000/ns/missing:1: image not known\n".utf8)))
        runner.answer(
            { @Sendable in $0.arguments.last == "127.0.0.1:5000/ns/present:1" },
            CapturedOutput(
                termination: .exited(0), stdout: Array(#"{"dev.linbuild.base.inputs":"abc","io.buildah.version":"1.28.2"}"#.utf8)))
        runner.answer(
            { @Sendable in $0.arguments.last == "127.0.0.1:5000/ns/broken:1" },
            CapturedOutput(termination: .exited(125), stderr: Array("Error: database is locked\n".utf8)))
        let probe = EngineProbe(engine: EngineCLI(executable: "podman", builder: .podman), runner: runner)

        #expect(try probe.localLabels(of: "127.0.0.1:5000/ns/missing:1") == nil)
        #expect(try probe.localLabels(of: "127.0.0.1:5000/ns/present:1")?["dev.linbuild.base.inputs"] == "abc")
        #expect(throws: LinbuildError.self) { try probe.localLabels(of: "127.0.0.1:5000/ns/broken:1") }
    }

    @Test func podmansAuthFileIsReadAsRootWithoutXDGRuntimeDir() {
        // GIVEN root on a server or in CI: no XDG_RUNTIME_DIR, so `podman login` writes /run/containers/0
        let root = RegistryCredentials.authFiles(environment: ["HOME": "/root"], uid: 0)
        #expect(root.contains("/run/containers/0/auth.json"))
        // and with XDG_RUNTIME_DIR it writes there instead
        let user = RegistryCredentials.authFiles(environment: ["HOME": "/home/u", "XDG_RUNTIME_DIR": "/run/user/1000"], uid: 1000)
        #expect(user.contains("/run/user/1000/containers/auth.json"))
        #expect(!user.contains("/run/containers/1000/auth.json"))
        // REGISTRY_AUTH_FILE comes first, as podman reads it first
        #expect(RegistryCredentials.authFiles(environment: ["HOME": "/h", "REGISTRY_AUTH_FILE": "/a.json"], uid: 0).first == "/a.json")
    }
}
