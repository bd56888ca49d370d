import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildRun

/// Preflight against loopback stand-ins: a PEP 503/691 index (with faults), a git
/// repository with tags, and registries that answer from a table.
@Suite(.serialized, .timeLimit(.minutes(5))) struct PreflightStandInTests {
    /// Answers image questions from a table; anything else is unknown.
    struct TableRegistry: RegistryChecking {
        var answers: [String: RegistryAnswer]
        func manifest(of reference: ImageReference) -> RegistryAnswer {
            answers["\(reference.registry)/\(reference.name):\(reference.tag)"] ?? .unknown("not in the table")
        }
        func image(of reference: ImageReference, platform: String) throws -> RegistryImage? { nil }
    }

    static let tree = IndexStandIn.torchTree(
        cu126Torch: ["2.6.0+cu126", "2.7.0+cu126", "2.7.1+cu126"],
        flashAttention: ["flash_attn-2.7.3.tar.gz", "flash_attn-2.7.4.post1.tar.gz", "flash_attn-2.8.3.tar.gz"])

    /// The shipped recipe's shape: the images are `${X_IMAGE}:${tag}`, the Python is PYTHON_VERSION's default.
    static let dockerfile = """
        ARG CUDA_IMAGE=nvidia/cuda
        ARG OS_IMAGE=127.0.0.1:1/os
        ARG OS_TAG=22.04
        ARG UV_IMAGE=127.0.0.1:1/uv
        ARG UV_VERSION=0.7.2
        FROM ${UV_IMAGE}:${UV_VERSION} AS uv
        FROM ${CUDA_IMAGE}:${NVIDIA_CUDA_TAG} AS builder
        ARG PYTHON_VERSION=3.11
        FROM ${OS_IMAGE}:${OS_TAG} AS base
        """

    struct World {
        var index: IndexStandIn
        var scratch: Scratch
        var gitRepository: String

        init() throws {
            index = try IndexStandIn(PreflightStandInTests.tree)
            scratch = try Scratch("preflight")
            gitRepository = scratch.path + "/flash-attention"
            try Git.repository(at: gitRepository)
        }

        func remove() {
            index.stop()
            scratch.remove()
        }

        /// The run's locations (presets' with the stand-ins' overrides), by build argument.
        func locations(indexPrefix: String = "") -> UpstreamLocations {
            UpstreamLocations(values: [
                "TORCH_INDEX": index.root + indexPrefix + "/whl", "PYPI_INDEX": index.root + indexPrefix + "/simple",
                "CUDA_IMAGE": "127.0.0.1:1/cuda", "FA3_GIT": gitRepository,
            ])
        }

        var head: String { get throws { try Git.run(gitRepository, "rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines) } }

        func preflight(
            _ presets: Presets, indexPrefix: String = "", images: RegistryAnswer = .present(digest: "sha256:0123456789abcdef0123"),
            timeout: Double = 5
        ) throws -> [PreflightResult] {
            let dockerfile = try DockerfileParser.parse(PreflightStandInTests.dockerfile, path: "/p/Dockerfile")
            let targets = PreflightTargets.make(
                presets: presets, architectures: presets.architectures, dockerfile: dockerfile,
                platform: "linux/amd64", locations: locations(indexPrefix: indexPrefix))
            var table: [String: RegistryAnswer] = [:]
            for architecture in targets.architectures {
                for image in architecture.images {
                    let reference = ImageReference(image.reference)!
                    table["\(reference.registry)/\(reference.name):\(reference.tag)"] = images
                }
            }
            return Preflight(
                targets: targets, registry: TableRegistry(answers: table), index: PackageIndexClient(timeout: timeout),
                runner: FoundationProcessRunner(), timeout: timeout
            ).run()
        }
    }

    /// The shipped matrix (its versions are the stand-ins'), hopper's FA3 pinned to a commit of the
    /// stand-in repository (the real SHA is not in it), and whatever a test moves.
    func presets(
        _ world: World, hopperTorch: String = "2.8.0", hopperChannel: String = "stable", hopperCommit: String? = nil,
        amperFA: String = "2.7.4.post1"
    ) throws -> Presets {
        var text = try shippedPresetsText(
            replacing:
                "\"torchVersion\": \"2.8.0\",\n      \"torchvisionVersion\": \"0.23.0\",\n      \"torchaudioVersion\": \"2.8.0\",\n      \"torchChannel\": \"stable\"",
            with:
                "\"torchVersion\": \"\(hopperTorch)\",\n      \"torchvisionVersion\": \"0.23.0\",\n      \"torchaudioVersion\": \"2.8.0\",\n      \"torchChannel\": \"\(hopperChannel)\""
        )
        #expect(text.contains("\"commit\": \"c75d019dea9d910312974417bc28f190dfdda6d9\""))
        text = text.replacingOccurrences(
            of: "\"commit\": \"c75d019dea9d910312974417bc28f190dfdda6d9\"", with: "\"commit\": \"\(try hopperCommit ?? world.head)\"")
        text = text.replacingOccurrences(of: "\"version\": \"2.7.4.post1\"", with: "\"version\": \"\(amperFA)\"")
        return try PresetsLoader.parse(Array(text.utf8), file: "presets.json")
    }

    @Test func everyInputOfEveryArchitectureIsPresentAndEachPageIsAskedOnce() throws {
        let world = try World()
        defer { world.remove() }

        let results = try world.preflight(try presets(world))

        // 3 images and 3 PyTorch wheels per arch; flash-attn for ampere and hopper (FA 2), FA 3's commit
        #expect(results.count == 3 * 6 + 2 + 1, "\(results.map(\.line))")
        #expect(
            results.allSatisfy { if case .present = $0.answer { true } else { false } }, "\(results.map(\.line).joined(separator: "\n"))")
        // FA3 at its pinned commit, fetched alone; the exact torchvision/torchaudio pairs too.
        let head = try world.head.prefix(12)
        #expect(
            results.contains { $0.line == "preflight [hopper] present flash-attention \(head): fetched it from \(world.gitRepository)" },
            "\(results.map(\.line))")
        #expect(
            results.contains {
                $0.line.hasPrefix("preflight [hopper] present torchvision 0.23.0+cu128: wheel for Python 3.11 on linux/amd64")
            })
        #expect(
            results.contains {
                $0.line.hasPrefix("preflight [ampere] present torchaudio 2.7.1+cu126: wheel for Python 3.11 on linux/amd64")
            })
        #expect(
            results.contains { $0.line.hasPrefix("preflight [ampere] present torch 2.7.1+cu126: wheel for Python 3.11 on linux/amd64") })
        // ampere and turing share cu126: torch, torchvision, torchaudio on cu126 and cu128, and flash-attn.
        #expect(try world.index.stats().requests == 7)
        #expect(Preflight.failure(results) == nil)
    }

    @Test func aMissingTorchIsAbsentWithTheNearestVersionsOfBothChannels() throws {
        let world = try World()
        defer { world.remove() }

        let results = try world.preflight(try presets(world, hopperTorch: "2.8.0rc0", hopperChannel: "nightly"))

        let torch = try #require(results.first { $0.arch == "hopper" && $0.input == "torch 2.8.0rc0+cu128" })
        #expect(
            torch.answer
                == .absent(
                    "torch 2.8.0rc0+cu128 is not on \(world.index.root)/whl/nightly/cu128 for Python 3.11 on linux/amd64; "
                        + "it has 2.9.0.dev20250801+cu128, 2.9.0.dev20250802+cu128; stable has 2.8.0+cu128"))
        let failure = try #require(Preflight.failure(results))
        #expect(failure.exitCode == .dataError)
        #expect(failure.description.contains("stable has 2.8.0+cu128"))
    }

    @Test func aTorchWithoutAWheelForThePythonOrPlatformIsAbsent() throws {
        let world = try World()
        defer { world.remove() }
        let results = try world.preflight(try presets(world, hopperTorch: "2.5.0", hopperChannel: "stable"))
        let torch = try #require(results.first { $0.arch == "hopper" && $0.input.hasPrefix("torch ") })
        guard case .absent(let why) = torch.answer else { Issue.record("\(torch.line)"); return }
        #expect(why.contains("it has 2.7.1+cu128, 2.8.0+cu128"))
    }

    @Test func aMissingFlashAttentionVersionOrPinnedCommitIsAbsent() throws {
        let world = try World()
        defer { world.remove() }
        let missing = "1234567890abcdef1234567890abcdef12345678"

        let results = try world.preflight(try presets(world, hopperCommit: missing, amperFA: "2.7.5"))

        let v3 = try #require(results.first { $0.input == "flash-attention 1234567890ab" }, "\(results.map(\.line))")
        #expect(v3.answer == .absent("\(world.gitRepository) has no commit \(missing) (check the pinned commit)"))
        let v2 = try #require(results.first { $0.arch == "ampere" && $0.input == "flash-attn 2.7.5" })
        #expect(v2.answer == .absent("flash-attn 2.7.5 is not on \(world.index.root)/simple; it has 2.7.4.post1, 2.8.3"))
    }

    @Test func aMissingImageTagIsAbsent() throws {
        let world = try World()
        defer { world.remove() }
        let presets = try presets(world)
        let results = try world.preflight(presets, images: .absent)
        // One CUDA image line per architecture (an empty list would satisfy any rule), each absent
        let cuda = results.filter { $0.input.hasPrefix("CUDA image") }
        #expect(cuda.map(\.arch) == presets.architectureNames)
        #expect(
            cuda.map(\.answer)
                == presets.architectures.map { _ in
                    .absent("127.0.0.1:1/cuda:12.8.0-cudnn-devel-ubuntu22.04 is not in its registry (check the tag)")
                })
    }

    @Test(arguments: [("fault500", "answered HTTP 500"), ("malformed", "sent malformed JSON")])
    func aFailingIndexIsUnknownNeverAbsent(_ fault: String, _ message: String) throws {
        let world = try World()
        defer { world.remove() }

        let results = try world.preflight(try presets(world), indexPrefix: "/" + fault)

        let packages = results.filter { !$0.input.contains("image") && !$0.input.hasPrefix("flash-attention") }
        #expect(packages.count == 3 * 3 + 2)
        for result in packages {
            guard case .unknown(let why) = result.answer else { Issue.record("\(result.line)"); continue }
            #expect(why.contains(message), "\(why)")
        }
        #expect(Preflight.failure(results) == nil)
    }

    @Test func anHTMLOnlyIndexIsReadThroughThePEP503Fallback() throws {
        let world = try World()
        defer { world.remove() }
        let results = try world.preflight(try presets(world), indexPrefix: "/htmlonly")
        #expect(results.allSatisfy { if case .present = $0.answer { true } else { false } }, "\(results.map(\.line))")
    }

    @Test func aWrongIndexPathIsAbsentAndSaysSo() throws {
        let world = try World()
        defer { world.remove() }
        let results = try world.preflight(try presets(world), indexPrefix: "/nowhere")
        let torch = try #require(results.first { $0.arch == "ampere" && $0.input.hasPrefix("torch ") })
        #expect(
            torch.answer == .absent("\(world.index.root)/nowhere/whl/cu126 has no project torch (check the index URL and the CUDA suffix)"))
    }

    @Test func aHangingIndexAndGitRemoteCostOnlyTheProbeTimeout() throws {
        let world = try World()
        defer { world.remove() }
        let silent = try FakeRegistry(.silent)
        defer { silent.stop() }
        let dockerfile = try DockerfileParser.parse(PreflightStandInTests.dockerfile, path: "/p/Dockerfile")
        var locations = world.locations(indexPrefix: "/hang")
        locations.values["FA3_GIT"] = "http://\(silent.address)/flash-attention.git"
        let presets = try presets(world)
        let targets = PreflightTargets.make(
            presets: presets, architectures: presets.architectures, dockerfile: dockerfile,
            platform: "linux/amd64", locations: locations)
        let started = Date()
        let results = Preflight(
            targets: targets, registry: TableRegistry(answers: [:]), index: PackageIndexClient(timeout: 2),
            runner: FoundationProcessRunner(), timeout: 2
        ).run()
        let seconds = Date().timeIntervalSince(started)

        #expect(seconds < 4, "took \(seconds) s")
        #expect(results.allSatisfy { if case .unknown = $0.answer { true } else { false } }, "\(results.map(\.line))")
        let git = try #require(results.first { $0.input.hasPrefix("flash-attention") })
        #expect(git.line.contains("within 2 s"), "\(git.line)")
        // The git process and its children were killed, not left behind.
        let leftover = try Run.command("pgrep", ["-f", silent.address])
        #expect(leftover.stdout.isEmpty, "\(leftover.stdout)")
    }
}

/// Image tags are asked through the base check's registry client, including the
/// anonymous bearer-token flow Docker Hub uses.
@Suite(.timeLimit(.minutes(5))) struct PreflightRegistryTests {
    @Test func anImageBehindAnAnonymousBearerChallengeIsPresentOrAbsent() throws {
        let standIn = try IndexStandIn([:])
        defer { standIn.stop() }
        let registry = RegistryClient(timeout: 5) { _ in nil }
        let host = "127.0.0.1:\(standIn.port)"
        let targets = PreflightTargets(
            python: "3.11", platform: "linux/amd64",
            architectures: [
                .init(
                    name: "a",
                    images: [
                        .init(role: "CUDA image", reference: "\(host)/nvidia/cuda:present"),
                        .init(role: "OS image", reference: "\(host)/library/ubuntu:missing"),
                    ],
                    packages: [], gitRefs: [])
            ])

        let results = Preflight(
            targets: targets, registry: registry, index: PackageIndexClient(timeout: 5),
            runner: FoundationProcessRunner(), timeout: 5
        ).run()

        #expect(
            results.map(\.line) == [
                "preflight [a] present CUDA image \(host)/nvidia/cuda:present: sha256:abababababab",
                "preflight [a] absent  OS image \(host)/library/ubuntu:missing: \(host)/library/ubuntu:missing is not in its registry (check the tag)",
            ])
        // Each image: a challenge, a token, the retried HEAD (the token is cached per repository).
        #expect(try standIn.stats().requests == 6)
    }
}

/// A pinned Flash Attention commit is checked by fetching just it.
@Suite(.timeLimit(.minutes(5))) struct PreflightCommitTests {
    @Test func aPinnedCommitIsPresentEvenWhenNoRefPointsAtItAndAbsentWhenUnknown() throws {
        let scratch = try Scratch("preflight-commit")
        defer { scratch.remove() }
        let repository = scratch.path + "/flash-attention"
        let old = try Git.repository(at: repository)
        try Git.commit(in: repository, text: "two\n")
        let missing = String(repeating: "1234567890", count: 4)
        let targets = PreflightTargets(
            python: "3.11", platform: "linux/amd64",
            architectures: [
                .init(
                    name: "a", images: [], packages: [],
                    gitRefs: [
                        .init(project: "flash-attention", url: repository, commit: old),
                        .init(project: "flash-attention", url: repository, commit: missing),
                    ])
            ])

        let results = Preflight(
            targets: targets, registry: PreflightStandInTests.TableRegistry(answers: [:]), index: PackageIndexClient(timeout: 5),
            runner: FoundationProcessRunner(), timeout: 10
        ).run()

        #expect(
            results.map(\.line) == [
                "preflight [a] present flash-attention \(old.prefix(12)): fetched it from \(repository)",
                "preflight [a] absent  flash-attention 123456789012: \(repository) has no commit \(missing) (check the pinned commit)",
            ])
        let left = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path).filter {
            $0.hasPrefix("linbuild-fetch-")
        }
        #expect(left.isEmpty, "\(left)")
    }
}
