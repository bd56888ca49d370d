import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

extension EndToEnd {
    /// Preflight against stand-ins (a loopback package index, the shared registry, a git
    /// repository), before a real build on the real engine; `--max-jobs auto` from `docker info`.
    @Suite struct Preflight {
        /// The upstreams of the fixture project, on loopback.
        struct Upstreams {
            let index: IndexStandIn
            let git: String
            let environment: [String: String]

            init(_ project: FixtureProject) throws {
                index = try IndexStandIn(
                    IndexStandIn.torchTree(
                        cu126Torch: ["2.7.0+cu126", "2.7.1+cu126"], flashAttention: ["flash_attn-2.7.4.post1.tar.gz"]))
                git = project.root + "/flash-attention"
                try Git.repository(at: git)
                // The CUDA, OS and uv images: the fixture's busybox, pushed under the project's namespace.
                let registry = project.environment.registry, namespace = project.namespace
                for reference in ["cuda:fixture-devel", "os:22.04", "uv:0.7.2"].map({ "\(registry)/\(namespace)/\($0)" }) {
                    #expect(try project.environment.docker(["tag", "linbuild-fixture/busybox:latest", reference]).status == 0)
                    let push = try project.environment.docker(["push", reference])
                    #expect(push.status == 0, "\(push.output)")
                }
                // The recipe's location variables: the same ones the plan passes as build arguments.
                environment = [
                    "LINBUILD_NO_PREFLIGHT": "", "LINBUILD_TORCH_INDEX": index.root + "/whl",
                    "LINBUILD_PYPI_INDEX": index.root + "/simple", "LINBUILD_CUDA_IMAGE": "\(registry)/\(namespace)/cuda",
                    "LINBUILD_OS_IMAGE": "\(registry)/\(namespace)/os", "LINBUILD_UV_IMAGE": "\(registry)/\(namespace)/uv",
                    "LINBUILD_FA3_GIT": git,
                ]
            }
        }

        /// The fixture's Dockerfile with the image and Python ARGs of the shipped recipe, which preflight
        /// reads (`${OS_IMAGE}:${OS_TAG}`, `${UV_IMAGE}:${UV_VERSION}`, PYTHON_VERSION).
        static let dockerfile = """
            ARG OS_IMAGE=ubuntu
            ARG OS_TAG=22.04
            ARG UV_IMAGE=ghcr.io/astral-sh/uv
            ARG UV_VERSION=0.7.2
            ARG PYTHON_VERSION=3.11

            """ + FixtureProject.dockerfileText

        /// The fixture's presets with beta moved to the channel where the stand-in index has its
        /// torch 2.8.0 (stable), and a per-job memory figure for flash-attn v2.
        func presetsWithExistingVersions(_ project: FixtureProject) throws {
            var text = try String(contentsOfFile: project.presets, encoding: .utf8)
            let beta =
                "\"torchVersion\": \"2.8.0\", \"torchvisionVersion\": \"0.23.0\", \"torchaudioVersion\": \"2.8.0\", \"torchChannel\": \"nightly\""
            #expect(text.contains(beta))
            text = text.replacingOccurrences(of: beta, with: beta.replacingOccurrences(of: "nightly", with: "stable"))
            text = "{ \"flashAttentionJobMemoryGiB\": { \"2\": 16 }," + text.drop { $0 != "{" }.dropFirst()
            try text.write(toFile: project.presets, atomically: false, encoding: .utf8)
        }

        @Test func preflightAllReportsEveryInputOfEveryArchitecture() throws {
            let project = try FixtureProject(EndToEnd.environment, dockerfile: Self.dockerfile)
            defer { project.remove() }
            let upstreams = try Upstreams(project)
            defer { upstreams.index.stop() }
            try presetsWithExistingVersions(project)

            let run = try project.linbuild(["preflight", "--arch", "all", "--probe-timeout", "5"], extraEnvironment: upstreams.environment)

            #expect(run.status == 0, "\(run.output)")
            let lines = run.stdout.split(separator: "\n").filter { $0.hasPrefix("preflight [") }
            #expect(lines.count == 2 * 6 + 1, "\(run.stdout)")
            // And what --max-jobs auto would choose on this engine, per architecture.
            #expect(run.stdout.contains("max jobs [alpha] MAX_JOBS="), "\(run.stdout)")
            #expect(
                run.stdout.contains("max jobs [beta] MAX_JOBS=") && run.stdout.contains("(no Flash Attention to compile)"), "\(run.stdout)")
            #expect(lines.allSatisfy { $0.contains(" present ") }, "\(run.stdout)")
            for input in ["CUDA image", "OS image", "uv image", "torch 2.7.1+cu126", "torchvision", "torchaudio", "flash-attn 2.7.4.post1"]
            {
                #expect(lines.contains { $0.hasPrefix("preflight [alpha] present \(input)") }, "\(input)")
            }
            #expect(lines.contains { $0.hasPrefix("preflight [beta] present torch 2.8.0+cu128") })
            // The exact pairs presets pin, and the images from the locations and the Dockerfile's tags.
            for input in [
                "torchvision 0.23.0+cu128", "torchaudio 2.8.0+cu128",
                "OS image \(project.environment.registry)/\(project.namespace)/os:22.04",
                "uv image \(project.environment.registry)/\(project.namespace)/uv:0.7.2",
            ] {
                #expect(lines.contains { $0.hasPrefix("preflight [beta] present \(input)") }, "\(input)")
            }
            #expect(run.errorLines.isEmpty)
        }

        @Test func aMissingTorchStopsTheRunInSecondsBeforeAnyBuildStarts() throws {
            // GIVEN the fixture's beta asking for torch 2.8.0 on nightly, which the index lacks (it has it on stable)
            let project = try FixtureProject(EndToEnd.environment, dockerfile: Self.dockerfile)
            defer { project.remove() }
            let upstreams = try Upstreams(project)
            defer { upstreams.index.stop() }

            // WHEN both architectures are built (alpha's inputs all exist, and alpha comes first)
            let run = try project.linbuild(["--arch", "all"], extraEnvironment: upstreams.environment)

            // THEN the run stops with 65, in seconds, naming the nearest versions of both channels
            #expect(run.status == 65, "\(run.output)")
            #expect(run.seconds < 3, "took \(run.seconds) s")
            #expect(run.errorLines.count == 1, "\(run.stderr)")
            let error = String(run.errorLines.first ?? "")
            #expect(error.contains("torch 2.8.0+cu128 is not on \(upstreams.index.root)/whl/nightly/cu128"), "\(error)")
            #expect(error.contains("it has 2.9.0.dev20250801+cu128, 2.9.0.dev20250802+cu128; stable has 2.8.0+cu128"), "\(error)")
            #expect(run.stderr.contains("preflight [beta] absent  torch 2.8.0+cu128"), "\(run.stderr)")
            // AND no build started: no build step, no build log, no base image in the engine
            #expect(!run.stderr.contains("==> build"), "\(run.stderr)")
            let logs = (try? FileManager.default.subpathsOfDirectory(atPath: project.logs)) ?? []
            #expect(!logs.contains { $0.hasSuffix(".log") }, "\(logs)")
            #expect(try project.imageID(project.baseReference(arch: "alpha")) == nil)
            #expect(try project.imageID(project.baseReference(arch: "beta")) == nil)
        }

        @Test func aBaseBuildSaysHowManyJobsAndWhyAndHowLongItTookLastTime() throws {
            let project = try FixtureProject(EndToEnd.environment, dockerfile: Self.dockerfile)
            defer { project.remove() }
            let upstreams = try Upstreams(project)
            defer { upstreams.index.stop() }
            try presetsWithExistingVersions(project)
            let info = try project.environment.docker(["info", "--format", "{{.NCPU}} {{.MemTotal}}"]).stdout.split(separator: " ")
            let cpus = try #require(Int(info.first ?? "")),
                memory = try #require(Double(info.last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
            let expected = max(1, min(cpus, Int(memory / (16 * 1_073_741_824))))

            let first = try project.linbuild(["--arch", "alpha", "--verbose"], extraEnvironment: upstreams.environment)

            #expect(first.status == 0, "\(first.output)")
            #expect(first.stderr.contains("base [alpha]: MAX_JOBS=\(expected): "), "\(first.stderr)")
            #expect(first.stderr.contains("16 GiB per job"), "\(first.stderr)")
            #expect(first.stderr.contains("--build-arg MAX_JOBS=\(expected) "), "\(first.stderr)")
            #expect(first.stderr.contains("preflight [alpha] present torch 2.7.1+cu126"))
            #expect(first.stderr.contains("base [alpha]: no earlier build of these inputs on this engine"))

            let second = try project.linbuild(["--arch", "alpha", "--force-base"], extraEnvironment: upstreams.environment)

            #expect(second.status == 0, "\(second.output)")
            #expect(second.stderr.contains("base [alpha]: the last build of these inputs on this engine took "), "\(second.stderr)")
            let history = try String(contentsOfFile: project.logs + "/base-durations.tsv", encoding: .utf8)
            #expect(history.split(separator: "\n").count == 2)

            // A runtime-only iteration never asks the upstreams.
            let requests = try upstreams.index.stats().requests
            let third = try project.linbuild(["--arch", "alpha"], extraEnvironment: upstreams.environment)
            #expect(third.status == 0, "\(third.output)")
            #expect(!third.stderr.contains("preflight ["))
            #expect(try upstreams.index.stats().requests == requests)
        }

        /// The elapsed time is a live line on a terminal only: not in a log, not with --quiet.
        @Test func elapsedTimeIsALiveLineOnlyOnATerminal() throws {
            let slowBase = FixtureProject.dockerfileText.replacingOccurrences(
                of: "RUN echo \"torch=", with: "RUN sleep 2.5 && echo \"torch=")
            #expect(slowBase != FixtureProject.dockerfileText)
            let project = try FixtureProject(EndToEnd.environment, dockerfile: slowBase)
            defer { project.remove() }
            func onATerminal(_ extra: [String]) throws -> Run.Result {
                let variables = [
                    "DOCKER_HOST": project.environment.dockerHost, "LINBUILD_ENGINE": project.environment.engine,
                    "LINBUILD_LOG_DIR": project.logs, "TMPDIR": project.temporary, "LINBUILD_NO_PREFLIGHT": "1",
                    "NO_COLOR": "1", "TERM": "xterm",
                ]
                let words =
                    ["env", "-u", "CI", "-u", "GITHUB_ACTIONS"] + variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                    + [
                        Run.linbuild, "--presets", project.presets, "--registry", project.environment.registry, "--arch", "alpha",
                        "--force-base",
                    ] + extra
                let line = words.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
                return try Run.command("script", ["-qec", line, "/dev/null"], directory: project.root)
            }

            let live = try onATerminal([])
            #expect(live.status == 0, "\(live.output)")
            #expect(live.stdout.contains("\r\u{1B}[Kbase [alpha]: 0:0"), "\(live.stdout.debugDescription)")
            #expect(live.stdout.contains("elapsed"))
            let quiet = try onATerminal(["--quiet"])
            #expect(quiet.status == 0, "\(quiet.output)")
            #expect(!quiet.stdout.contains("elapsed"), "\(quiet.stdout.debugDescription)")
            let logged = try project.linbuild(["--arch", "alpha", "--force-base"])
            #expect(logged.status == 0, "\(logged.output)")
            #expect(!logged.output.contains("elapsed") && !logged.output.contains("\u{1B}[K"), "\(logged.output)")
            #expect(logged.stderr.contains("base [alpha]: the last build of these inputs on this engine took "))
        }
    }
}
