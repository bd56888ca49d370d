import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// Tags and build arguments: the issue's values for each architecture, suffixes, registries,
/// precedence, and an architecture that exists only in data.
@Suite struct TagTests: PlanMaking {
    struct Expected: Sendable, CustomTestStringConvertible {
        var arch: String
        var torch: String
        var flashAttention: String
        var channel: String
        var archList: String
        var cudaSuffix: String
        var vision: String
        var audio: String
        var faCommit: String
        var base: String
        var testDescription: String { arch }
    }

    /// The issue's values, exactly.
    static let expected: [Expected] = [
        Expected(
            arch: "ampere", torch: "2.7.1+cu126", flashAttention: "2.7.4.post1", channel: "stable", archList: "8.0;8.6",
            cudaSuffix: "cu126", vision: "0.22.1", audio: "2.7.1", faCommit: "",
            base: "frontierkodiak/linnaeus-base:ampere-cu126-torch2.7.1-fav2"),
        Expected(
            arch: "hopper", torch: "2.8.0+cu128", flashAttention: "2.8.3 3.0.0", channel: "stable", archList: "9.0",
            cudaSuffix: "cu128", vision: "0.23.0", audio: "2.8.0", faCommit: "c75d019dea9d910312974417bc28f190dfdda6d9",
            base: "frontierkodiak/linnaeus-base:hopper-cu128-torch2.8.0-fav3"),
        Expected(
            arch: "turing", torch: "2.7.1+cu126", flashAttention: "", channel: "stable", archList: "7.5",
            cudaSuffix: "cu126", vision: "0.22.1", audio: "2.7.1", faCommit: "",
            base: "frontierkodiak/linnaeus-base:turing-cu126-torch2.7.1-fanone"),
    ]

    /// The real upstream locations: what presets.json ships.
    static let realLocations = [
        "CUDA_IMAGE": "nvidia/cuda", "OS_IMAGE": "ubuntu", "UV_IMAGE": "ghcr.io/astral-sh/uv",
        "PYTHON_SOURCE": "https://github.com/astral-sh/python-build-standalone/releases/download",
        "TORCH_INDEX": "https://download.pytorch.org/whl", "PYPI_INDEX": "https://pypi.org/simple",
        "FA3_GIT": "https://github.com/Dao-AILab/flash-attention.git",
    ]

    @Test(arguments: expected)
    func eachArchitectureGetsTheIssuesValues(_ expected: Expected) throws {
        // GIVEN the shipped presets, WHEN the plan is made for one arch
        let target = try target(["--arch", expected.arch])
        // THEN its base build arguments and tag are exactly the issue's
        #expect(target.arch == expected.arch)
        #expect(
            target.baseArguments
                == [
                    "NVIDIA_CUDA_TAG": "12.8.0-cudnn-devel-ubuntu22.04", "TORCH_CHANNEL": expected.channel, "TORCH_VER": expected.torch,
                    "TORCH_CUDA_SUFFIX": expected.cudaSuffix, "FA_VER": expected.flashAttention, "CUDA_ARCH_LIST": expected.archList,
                    "MAX_JOBS": "12",
                    "TORCHVISION_VER": expected.vision, "TORCHAUDIO_VER": expected.audio, "FA_COMMIT": expected.faCommit,
                    "OS_PACKAGES": "libgl1 libglib2.0-0 libsm6 libxext6 libx11-6 git curl unzip rclone", "NVCC_THREADS": "4",
                ].merging(Self.realLocations) { $1 })
        #expect(target.baseImage == expected.base)
        #expect(target.runtimeImage == "frontierkodiak/linnaeus-dev:abcdef123456-\(expected.arch)")
        // and the runtime is built FROM the immutable tag: the readable one and the inputs digest
        let immutable = expected.base + "-in" + target.baseInputs.digest.prefix(12)
        #expect(target.baseImmutableImage == immutable)
        #expect(
            target.runtimeArguments == [
                "BASE_IMAGE": immutable, "LINNAEUS_REF": PlanFixture.commit.sha,
                "APP_EXTRAS": "dev", "PYPI_INDEX": "https://pypi.org/simple",
            ])
    }

    @Test func theDefaultArchitectureComesFromPresets() throws {
        #expect(try target([]).arch == "ampere")
        #expect(try plan([], environment: ["LINBUILD_ARCH": "turing"]).targets.map(\.arch) == ["turing"])
    }

    @Test func turingPassesAnEmptyFlashAttentionVersion() throws {
        // The empty value is still passed, so the Dockerfile's ARG is set (to nothing) and skips the install
        let build = try #require(commands(try plan(["--arch", "turing"]), .buildBase).first)
        #expect(build.arguments.contains("FA_VER="))
    }

    @Test(arguments: ["myfeat", "-myfeat"])
    func runtimeTagCarriesTheCommitArchAndOneDashSuffix(_ suffix: String) throws {
        let target = try target(["--arch", "hopper", "--branch", "feat/x", "--tag-suffix", suffix])
        #expect(target.runtimeImage == "frontierkodiak/linnaeus-dev:abcdef123456-hopper-myfeat")
        #expect(
            target.runtimeArguments == [
                "BASE_IMAGE": "frontierkodiak/linnaeus-base:hopper-cu128-torch2.8.0-fav3-in" + target.baseInputs.digest.prefix(12),
                "LINNAEUS_REF": PlanFixture.commit.sha, "APP_EXTRAS": "dev", "PYPI_INDEX": "https://pypi.org/simple",
            ])
    }

    @Test func everyTagObeysTheOCIGrammarEvenAtTheLongestNames() throws {
        // GIVEN an architecture with the longest name presets allow, and the longest suffix options allow
        let longArch = String(repeating: "a", count: ArchitectureName.maximumLength)
        let text = try presetsTextWithBlackwell().replacingOccurrences(of: "\"blackwell\"", with: "\"\(longArch)\"")
        let presets = try PresetsLoader.parse(Array(text.utf8), file: "p")
        let longest = String(repeating: "s", count: Options.maximumSuffixLength)
        // THEN every tag of the plan is still a valid tag
        for target in try plan(["--arch", "all", "--tag-suffix", longest], presets: presets).targets {
            for reference in [target.baseImage, target.baseImmutableImage, target.runtimeImage] {
                let tag = try #require(reference.split(separator: ":").last.map(String.init))
                #expect(TagGrammar.isValidTag(tag), "\(tag)")
            }
        }
    }

    @Test func registryPrefixesBothTagsAndNamespaceReplacesTheDefault() throws {
        let registry = try target(["--registry", "127.0.0.1:5000"])
        #expect(registry.baseImage == "127.0.0.1:5000/frontierkodiak/linnaeus-base:ampere-cu126-torch2.7.1-fav2")
        #expect(registry.runtimeImage == "127.0.0.1:5000/frontierkodiak/linnaeus-dev:abcdef123456-ampere")
        #expect(registry.runtimeArguments["BASE_IMAGE"] == registry.baseImmutableImage)
        #expect(registry.baseImmutableImage.hasPrefix(registry.baseImage + "-in"))
        let both = try target(["--registry", "127.0.0.1:5000", "--namespace", "team/ml"])
        #expect(both.baseImage == "127.0.0.1:5000/team/ml/linnaeus-base:ampere-cu126-torch2.7.1-fav2")
        #expect(both.runtimeImage == "127.0.0.1:5000/team/ml/linnaeus-dev:abcdef123456-ampere")
    }

    @Test func precedenceIsOptionThenEnvironmentThenPresets() throws {
        #expect(try target([]).baseArguments["MAX_JOBS"] == "12")
        #expect(try plan([], environment: ["LINBUILD_MAX_JOBS": "3"]).targets.first?.baseArguments["MAX_JOBS"] == "3")
        #expect(try plan(["--max-jobs", "5"], environment: ["LINBUILD_MAX_JOBS": "3"]).targets.first?.baseArguments["MAX_JOBS"] == "5")
        #expect(try plan([], environment: ["LINBUILD_PLATFORM": "linux/arm64"]).platform == "linux/arm64")
        #expect(try plan([]).platform == "linux/amd64")
    }

    @Test func aFourthArchitectureNeedsOnlyData() throws {
        // GIVEN a presets file with blackwell added and no code change
        let presets = try PresetsLoader.parse(Array(try presetsTextWithBlackwell().utf8), file: "p.json")
        // WHEN it is planned
        let blackwell = try plan(["--arch", "blackwell", "--push"], presets: presets)
        // THEN it gets its own arguments, tags and steps like any shipped one
        let target = try #require(blackwell.targets.first)
        #expect(target.baseImage == "frontierkodiak/linnaeus-base:blackwell-cu130-torch2.9.0-fav3")
        #expect(target.runtimeImage == "frontierkodiak/linnaeus-dev:abcdef123456-blackwell")
        #expect(target.baseArguments["NVIDIA_CUDA_TAG"] == "13.0.0-cudnn-devel-ubuntu22.04")
        #expect(target.baseArguments["CUDA_ARCH_LIST"] == "10.0;12.0")
        #expect(target.baseArguments["TORCH_VER"] == "2.9.0+cu130")
        #expect(commands(blackwell, .buildBase).first?.arguments.contains("--build-arg") == true)
        #expect(commands(blackwell, .pushRuntime).map(\.arguments) == [["push", target.runtimeImage]])
        #expect(try plan(["--arch", "all"], presets: presets).targets.map(\.arch) == ["ampere", "turing", "hopper", "blackwell"])
        // and the shipped presets still refuse it
        #expect(throws: LinbuildError.usage("unknown --arch 'blackwell'; presets define ampere, turing, hopper (or all)")) {
            try plan(["--arch", "blackwell"])
        }
    }

    @Test func matrixKeepsTheGivenOrder() throws {
        #expect(try plan(["--arch", "all"]).targets.map(\.arch) == ["ampere", "turing", "hopper"])
        #expect(try plan(["--arch", "ampere,hopper"]).targets.map(\.arch) == ["ampere", "hopper"])
        #expect(try plan(["--arch", "hopper,ampere"]).targets.map(\.arch) == ["hopper", "ampere"])
        #expect(try plan(["--arch", "hopper,hopper"]).targets.map(\.arch) == ["hopper"])
        #expect(throws: LinbuildError.usage("unknown --arch 'volta'; presets define ampere, turing, hopper (or all)")) {
            try plan(["--arch", "ampere,volta"])
        }
    }
}
