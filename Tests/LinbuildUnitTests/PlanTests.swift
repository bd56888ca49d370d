import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// The steps of the plan with their exact argument vectors, for each way of reaching BuildKit.
@Suite struct PlanTests: PlanMaking {
    @Test func stepsRunInOrderAndPushComesAfterEveryBuild() throws {
        let steps = try plan(["--arch", "ampere,hopper", "--push"]).steps
        let kinds = steps.map { "\($0.kind.rawValue)\($0.arch.map { "[\($0)]" } ?? "")" }
        #expect(
            kinds == [
                "exportSource",
                "checkBase[ampere]", "buildBase[ampere]", "pullBase[ampere]", "tagBase[ampere]", "buildRuntime[ampere]",
                "checkBase[hopper]", "buildBase[hopper]", "pullBase[hopper]", "tagBase[hopper]", "buildRuntime[hopper]",
                "tagBaseForPush[ampere]", "pushBase[ampere]", "tagBaseForPush[ampere]", "pushBase[ampere]", "pushRuntime[ampere]",
                "tagBaseForPush[hopper]", "pushBase[hopper]", "tagBaseForPush[hopper]", "pushBase[hopper]", "pushRuntime[hopper]",
            ])
        let lastBuild = try #require(steps.lastIndex { [.buildBase, .buildRuntime].contains($0.kind) })
        let firstPush = try #require(steps.firstIndex { [.pushBase, .pushRuntime].contains($0.kind) })
        #expect(lastBuild < firstPush)
    }

    @Test func baseModesDecideTheBaseSteps() throws {
        // auto: the base build and its push are conditional
        let auto = try plan(["--push"])
        #expect(auto.baseMode == .auto)
        #expect(auto.steps.first { $0.kind == .buildBase }?.condition == .baseNeedsBuild)
        #expect(auto.steps.first { $0.kind == .pushBase }?.condition == .baseNeedsPush)
        // --force-base: always built and pushed
        let force = try plan(["--force-base", "--push"])
        #expect(force.baseMode == .force)
        #expect(force.steps.first { $0.kind == .buildBase }?.condition == nil)
        #expect(force.steps.first { $0.kind == .pushBase }?.condition == nil)
        // --skip-base: never built
        let skip = try plan(["--skip-base"])
        #expect(skip.baseMode == .skip)
        #expect(!skip.steps.contains { $0.kind == .buildBase })
        #expect(skip.steps.contains { $0.kind == .buildRuntime })
        // without --push nothing is pushed
        #expect(!(try plan([])).steps.contains { $0.kind == .pushBase || $0.kind == .pushRuntime })
    }

    @Test func pushCommandsAreExact() throws {
        let plan = try plan(["--arch", "hopper", "--push", "--registry", "127.0.0.1:5000"])
        let target = try #require(plan.targets.first)
        // main is the presets' branch, so the readable tag moves too, after the immutable one
        #expect(
            commands(plan, .pushBase) == [
                Command("docker", ["push", target.baseImmutableImage]), Command("docker", ["push", target.baseImage]),
            ])
        #expect(commands(plan, .pushRuntime) == [Command("docker", ["push", target.runtimeImage])])
        #expect(commands(plan, .pullBase) == [Command("docker", ["pull", "--platform", "linux/amd64", target.baseImmutableImage])])
    }

    /// The readable base tag moves from the presets' branch whatever way it was named: the rule
    /// reads the ref it resolved to, not the text typed.
    @Test(arguments: [
        ("main", "refs/heads/main", true), ("refs/heads/main", "refs/heads/main", true),
        ("origin/main", "refs/remotes/origin/main", true), ("refs/remotes/upstream/main", "refs/remotes/upstream/main", true),
        ("feat", "refs/heads/feat", false), ("main", "refs/tags/main", false), ("origin/feat/main", "refs/remotes/origin/feat/main", false),
        ("abcdef1234567890abcdef1234567890abcdef12", nil, false),
    ])
    func theReadableTagMovesFromThePresetsBranchHoweverItIsNamed(typed: String, resolved: String?, moves: Bool) throws {
        let options = try Options.parse(["--arch", "ampere", "--push", "--branch", typed], environment: [:])
        let source = ResolvedSource(
            location: .path("/src"), ref: typed, refName: resolved, commit: PlanFixture.commit, sourceLabel: "/src")
        let plan = try PlanBuilder(
            options: options, presets: shippedPresets, architectures: try options.architectures(in: shippedPresets),
            dockerfile: try DockerfileParser.parse(PlanFixture.dockerfileText, path: "/p/Dockerfile"), source: source,
            engine: EngineCLI(executable: "docker", builder: .buildx), workDirectory: "/tmp/w", createdAt: "t"
        ).make()
        let target = try #require(plan.targets.first)
        #expect(plan.movesBaseTag == moves)
        #expect(commands(plan, .pushBase).contains { $0.arguments.last == target.baseImage } == moves)
    }

    @Test func theBasesTagsAreStepsAndEachPushFollowsItsOwnTag() throws {
        let plan = try plan(["--arch", "hopper", "--push"])
        let target = try #require(plan.targets.first)
        func tag(_ reference: String) -> Command {
            var command = Command("docker", ["tag", "$LINBUILD_BASE_ID", reference])
            command.runValues = [Step.RunValue.baseImageID]
            return command
        }
        // Once the base is in hand: the immutable tag, and the readable one (main moves it)
        #expect(commands(plan, .tagBase) == [tag(target.baseImmutableImage), tag(target.baseImage)])
        // Each tag pushed is tagged again just before, by its own step, on the same condition
        let pushPhase = plan.steps.filter { [.tagBaseForPush, .pushBase].contains($0.kind) }
        #expect(
            pushPhase.map { "\($0.kind.rawValue) \($0.image ?? "")" } == [
                "tagBaseForPush \(target.baseImmutableImage)", "pushBase \(target.baseImmutableImage)",
                "tagBaseForPush \(target.baseImage)", "pushBase \(target.baseImage)",
            ])
        #expect(commands(plan, .tagBaseForPush) == [tag(target.baseImmutableImage), tag(target.baseImage)])
        #expect(pushPhase.allSatisfy { $0.condition == .baseNeedsPush })
        // A branch other than the presets' leaves the readable tag alone: it is neither tagged nor pushed
        let feature = try self.plan(["--arch", "hopper", "--push", "--branch", "feat"])
        #expect(commands(feature, .tagBase) == [tag(target.baseImmutableImage)])
        #expect(commands(feature, .pushBase) == [Command("docker", ["push", target.baseImmutableImage])])
        // --skip-base tags nothing: it pushes the image it used, as it is
        let skip = try self.plan(["--arch", "hopper", "--push", "--skip-base"])
        #expect(!skip.steps.contains { $0.kind == .tagBase || $0.kind == .tagBaseForPush })
    }

    @Test func baseBuildCommandIsExact() throws {
        let build = try #require(commands(try plan(["--arch", "ampere", "--max-jobs", "8"]), .buildBase).first)
        let inputs = try target(["--arch", "ampere"]).baseInputs
        #expect(build.executable == "docker")
        #expect(build.environment == [:])
        #expect(
            build.arguments == [
                "buildx", "build", "--load", "--platform", "linux/amd64", "--file", "/p/Dockerfile", "--target", "base",
                "--build-arg", "NVIDIA_CUDA_TAG=12.8.0-cudnn-devel-ubuntu22.04", "--build-arg", "TORCH_CHANNEL=stable",
                "--build-arg", "TORCH_VER=2.7.1+cu126", "--build-arg", "TORCH_CUDA_SUFFIX=cu126",
                "--build-arg", "TORCHVISION_VER=0.22.1", "--build-arg", "TORCHAUDIO_VER=2.7.1",
                "--build-arg", "FA_VER=2.7.4.post1", "--build-arg", "FA_COMMIT=",
                "--build-arg", "CUDA_ARCH_LIST=8.0;8.6",
                "--build-arg", "OS_PACKAGES=libgl1 libglib2.0-0 libsm6 libxext6 libx11-6 git curl unzip rclone",
                "--build-arg", "MAX_JOBS=8", "--build-arg", "NVCC_THREADS=4",
                "--build-arg", "CUDA_IMAGE=nvidia/cuda", "--build-arg", "OS_IMAGE=ubuntu", "--build-arg", "UV_IMAGE=ghcr.io/astral-sh/uv",
                "--build-arg", "PYTHON_SOURCE=https://github.com/astral-sh/python-build-standalone/releases/download",
                "--build-arg", "TORCH_INDEX=https://download.pytorch.org/whl", "--build-arg", "PYPI_INDEX=https://pypi.org/simple",
                "--build-arg", "FA3_GIT=https://github.com/Dao-AILab/flash-attention.git",
                "--build-arg", "BASE_IMAGE=frontierkodiak/linnaeus-base:ampere-cu126-torch2.7.1-fav2",
                "--label", "dev.linbuild.arch=ampere",
                "--label", "dev.linbuild.base.arg.CUDA_ARCH_LIST=8.0;8.6",
                "--label", "dev.linbuild.base.arg.FA_COMMIT=",
                "--label", "dev.linbuild.base.arg.FA_VER=2.7.4.post1",
                "--label", "dev.linbuild.base.arg.NVIDIA_CUDA_TAG=12.8.0-cudnn-devel-ubuntu22.04",
                "--label", "dev.linbuild.base.arg.OS_PACKAGES=libgl1 libglib2.0-0 libsm6 libxext6 libx11-6 git curl unzip rclone",
                "--label", "dev.linbuild.base.arg.TORCHAUDIO_VER=2.7.1",
                "--label", "dev.linbuild.base.arg.TORCHVISION_VER=0.22.1",
                "--label", "dev.linbuild.base.arg.TORCH_CHANNEL=stable",
                "--label", "dev.linbuild.base.arg.TORCH_CUDA_SUFFIX=cu126",
                "--label", "dev.linbuild.base.arg.TORCH_VER=2.7.1+cu126",
                "--label", "dev.linbuild.base.dockerfile=\(inputs.dockerfileDigest)",
                "--label", "dev.linbuild.base.form=2",
                "--label", "dev.linbuild.base.inputs=\(inputs.digest)",
                "--label", "dev.linbuild.base.platform=linux/amd64",
                "--label", "org.opencontainers.image.created=2026-01-01T00:00:00Z",
                "--label", "org.opencontainers.image.source=https://example.com/linnaeus.git",
                "--label", "org.opencontainers.image.title=linnaeus-base",
                "--label", "org.opencontainers.image.version=ampere-cu126-torch2.7.1-fav2",
                "--tag", "frontierkodiak/linnaeus-base:ampere-cu126-torch2.7.1-fav2-in\(inputs.digest.prefix(12))",
                "/tmp/linbuild-test/empty",
            ])
    }

    @Test func runtimeBuildCommandIsExact() throws {
        let build = try #require(commands(try plan(["--arch", "hopper", "--tag-suffix", "x"]), .buildRuntime).first)
        let inputs = try target(["--arch", "hopper"]).baseInputs
        let immutable = "frontierkodiak/linnaeus-base:hopper-cu128-torch2.8.0-fav3-in\(inputs.digest.prefix(12))"
        #expect(build.executable == "docker")
        #expect(build.environment == [:])
        #expect(
            build.arguments == [
                "buildx", "build", "--load", "--platform", "linux/amd64", "--file", "/p/Dockerfile", "--target", "runtime",
                "--build-arg", "BASE_IMAGE=\(immutable)",
                "--build-arg", "LINNAEUS_REF=\(PlanFixture.commit.sha)",
                "--build-arg", "APP_EXTRAS=dev", "--build-arg", "PYPI_INDEX=https://pypi.org/simple",
                "--label", "dev.linbuild.arch=hopper", "--label", "dev.linbuild.base.inputs=\(inputs.digest)", "--label",
                "dev.linbuild.ref=main",
                "--label", "org.opencontainers.image.base.name=\(immutable)",
                "--label", "org.opencontainers.image.created=2026-01-01T00:00:00Z",
                "--label", "org.opencontainers.image.revision=\(PlanFixture.commit.sha)",
                "--label", "org.opencontainers.image.source=https://example.com/linnaeus.git",
                "--label", "org.opencontainers.image.title=linnaeus-dev",
                "--label", "org.opencontainers.image.version=abcdef123456-hopper-x",
                "--tag", "frontierkodiak/linnaeus-dev:abcdef123456-hopper-x", "/tmp/linbuild-test/source",
            ])
    }

    @Test func eachBuilderSpellsBuildItsOwnWay() throws {
        func builds(_ engine: EngineCLI) throws -> [Command] {
            let plan = try plan(["--platform", "linux/arm64", "--push"], engine: engine)
            return commands(plan, .buildBase) + commands(plan, .buildRuntime)
        }
        let buildx = try builds(EngineCLI(executable: "docker", builder: .buildx))
        let builtin = try builds(EngineCLI(executable: "docker", builder: .builtinBuildKit))
        let podman = try builds(EngineCLI(executable: "podman", builder: .podman))
        #expect(buildx.count == 2 && builtin.count == 2 && podman.count == 2)
        for command in buildx {
            #expect(Array(command.arguments.prefix(5)) == ["buildx", "build", "--load", "--platform", "linux/arm64"])
            #expect(command.environment.isEmpty)
        }
        for command in builtin {
            #expect(command.executable == "docker")
            #expect(Array(command.arguments.prefix(3)) == ["build", "--platform", "linux/arm64"])
            #expect(command.environment == ["DOCKER_BUILDKIT": "1"])
            #expect(command.shellLine.hasPrefix("DOCKER_BUILDKIT=1 docker build "))
        }
        for command in podman {
            #expect(command.executable == "podman")
            #expect(Array(command.arguments.prefix(3)) == ["build", "--platform", "linux/arm64"])
            #expect(command.environment.isEmpty)
        }
        // Only the builds differ: the rest of each vector is the same
        #expect(buildx.map { Array($0.arguments.dropFirst(3)) } == builtin.map { Array($0.arguments.dropFirst(1)) })
        #expect(builtin.map(\.arguments) == podman.map(\.arguments))
        // and pushing needs no BuildKit switch
        let builtinPlan = try plan(["--push"], engine: EngineCLI(executable: "docker", builder: .builtinBuildKit))
        #expect(commands(builtinPlan, .pushRuntime).allSatisfy { $0.environment.isEmpty })
    }

    @Test func engineGlobalOptionsComeBeforeTheSubcommand() {
        let engine = EngineCLI(executable: "docker", builder: .buildx, context: "gpu-box", buildxBuilder: "k8s", progress: "plain")
        #expect(
            engine.build(["."]).arguments == [
                "--context", "gpu-box", "buildx", "build", "--load", "--builder", "k8s", "--progress", "plain", ".",
            ])
        #expect(engine.command(["push", "x"]).arguments == ["--context", "gpu-box", "push", "x"])
    }

    @Test func theContextsAreInsideTheWorkFolderWhichNoStepMakesOrRemoves() throws {
        let plan = try plan([])
        #expect(plan.sourceContext == "/tmp/linbuild-test/source" && plan.emptyContext == "/tmp/linbuild-test/empty")
        // The executor makes it before the first step and removes it on every way out: not steps
        #expect(
            !plan.steps.flatMap(\.commands).contains { ["mkdir", "rm"].contains($0.executable) && $0.arguments.last == plan.workDirectory })
        #expect(commands(plan, .buildRuntime).first?.arguments.last == plan.sourceContext)
        #expect(commands(plan, .buildBase).first?.arguments.last == plan.emptyContext)
    }

    @Test func builderIsChosenWithoutRunningAnything() throws {
        func builder(
            _ executable: String, buildx: String? = nil, environment: [String: String] = [:],
            fileExists: (String) -> Bool = { _ in false }
        ) -> EngineCLI.Builder {
            EngineCLI.choose(
                executable: executable, buildxBuilder: buildx, context: nil, progress: nil,
                environment: environment, fileExists: fileExists
            ).builder
        }
        #expect(builder("docker", environment: ["HOME": "/h"]) == .builtinBuildKit)
        #expect(builder("docker", environment: ["HOME": "/h"], fileExists: { $0 == "/h/.docker/cli-plugins/docker-buildx" }) == .buildx)
        #expect(builder("/usr/bin/podman") == .podman)
        #expect(builder("docker", buildx: "remote") == .buildx)
    }
}
