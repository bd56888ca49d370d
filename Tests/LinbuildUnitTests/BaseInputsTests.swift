import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel

/// The base cache decision's inputs: what changes them, what does not, and how a change is named.
@Suite struct BaseInputsTests: PlanMaking {
    @Test func baseInputsIgnoreMaxJobs() throws {
        let reference = try target(["--arch", "ampere"])
        let fewerJobs = try target(["--arch", "ampere", "--max-jobs", "3"])
        #expect(fewerJobs.baseArguments["MAX_JOBS"] == "3")
        #expect(fewerJobs.baseInputs == reference.baseInputs)
        #expect(fewerJobs.baseInputs.arguments["MAX_JOBS"] == nil)
        #expect(fewerJobs.baseInputs.changes(comparedTo: reference.baseInputs.labels) == [])
    }

    @Test(arguments: [
        ("\"cudaArchList\": \"8.0;8.6\"", "\"cudaArchList\": \"8.0;8.6;8.9\"", ["CUDA_ARCH_LIST"]),
        ("\"version\": \"2.7.4.post1\"", "\"version\": \"2.8.0\"", ["FA_VER"]),
        (
            "\"nvidiaCudaTag\": \"12.8.0-cudnn-devel-ubuntu22.04\"", "\"nvidiaCudaTag\": \"12.9.0-cudnn-devel-ubuntu22.04\"",
            ["NVIDIA_CUDA_TAG"]
        ),
        ("\"rclone\"]", "\"rclone\", \"ffmpeg\"]", ["OS_PACKAGES"]),
        ("\"torchvisionVersion\": \"0.22.1\"", "\"torchvisionVersion\": \"0.22.0\"", ["TORCHVISION_VER"]),
    ])
    func aChangedPresetsValueIsNamed(target: String, replacement: String, changed: [String]) throws {
        // GIVEN the base inputs of ampere from the shipped presets, recorded as labels
        let recorded = try self.target(["--arch", "ampere"]).baseInputs
        // WHEN one value changes in presets
        let edited = try PresetsLoader.parse(Array(try shippedPresetsText(replacing: target, with: replacement).utf8), file: "p")
        let now = try self.target(["--arch", "ampere"], presets: edited).baseInputs
        // THEN the digest differs and the change names exactly that input
        #expect(now.digest != recorded.digest)
        #expect(now.changes(comparedTo: recorded.labels) == changed)
    }

    @Test func baseInputsFollowTheBaseStageTextOnly() throws {
        let reference = try target([]).baseInputs
        // A runtime-stage edit leaves the base alone
        let runtimeEdit = ContractFixture.edited((ContractFixture.runtimeRun, "COPY . /srv"))
        #expect(try target([], dockerfile: runtimeEdit).baseInputs == reference)
        // A base-stage edit is named
        let baseEdit = ContractFixture.edited((ContractFixture.baseRun, ContractFixture.baseRun + " base2"))
        let changed = try target([], dockerfile: baseEdit).baseInputs
        #expect(changed.digest != reference.digest)
        #expect(changed.dockerfileDigest != reference.dockerfileDigest)
        #expect(changed.changes(comparedTo: reference.labels) == ["the Dockerfile's base stage"])
    }

    @Test func baseInputsAreStableAndComparedByDigest() throws {
        let ampere = try target(["--arch", "ampere"]).baseInputs, hopper = try target(["--arch", "hopper"]).baseInputs
        #expect(try target(["--arch", "ampere"]).baseInputs == ampere)
        #expect(ampere.digest != hopper.digest)
        #expect(
            ampere.changes(comparedTo: hopper.labels) == [
                "CUDA_ARCH_LIST", "FA_COMMIT", "FA_VER", "TORCHAUDIO_VER", "TORCHVISION_VER",
                "TORCH_CUDA_SUFFIX", "TORCH_VER",
            ])
        #expect(ampere.changes(comparedTo: ampere.labels) == [])
        #expect(ampere.changes(comparedTo: [:]) == ["no recorded inputs (not built by linbuild)"])
        #expect(ampere.labels[BaseInputs.digestLabel] == ampere.digest)
        #expect(ampere.labels["dev.linbuild.base.arg.CUDA_ARCH_LIST"] == "8.0;8.6")
    }
}
