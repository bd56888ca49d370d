import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// The recipe's build arguments beyond the contract's (docs/usage.md, Build arguments): locations (presets, then LINBUILD_*
/// variables) that never change the base's identity, nvcc's threads, the runtime's extras and
/// index, and `--network` on every build.
@Suite struct RecipeArgumentsTests: PlanMaking {
    static let mirror = [
        "LINBUILD_CUDA_IMAGE": "127.0.0.1:5000/nvidia/cuda", "LINBUILD_OS_IMAGE": "127.0.0.1:5000/library/ubuntu",
        "LINBUILD_UV_IMAGE": "127.0.0.1:5000/astral-sh/uv",
        "LINBUILD_PYTHON_SOURCE": "http://127.0.0.1:8080/python-build-standalone/releases/download",
        "LINBUILD_TORCH_INDEX": "http://127.0.0.1:8080/whl", "LINBUILD_PYPI_INDEX": "http://127.0.0.1:8080/simple",
        "LINBUILD_FA3_GIT": "http://127.0.0.1:8080/git/flash-attention.git",
    ]

    @Test func everyLocationHasTheRealUpstreamByDefault() throws {
        let arguments = try target(["--arch", "hopper"]).baseArguments
        #expect(arguments["CUDA_IMAGE"] == "nvidia/cuda")
        #expect(arguments["OS_IMAGE"] == "ubuntu")
        #expect(arguments["UV_IMAGE"] == "ghcr.io/astral-sh/uv")
        #expect(arguments["PYTHON_SOURCE"] == "https://github.com/astral-sh/python-build-standalone/releases/download")
        #expect(arguments["TORCH_INDEX"] == "https://download.pytorch.org/whl")
        #expect(arguments["PYPI_INDEX"] == "https://pypi.org/simple")
        #expect(arguments["FA3_GIT"] == "https://github.com/Dao-AILab/flash-attention.git")
        #expect(UpstreamLocations.keys.count == 7)
    }

    @Test func environmentPointsEveryLocationAtAMirrorWithoutChangingTheBase() throws {
        // GIVEN the plan with the real locations, and one with every LINBUILD_* location set
        let real = try #require(try plan(["--arch", "ampere"]).targets.first)
        let mirrored = try #require(try plan(["--arch", "ampere"], environment: Self.mirror).targets.first)
        // THEN every build argument names the mirror
        for key in UpstreamLocations.keys {
            #expect(mirrored.baseArguments[key.argument] == Self.mirror[key.environment], "\(key.argument)")
        }
        #expect(mirrored.runtimeArguments["PYPI_INDEX"] == "http://127.0.0.1:8080/simple")
        // AND the base's identity is the same: a mirror is where bytes come from, not what they are
        #expect(mirrored.baseInputs == real.baseInputs)
        #expect(mirrored.baseImage == real.baseImage)
        #expect(
            mirrored.baseInputs.arguments.keys.allSatisfy { key in
                !UpstreamLocations.keys.contains { $0.argument == key } || UpstreamLocations.choiceArguments.contains(key)
            })
    }

    /// `PYTHON_SOURCE` is a location and a choice: `os` (the distribution's Python) and the
    /// standalone build give different bases, while moving the standalone build to a mirror, or
    /// from the Dockerfile's default to an explicit location, gives the same one.
    @Test func pythonSourceChoiceIsABaseInputAndItsMirrorIsNot() throws {
        // The shipped Dockerfile: its base stages declare PYTHON_SOURCE, with the standalone build as default.
        let dockerfile = try String(contentsOfFile: Repository.dockerfile, encoding: .utf8)
        func target(_ pythonSource: String?, presets: Presets = shippedPresets) throws -> TargetPlan {
            let environment = pythonSource.map { ["LINBUILD_PYTHON_SOURCE": $0] } ?? [:]
            return try #require(
                try plan(["--arch", "ampere"], environment: environment, presets: presets, dockerfile: dockerfile).targets.first)
        }
        func inputs(_ pythonSource: String?, presets: Presets = shippedPresets) throws -> BaseInputs {
            try target(pythonSource, presets: presets).baseInputs
        }
        let standalone = try inputs(nil), os = try inputs("os"), mirror = try inputs("https://mirror.example/pbs/releases/download")
        // THEN os and the standalone build differ, and say so by name
        #expect(os.digest != standalone.digest)
        #expect(os.arguments["PYTHON_SOURCE"] == "os")
        #expect(standalone.arguments["PYTHON_SOURCE"] == "standalone")
        // (the Flash Attention wheels are compiled with that Python: their inputs differ too)
        #expect(os.changes(comparedTo: standalone.labels) == ["PYTHON_SOURCE", "Flash Attention's inputs"])
        // AND a mirror of the standalone build is the same base
        #expect(mirror == standalone)
        #expect(mirror.changes(comparedTo: standalone.labels).isEmpty)
        // AND a presets file without pythonSource (the Dockerfile's default: the standalone build)
        // records the same choice, so setting a mirror later does not rebuild
        let withoutSource = try PresetsLoader.parse(
            Array(
                try shippedPresetsText(
                    replacing: "\"pythonSource\": \"https://github.com/astral-sh/python-build-standalone/releases/download\",",
                    with: ""
                ).utf8), file: "p")
        let absent = try target(nil, presets: withoutSource)
        #expect(absent.baseArguments["PYTHON_SOURCE"] == nil)
        #expect(absent.baseInputs.digest == standalone.digest)
        #expect(try inputs("os", presets: withoutSource).digest == os.digest)
    }

    @Test func everyFlashAttentionIsPassedAscendingByMajorAndTheTagNamesTheHighest() throws {
        let hopper = try target(["--arch", "hopper"])
        #expect(hopper.baseArguments["FA_VER"] == "2.8.3 3.0.0")
        #expect(hopper.baseImage.hasSuffix("-fav3"))
        // GIVEN the same versions listed highest first THEN the plan is the same
        let reversed = try PresetsLoader.parse(
            Array(
                try shippedPresetsText(
                    replacing:
                        "{\n          \"version\": \"2.8.3\",\n          \"major\": 2\n        },\n        {\n          \"version\": \"3.0.0\",\n          \"major\": 3,\n          \"commit\": \"c75d019dea9d910312974417bc28f190dfdda6d9\"\n        }",
                    with:
                        "{ \"version\": \"3.0.0\", \"major\": 3, \"commit\": \"c75d019dea9d910312974417bc28f190dfdda6d9\" },\n{ \"version\": \"2.8.3\", \"major\": 2 }"
                ).utf8), file: "p")
        #expect(try target(["--arch", "hopper"], presets: reversed) == hopper)
    }

    @Test func presetsLocationsAreUsedAndAnEmptyVariableOverridesNothing() throws {
        let presets = try PresetsLoader.parse(
            Array(
                try shippedPresetsText(
                    replacing: "\"pypiIndex\": \"https://pypi.org/simple\"",
                    with: "\"pypiIndex\": \"https://mirror.example/simple\""
                ).utf8), file: "p")
        let target = try #require(try plan(["--arch", "turing"], environment: ["LINBUILD_PYPI_INDEX": ""], presets: presets).targets.first)
        #expect(target.baseArguments["PYPI_INDEX"] == "https://mirror.example/simple")
        #expect(target.runtimeArguments["PYPI_INDEX"] == "https://mirror.example/simple")
    }

    @Test(arguments: ["http://x/simple --extra-index-url http://evil", "a\nb", "'quoted'"])
    func aLocationVariableThatIsNotOneWordIsRefusedNamingTheVariable(_ value: String) throws {
        let error = try #require(throws: LinbuildError.self) { try Options.parse([], environment: ["LINBUILD_TORCH_INDEX": value]) }
        #expect(error.exitCode == .usage)
        #expect(error.description.contains("LINBUILD_TORCH_INDEX"))
        #expect(!error.description.contains("\n"))
    }

    @Test func nvccThreadsAndLocationsAreNotBaseInputsButPackagesAndPairedVersionsAre() throws {
        let more = try PresetsLoader.parse(
            Array(try shippedPresetsText(replacing: "\"nvccThreads\": 4", with: "\"nvccThreads\": 8").utf8), file: "p")
        let reference = try target(["--arch", "ampere"]), threads = try target(["--arch", "ampere"], presets: more)
        #expect(threads.baseArguments["NVCC_THREADS"] == "8")
        #expect(threads.baseInputs == reference.baseInputs)
        #expect(reference.baseInputs.arguments["OS_PACKAGES"] == "libgl1 libglib2.0-0 libsm6 libxext6 libx11-6 git curl unzip rclone")
        #expect(reference.baseInputs.arguments["TORCHVISION_VER"] == "0.22.1")
        #expect(reference.baseInputs.arguments["TORCHAUDIO_VER"] == "2.7.1")
    }

    @Test func flashAttentionThreeIsBuiltFromThePinnedCommit() throws {
        #expect(try target(["--arch", "hopper"]).baseArguments["FA_COMMIT"] == "c75d019dea9d910312974417bc28f190dfdda6d9")
        #expect(try target(["--arch", "ampere"]).baseArguments["FA_COMMIT"] == "")
    }

    @Test func extrasComeFromPresets() throws {
        let presets = try PresetsLoader.parse(
            Array(try shippedPresetsText(replacing: "\"extras\": [\"dev\"]", with: "\"extras\": [\"dev\", \"train\"]").utf8), file: "p")
        #expect(try target(["--arch", "ampere"], presets: presets).runtimeArguments["APP_EXTRAS"] == "dev,train")
        let none = try PresetsLoader.parse(
            Array(try shippedPresetsText(replacing: "\"extras\": [\"dev\"]", with: "\"extras\": []").utf8), file: "p")
        #expect(try target(["--arch", "ampere"], presets: none).runtimeArguments["APP_EXTRAS"] == "")
    }

    @Test func networkIsPassedToEveryBuildAndNothingElse() throws {
        for (arguments, environment) in [(["--network", "host"], [String: String]()), ([], ["LINBUILD_NETWORK": "host"])] {
            let plan = try plan(arguments + ["--arch", "all", "--push", "--force-base"], environment: environment)
            let commands = plan.steps.flatMap(\.commands)
            let builds = commands.filter { $0.arguments.contains("build") }
            #expect(builds.count == 6)
            for build in builds {
                let at = try #require(build.arguments.firstIndex(of: "--network"))
                #expect(build.arguments[at + 1] == "host")
            }
            #expect(commands.filter { !$0.arguments.contains("build") }.allSatisfy { !$0.arguments.contains("--network") })
        }
        #expect(try plan([]).steps.flatMap(\.commands).allSatisfy { !$0.arguments.contains("--network") })
    }

    @Test(arguments: ["-x", "a b"])
    func aNetworkThatIsNotOneWordIsRefused(_ value: String) throws {
        let error = try #require(throws: LinbuildError.self) { try Options.parse(["--network", value], environment: [:]) }
        #expect(error.description.hasPrefix("--network "))
    }
}

/// A presets file without the recipe's optional fields: nothing extra is passed, so the Dockerfile's
/// defaults (the real upstreams) apply, and the base inputs hold empty packages.
@Suite struct RecipeFieldsAbsentTests: PlanMaking {
    @Test func absentLocationsAndThreadsAreNotPassedAndEnvironmentStillIs() throws {
        var text = try String(contentsOfFile: Repository.presets, encoding: .utf8)
        let start = try #require(text.range(of: "\"nvccThreads\"")), end = try #require(text.range(of: "    }\n  },\n  \"architectures\""))
        text.replaceSubrange(start.lowerBound..<end.upperBound, with: "\"x\": 1\n  },\n  \"architectures\"")
        text = text.replacingOccurrences(of: ",\n    \"x\": 1", with: "")
        let presets = try PresetsLoader.parse(Array(text.utf8), file: "p")
        #expect(presets.defaults.osPackages == [] && presets.defaults.extras == [] && presets.defaults.nvccThreads == nil)
        let target = try #require(try plan(["--arch", "ampere"], presets: presets).targets.first)
        #expect(target.baseArguments["NVCC_THREADS"] == nil)
        #expect(UpstreamLocations.keys.allSatisfy { target.baseArguments[$0.argument] == nil })
        #expect(target.baseArguments["OS_PACKAGES"] == "")
        let mirrored = try #require(
            try plan(["--arch", "ampere"], environment: ["LINBUILD_PYPI_INDEX": "http://127.0.0.1:1/simple"], presets: presets).targets
                .first)
        #expect(mirrored.baseArguments["PYPI_INDEX"] == "http://127.0.0.1:1/simple")
        #expect(mirrored.runtimeArguments["PYPI_INDEX"] == "http://127.0.0.1:1/simple")
    }
}
