import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildRun

/// The pure parts of preflight: file names, versions, nearest versions, targets.
@Suite struct PreflightUnitTests {
    @Test func wheelNamesAreReadWithTheirTags() throws {
        let wheel = try #require(DistributionFile(filename: "torch-2.7.1%2Bcu126-cp311-cp311-manylinux_2_28_x86_64.whl"))
        #expect(wheel.project == "torch")
        #expect(wheel.version == "2.7.1+cu126")
        #expect(wheel.fits(python: "3.11", platform: "linux/amd64"))
        #expect(!wheel.fits(python: "3.12", platform: "linux/amd64"))
        #expect(!wheel.fits(python: "3.11", platform: "linux/arm64"))
        let arm = try #require(DistributionFile(filename: "torch-2.7.1+cu126-cp311-cp311-manylinux_2_28_aarch64.whl"))
        #expect(arm.fits(python: "3.11", platform: "linux/arm64"))
        #expect(
            !(try #require(DistributionFile(filename: "torch-2.7.1-cp311-none-macosx_11_0_arm64.whl"))).fits(
                python: "3.11", platform: "linux/arm64"))
        #expect(try #require(DistributionFile(filename: "six-1.16.0-py2.py3-none-any.whl")).fits(python: "3.11", platform: "linux/amd64"))
        let sdist = try #require(DistributionFile(filename: "flash_attn-2.7.4.post1.tar.gz"))
        #expect(sdist.project == "flash_attn" && sdist.version == "2.7.4.post1" && !sdist.isWheel)
        #expect(DistributionFile(filename: "README.txt") == nil)
        #expect(DistributionFile.normalise("Flash_Attn") == "flash-attn")
    }

    @Test func versionsOrderAsPEP440Says() throws {
        let ordered = ["2.8.0.dev20250101", "2.8.0rc0", "2.8.0rc1", "2.8.0", "2.8.0.post1", "2.9.0.dev20250601", "2.10.0"]
        let parsed = ordered.compactMap(PackageVersion.init)
        #expect(parsed.count == ordered.count)
        #expect(parsed.shuffled().sorted().map(\.text) == ordered)
        #expect(PackageVersion("not-a-version") == nil)
    }

    @Test func nearestVersionsNameTheSameReleaseThenTheNextAndTheNewest() {
        let nightly =
            (1...30).map { "2.9.0.dev202508\(String(format: "%02d", $0))+cu128" } + ["2.8.0.dev20250701+cu128", "2.8.0.dev20250702+cu128"]
        let near = PackageVersion.nearest(to: "2.8.0rc0+cu128", among: nightly)
        #expect(
            near == [
                "2.8.0.dev20250701+cu128", "2.8.0.dev20250702+cu128",
                "2.9.0.dev20250801+cu128 … 2.9.0.dev20250830+cu128 (30 builds)",
            ])
        #expect(
            PackageVersion.nearest(to: "2.7.2+cu126", among: ["2.6.0+cu126", "2.7.0+cu126", "2.7.1+cu126", "2.8.0+cu126"])
                == ["2.7.1+cu126", "2.8.0+cu126"])
        #expect(PackageVersion.nearest(to: "1.0", among: []) == [])
    }

    @Test func indexPagesAreReadAsJSONOrHTMLWithTheirHashes() {
        let hash = String(repeating: "ab", count: 32)
        let json =
            #"{"meta":{"api-version":"1.0"},"files":[{"filename":"a-1.0.tar.gz","hashes":{}},{"filename":"a-1.1-py3-none-any.whl","hashes":{"sha256":"HASH"}}]}"#
            .replacingOccurrences(of: "HASH", with: hash.uppercased())
        #expect(
            PackageIndexClient.filesFromJSON(Array(json.utf8)) == [
                IndexFile(name: "a-1.0.tar.gz", sha256: nil), IndexFile(name: "a-1.1-py3-none-any.whl", sha256: hash),
            ])
        #expect(PackageIndexClient.filesFromJSON(Array(#"{"files": ["#.utf8)) == nil)
        #expect(PackageIndexClient.filesFromJSON(Array(#"{"files": [{"url": "x"}]}"#.utf8)) == nil)
        let html = """
            <html><body><a href="/whl/cu126/torch-2.7.1%2Bcu126-cp311-cp311-manylinux_2_28_x86_64.whl#sha256=\(hash)">torch-2.7.1+cu126-cp311-cp311-manylinux_2_28_x86_64.whl</a><br/>
            <A HREF='../../files/torch-2.7.0-cp311-cp311-linux_x86_64.whl?x=1#sha256=ab' data-requires-python="&gt;=3.9">t</A>
            """
        // (a fragment that is not 64 hex digits is no hash)
        #expect(
            PackageIndexClient.filesFromHTML(html) == [
                IndexFile(name: "torch-2.7.1+cu126-cp311-cp311-manylinux_2_28_x86_64.whl", sha256: hash),
                IndexFile(name: "torch-2.7.0-cp311-cp311-linux_x86_64.whl", sha256: nil),
            ])
    }

    /// The shipped recipe's shape: locations are ARGs with real defaults; the Python is PYTHON_VERSION's.
    static let dockerfile = """
        ARG CUDA_IMAGE=nvidia/cuda
        ARG OS_IMAGE=ubuntu
        ARG OS_TAG=22.04
        ARG UV_IMAGE=ghcr.io/astral-sh/uv
        ARG UV_VERSION=0.7.2
        FROM ${UV_IMAGE}:${UV_VERSION} AS uv
        FROM ${CUDA_IMAGE}:${NVIDIA_CUDA_TAG} AS builder
        ARG PYTHON_VERSION=3.12
        ARG PYTHON_SOURCE=os
        ARG TORCH_INDEX=https://dockerfile.example/whl
        ARG FA3_GIT=https://dockerfile.example/fa.git
        FROM ${OS_IMAGE}:${OS_TAG} AS base
        """

    static func hopperOnNightly() throws -> Presets {
        let text = try shippedPresetsText(
            replacing:
                "\"torchVersion\": \"2.8.0\",\n      \"torchvisionVersion\": \"0.23.0\",\n      \"torchaudioVersion\": \"2.8.0\",\n      \"torchChannel\": \"stable\"",
            with:
                "\"torchVersion\": \"2.9.0.dev20250801\",\n      \"torchvisionVersion\": \"0.24.0.dev20250801\",\n      \"torchaudioVersion\": \"2.8.0.dev20250801\",\n      \"torchChannel\": \"nightly\""
        )
        return try PresetsLoader.parse(Array(text.utf8), file: "presets.json")
    }

    @Test func targetsComeFromPresetsTheirLocationsAndTheDockerfile() throws {
        let dockerfile = try DockerfileParser.parse(Self.dockerfile, path: "/p/Dockerfile")
        let targets = PreflightTargets.make(
            presets: shippedPresets, architectures: shippedPresets.architectures, dockerfile: dockerfile,
            platform: "linux/amd64", locations: shippedPresets.defaults.locations)
        // The Python the Dockerfile installs: its PYTHON_VERSION default (linbuild never passes it).
        #expect(targets.python == "3.12")
        let hopper = try #require(targets.architectures.first { $0.name == "hopper" })
        #expect(
            hopper.images.map(\.reference) == ["nvidia/cuda:12.8.0-cudnn-devel-ubuntu22.04", "ubuntu:22.04", "ghcr.io/astral-sh/uv:0.7.2"])
        // Exact pairs, with the local label the PyTorch index serves them under.
        // (and FA 2, which hopper gets besides FA 3, from the package index)
        #expect(hopper.packages.map(\.project) == ["torch", "torchvision", "torchaudio", "flash-attn"])
        #expect(hopper.packages.map(\.versions) == [["2.8.0+cu128"], ["0.23.0+cu128"], ["2.8.0+cu128"], ["2.8.3"]])
        // presets' torchIndex wins over the Dockerfile's default, as in the build.
        #expect(hopper.packages.prefix(3).allSatisfy { $0.index == "https://download.pytorch.org/whl/cu128" })
        #expect(hopper.packages.last?.index == "https://pypi.org/simple")
        #expect(hopper.packages.first?.alternative == .init(label: "nightly", index: "https://download.pytorch.org/whl/nightly/cu128"))
        // FA3: the pinned commit of the git source, not a tag.
        #expect(
            hopper.gitRefs == [
                .init(
                    project: "flash-attention", url: "https://github.com/Dao-AILab/flash-attention.git",
                    commit: "c75d019dea9d910312974417bc28f190dfdda6d9")
            ])
        let ampere = try #require(targets.architectures.first { $0.name == "ampere" })
        #expect(
            ampere.packages.last
                == .init(
                    project: "flash-attn", versions: ["2.7.4.post1"], index: "https://pypi.org/simple", needsWheel: false, alternative: nil)
        )
        #expect(ampere.packages.map(\.versions) == [["2.7.1+cu126"], ["0.22.1+cu126"], ["2.7.1+cu126"], ["2.7.4.post1"]])
        #expect(ampere.packages.first?.index == "https://download.pytorch.org/whl/cu126")
        #expect(ampere.gitRefs.isEmpty)
        #expect(targets.architectures.first { $0.name == "turing" }?.packages.map(\.project) == ["torch", "torchvision", "torchaudio"])

        // The nightly channel: /nightly/ under the same root, stable named as the alternative.
        let nightly = try Self.hopperOnNightly()
        let onNightly = PreflightTargets.make(
            presets: nightly, architectures: nightly.architectures, dockerfile: dockerfile,
            platform: "linux/amd64", locations: nightly.defaults.locations)
        let torch = try #require(onNightly.architectures.first { $0.name == "hopper" }?.packages.first)
        #expect(torch.versions == ["2.9.0.dev20250801+cu128"] && torch.index == "https://download.pytorch.org/whl/nightly/cu128")
        #expect(torch.alternative == .init(label: "stable", index: "https://download.pytorch.org/whl/cu128"))

        // A location presets leave out is the Dockerfile's default, as in the build.
        let bare = PreflightTargets.make(
            presets: shippedPresets, architectures: shippedPresets.architectures, dockerfile: dockerfile,
            platform: "linux/amd64", locations: UpstreamLocations(values: [:]))
        let bareHopper = try #require(bare.architectures.first { $0.name == "hopper" })
        #expect(bareHopper.packages.first?.index == "https://dockerfile.example/whl/cu128")
        #expect(bareHopper.gitRefs.first?.url == "https://dockerfile.example/fa.git")
    }

    @Test func everyLocationIsMovedByIssue11sVariablesAsThePlanMovesIt() throws {
        let dockerfile = try DockerfileParser.parse(Self.dockerfile, path: "/p/Dockerfile")
        let environment = [
            "LINBUILD_TORCH_INDEX": "http://127.0.0.1:1/whl/", "LINBUILD_PYPI_INDEX": "http://127.0.0.1:1/simple",
            "LINBUILD_CUDA_IMAGE": "127.0.0.1:2/cuda", "LINBUILD_OS_IMAGE": "127.0.0.1:2/os",
            "LINBUILD_UV_IMAGE": "127.0.0.1:2/uv", "LINBUILD_FA3_GIT": "/tmp/fa.git",
            // preflight's own variable names are gone: one set of variables, the plan's.
            "LINBUILD_PYTORCH_INDEX": "http://127.0.0.1:9/old", "LINBUILD_PACKAGE_INDEX": "http://127.0.0.1:9/old",
        ]
        let options = try Options.parse(["preflight", "--arch", "all"], environment: environment)
        let locations = shippedPresets.defaults.locations.overridden(byArguments: options.locationOverrides)
        let targets = PreflightTargets.make(
            presets: shippedPresets, architectures: shippedPresets.architectures, dockerfile: dockerfile,
            platform: "linux/amd64", locations: locations)
        let hopper = try #require(targets.architectures.first { $0.name == "hopper" })
        #expect(
            hopper.images.map(\.reference) == [
                "127.0.0.1:2/cuda:12.8.0-cudnn-devel-ubuntu22.04", "127.0.0.1:2/os:22.04", "127.0.0.1:2/uv:0.7.2",
            ])
        #expect(hopper.packages.first?.index == "http://127.0.0.1:1/whl/cu128")
        #expect(hopper.gitRefs.first?.url == "/tmp/fa.git")
        #expect(targets.architectures.first { $0.name == "ampere" }?.packages.last?.index == "http://127.0.0.1:1/simple")
    }

    @Test func anAbsentInputIsExit65NamingItAndUnknownIsNot() {
        let results = [
            PreflightResult(arch: "a", input: "torch 1", answer: .unknown("offline")),
            PreflightResult(arch: "b", input: "torch 2", answer: .absent("torch 2 is not on X; it has 1")),
            PreflightResult(arch: "b", input: "uv", answer: .absent("uv:9 is not in its registry")),
        ]
        let failure = Preflight.failure(results)
        #expect(failure?.exitCode == .dataError)
        #expect(failure?.description.hasPrefix("[b] torch 2 is not on X; it has 1; 1 more input is absent") == true)
        #expect(Preflight.failure(Array(results.prefix(1))) == nil)
        #expect(results[0].line == "preflight [a] unknown torch 1: offline")
    }

    @Test func historyKeepsTheLastDurationPerEngineAndInputs() throws {
        let scratch = try Scratch("history")
        defer { scratch.remove() }
        let history = BuildHistory(directory: scratch.path + "/logs")
        #expect(history.last(engine: "E1", digest: "d") == nil)
        history.record(engine: "E1", digest: "d", seconds: 100)
        history.record(engine: "E2", digest: "d", seconds: 5)
        history.record(engine: "E1", digest: "d", seconds: 2520.04)
        history.record(engine: "E1", digest: "other", seconds: 7)
        #expect(history.last(engine: "E1", digest: "d") == 2520)
        #expect(history.last(engine: "E2", digest: "d") == 5)
        #expect(BuildHistory.duration(2520) == "42m 00s")
        #expect(BuildHistory.duration(8.34) == "8.3 s")
        #expect(BuildHistory.duration(3725) == "1h 02m")
        for index in 0..<(BuildHistory.limit + 10) { history.record(engine: "E3", digest: "\(index)", seconds: 1) }
        #expect(history.entries().count == BuildHistory.limit)
    }
}
