import Foundation
import Testing
import LinbuildTestSupport
@testable import LinbuildCore

/// Tags, build arguments and steps: the plan as a value, for each architecture.
@Suite struct PlanTests {
    static let presets = try! PresetsLoader.load(path: Repository.presets)
    static let commit = CommitID("abcdef1234567890abcdef1234567890abcdef12")!
    static let dockerfileText = """
        ARG BASE_IMAGE
        FROM busybox:1 AS base
        RUN echo base
        FROM ${BASE_IMAGE} AS runtime
        COPY . /app
        """

    func plan(_ arguments: [String], presets: Presets = PlanTests.presets, dockerfile: String = PlanTests.dockerfileText,
              builder: EngineCLI.Builder = .buildx) throws -> Plan {
        let options = try Options.parse(arguments, environment: [:])
        let source = ResolvedSource(location: .path("/src"), ref: options.branch ?? "main", refName: "refs/heads/main",
                                    commit: Self.commit, sourceLabel: "https://example.com/linnaeus.git")
        return try PlanBuilder(options: options, presets: presets, dockerfile: try DockerfileParser.parse(dockerfile, path: "/p/Dockerfile"),
                               source: source, engine: EngineCLI(executable: builder == .podman ? "podman" : "docker", builder: builder),
                               workDirectory: "/tmp/linbuild-test", createdAt: "2026-01-01T00:00:00Z").make()
    }

    @Test func ampereMatchesTheIssue() throws {
        let target = try #require(try plan(["--arch", "ampere"]).targets.first)
        #expect(target.baseArguments["TORCH_VER"] == "2.7.1+cu126")
        #expect(target.baseArguments["FA_VER"] == "2.7.4.post1")
        #expect(target.baseArguments["TORCH_CHANNEL"] == "stable")
        #expect(target.baseArguments["CUDA_ARCH_LIST"] == "8.0;8.6")
        #expect(target.baseArguments["TORCH_CUDA_SUFFIX"] == "cu126")
        #expect(target.baseArguments["NVIDIA_CUDA_TAG"] == "12.8.0-cudnn-devel-ubuntu22.04")
        #expect(target.baseArguments["MAX_JOBS"] == "12")
        #expect(target.baseImage == "frontierkodiak/linnaeus-base:ampere-cu126-torch2.7.1-fav2")
    }

    @Test func hopperMatchesTheIssue() throws {
        let target = try #require(try plan(["--arch", "hopper"]).targets.first)
        #expect(target.baseArguments["TORCH_VER"] == "2.8.0rc0+cu128")
        #expect(target.baseArguments["FA_VER"] == "3.0.0b3")
        #expect(target.baseArguments["TORCH_CHANNEL"] == "nightly")
        #expect(target.baseArguments["CUDA_ARCH_LIST"] == "9.0")
        #expect(target.baseImage == "frontierkodiak/linnaeus-base:hopper-cu128-torch2.8.0rc0-fav3")
    }

    @Test func turingHasNoFlashAttention() throws {
        let target = try #require(try plan(["--arch", "turing"]).targets.first)
        #expect(target.baseArguments["FA_VER"] == "")
        #expect(target.baseImage == "frontierkodiak/linnaeus-base:turing-cu126-torch2.7.1-fanone")
        // The empty value is still passed, so the Dockerfile's ARG is set (to nothing)
        let build = try #require(try plan(["--arch", "turing"]).steps.first { $0.kind == .buildBase }?.commands.first)
        #expect(build.arguments.contains("FA_VER="))
    }

    @Test(arguments: ["myfeat", "-myfeat"])
    func runtimeTagCarriesTheCommitArchAndOneDashSuffix(_ suffix: String) throws {
        let target = try #require(try plan(["--arch", "hopper", "--branch", "feat/x", "--tag-suffix", suffix]).targets.first)
        #expect(target.runtimeImage == "frontierkodiak/linnaeus-dev:abcdef123456-hopper-myfeat")
        #expect(target.runtimeArguments == ["BASE_IMAGE": "frontierkodiak/linnaeus-base:hopper-cu128-torch2.8.0rc0-fav3",
                                            "LINNAEUS_REF": Self.commit.sha])
    }

    @Test func registryAndNamespacePrefixBothTags() throws {
        let target = try #require(try plan(["--registry", "127.0.0.1:5000", "--namespace", "team/ml"]).targets.first)
        #expect(target.baseImage == "127.0.0.1:5000/team/ml/linnaeus-base:ampere-cu126-torch2.7.1-fav2")
        #expect(target.runtimeImage == "127.0.0.1:5000/team/ml/linnaeus-dev:abcdef123456-ampere")
    }

    @Test func aFourthArchitectureNeedsOnlyData() throws {
        var text = try String(contentsOfFile: Repository.presets, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"architectures\": {", with: """
            "architectures": {
                "blackwell": { "torchVersion": "2.9.0", "torchChannel": "nightly", "cudaSuffix": "cu130",
                               "cudaArchList": "10.0;12.0", "flashAttention": { "version": "3.1.0", "major": 3 },
                               "nvidiaCudaTag": "13.0.0-cudnn-devel-ubuntu24.04" },
            """)
        let presets = try PresetsLoader.parse(Array(text.utf8), file: "p.json")
        let target = try #require(try plan(["--arch", "blackwell"], presets: presets).targets.first)
        #expect(target.baseImage == "frontierkodiak/linnaeus-base:blackwell-cu130-torch2.9.0-fav3")
        #expect(target.baseArguments["NVIDIA_CUDA_TAG"] == "13.0.0-cudnn-devel-ubuntu24.04")
        #expect(target.baseArguments["CUDA_ARCH_LIST"] == "10.0;12.0")
        #expect(try plan(["--arch", "all"], presets: presets).targets.map(\.arch) == ["blackwell", "ampere", "turing", "hopper"])
    }

    @Test func matrixKeepsTheGivenOrderAndRejectsUnknownArchs() throws {
        #expect(try plan(["--arch", "hopper,ampere"]).targets.map(\.arch) == ["hopper", "ampere"])
        #expect(try plan(["--arch", "all"]).targets.map(\.arch) == ["ampere", "turing", "hopper"])
        #expect(throws: LinbuildError.usage("unknown --arch 'volta'; presets define ampere, turing, hopper (or all)")) {
            try plan(["--arch", "volta"])
        }
    }

    @Test func baseInputsIgnoreMaxJobsButNotArchListOrBaseStage() throws {
        let reference = try #require(try plan(["--arch", "ampere"]).targets.first?.baseInputs)
        #expect(try plan(["--arch", "ampere", "--max-jobs", "3"]).targets.first?.baseInputs == reference)
        // A runtime-stage edit leaves the base alone
        let runtimeEdit = Self.dockerfileText.replacingOccurrences(of: "COPY . /app", with: "COPY . /srv")
        #expect(try plan(["--arch", "ampere"], dockerfile: runtimeEdit).targets.first?.baseInputs == reference)
        // A base-stage edit is named
        let baseEdit = Self.dockerfileText.replacingOccurrences(of: "echo base", with: "echo base2")
        let changed = try #require(try plan(["--arch", "ampere"], dockerfile: baseEdit).targets.first?.baseInputs)
        #expect(changed.changes(comparedTo: reference.labels) == ["the Dockerfile's base stage"])
        // A different arch list is named
        let hopperLabels = try #require(try plan(["--arch", "hopper"]).targets.first?.baseInputs.labels)
        #expect(reference.changes(comparedTo: hopperLabels) == ["CUDA_ARCH_LIST", "FA_VER", "TORCH_CHANNEL", "TORCH_CUDA_SUFFIX", "TORCH_VER"])
        #expect(reference.changes(comparedTo: reference.labels) == [])
        #expect(reference.changes(comparedTo: [:]) == ["no recorded inputs (not built by linbuild)"])
    }

    @Test func stepsRunInOrderAndPushComesAfterEveryBuild() throws {
        let kinds = try plan(["--arch", "ampere,hopper", "--push"]).steps.map { "\($0.kind.rawValue)\($0.arch.map { "[\($0)]" } ?? "")" }
        #expect(kinds == ["prepare", "exportSource",
                          "checkBase[ampere]", "buildBase[ampere]", "pullBase[ampere]", "buildRuntime[ampere]",
                          "checkBase[hopper]", "buildBase[hopper]", "pullBase[hopper]", "buildRuntime[hopper]",
                          "pushBase[ampere]", "pushRuntime[ampere]", "pushBase[hopper]", "pushRuntime[hopper]", "cleanUp"])
        #expect(try plan(["--skip-base"]).steps.contains { $0.kind == .buildBase } == false)
        #expect(try plan(["--force-base"]).steps.first { $0.kind == .buildBase }?.condition == nil)
        #expect(try plan([]).steps.first { $0.kind == .buildBase }?.condition == .baseNeedsBuild)
        #expect(try plan([]).steps.contains { $0.kind == .pushRuntime } == false)
    }

    @Test func runtimeBuildCommandIsExact() throws {
        let build = try #require(try plan(["--arch", "hopper", "--tag-suffix", "x"]).steps.first { $0.kind == .buildRuntime }?.commands.first)
        #expect(build.executable == "docker")
        #expect(build.environment == [:])
        #expect(build.arguments == [
            "buildx", "build", "--load", "--platform", "linux/amd64", "--file", "/p/Dockerfile", "--target", "runtime",
            "--build-arg", "BASE_IMAGE=frontierkodiak/linnaeus-base:hopper-cu128-torch2.8.0rc0-fav3",
            "--build-arg", "LINNAEUS_REF=\(Self.commit.sha)",
            "--label", "dev.linbuild.arch=hopper", "--label", "dev.linbuild.ref=main",
            "--label", "org.opencontainers.image.base.name=frontierkodiak/linnaeus-base:hopper-cu128-torch2.8.0rc0-fav3",
            "--label", "org.opencontainers.image.created=2026-01-01T00:00:00Z",
            "--label", "org.opencontainers.image.revision=\(Self.commit.sha)",
            "--label", "org.opencontainers.image.source=https://example.com/linnaeus.git",
            "--label", "org.opencontainers.image.title=linnaeus-dev",
            "--label", "org.opencontainers.image.version=abcdef123456-hopper-x",
            "--tag", "frontierkodiak/linnaeus-dev:abcdef123456-hopper-x", "/tmp/linbuild-test/source",
        ])
    }

    @Test func eachBuilderSpellsBuildItsOwnWay() throws {
        func firstBuild(_ builder: EngineCLI.Builder) throws -> Command {
            try #require(try plan(["--platform", "linux/arm64"], builder: builder).steps.first { $0.kind == .buildBase }?.commands.first)
        }
        let buildx = try firstBuild(.buildx), builtin = try firstBuild(.builtinBuildKit), podman = try firstBuild(.podman)
        #expect(Array(buildx.arguments.prefix(3)) == ["buildx", "build", "--load"])
        #expect(builtin.arguments.first == "build")
        #expect(builtin.environment == ["DOCKER_BUILDKIT": "1"])
        #expect(podman.executable == "podman" && podman.arguments.first == "build" && podman.environment.isEmpty)
        for command in [buildx, builtin, podman] {
            #expect(command.arguments.contains("linux/arm64"))
            #expect(command.arguments.last == "/tmp/linbuild-test/empty")
        }
    }

    @Test func engineGlobalOptionsComeBeforeTheSubcommand() {
        let engine = EngineCLI(executable: "docker", builder: .buildx, context: "gpu-box", buildxBuilder: "k8s", progress: "plain")
        #expect(engine.build(["."]).arguments == ["--context", "gpu-box", "buildx", "build", "--load", "--builder", "k8s", "--progress", "plain", "."])
        #expect(engine.command(["push", "x"]).arguments == ["--context", "gpu-box", "push", "x"])
    }

    @Test func builderIsChosenWithoutRunningAnything() throws {
        let options = try Options.parse([], environment: [:])
        let none: (String) -> Bool = { _ in false }
        #expect(EngineCLI.choose(options: options, environment: ["HOME": "/h"], fileExists: none).builder == .builtinBuildKit)
        #expect(EngineCLI.choose(options: options, environment: ["HOME": "/h"], fileExists: { $0 == "/h/.docker/cli-plugins/docker-buildx" }).builder == .buildx)
        let podman = try Options.parse(["--engine", "/usr/bin/podman"], environment: [:])
        #expect(EngineCLI.choose(options: podman, environment: [:], fileExists: none).builder == .podman)
        let builder = try Options.parse(["--builder", "remote"], environment: [:])
        #expect(EngineCLI.choose(options: builder, environment: [:], fileExists: none).builder == .buildx)
    }
}
