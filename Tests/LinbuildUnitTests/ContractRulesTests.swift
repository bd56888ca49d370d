import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel

/// `linbuild check` agrees with BuildKit: no complaint about what BuildKit fills in itself, and
/// a refusal for what would build a wrong base or fail hours in.
@Suite struct ContractRulesTests {
    func problems(_ text: String, presets: Presets = shippedPresets) throws -> [ContractProblem] {
        ContractCheck.problems(
            dockerfile: try DockerfileParser.parse(text, path: "Dockerfile"), presets: presets,
            architectures: presets.architectures)
    }

    /// `valid` with `line` inserted after the line holding `after`.
    func breaking(_ line: String, after anchor: String) -> String {
        ContractCheckTests.valid.replacingOccurrences(of: anchor + "\n", with: anchor + "\n" + line + "\n")
    }

    @Test func theValidFileHasNoProblem() throws {
        #expect(try problems(ContractCheckTests.valid).isEmpty)
    }

    @Test(arguments: ["TARGETARCH", "TARGETOS", "TARGETPLATFORM", "TARGETVARIANT", "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT"])
    func automaticPlatformArgumentsWithoutADefaultAreFine(_ name: String) throws {
        // GIVEN pytorch's own pattern: the automatic argument declared without a default and used
        let inStage = breaking("ARG \(name)\nRUN echo $\(name)", after: "ARG MAX_JOBS")
        let inStageProblems = try problems(inStage)
        #expect(inStageProblems.isEmpty, "\(inStageProblems)")
        let global =
            "ARG \(name)\n"
            + ContractCheckTests.valid.replacingOccurrences(
                of: "FROM nvidia/cuda:${NVIDIA_CUDA_TAG} AS base",
                with: "FROM --platform=$\(name) nvidia/cuda:${NVIDIA_CUDA_TAG} AS base")
        let globalProblems = try problems(global)
        #expect(globalProblems.isEmpty, "\(globalProblems)")
    }

    @Test func aBaseBuiltFromBaseImageIsRefused() throws {
        let text = ContractCheckTests.valid.replacingOccurrences(
            of: "FROM nvidia/cuda:${NVIDIA_CUDA_TAG} AS base", with: "FROM ${BASE_IMAGE} AS base")
        let found = try problems(text)
        #expect(found.contains { $0.line == 3 && $0.message.contains("built from itself") }, "\(found)")
    }

    @Test func twoStagesWithOneNameAreRefused() throws {
        let text = ContractCheckTests.valid + "\nFROM busybox AS Runtime\n"
        let found = try problems(text)
        #expect(found.contains { $0.line == 15 && $0.message.contains("second stage is named 'Runtime'") }, "\(found)")
    }

    @Test func envOverridingAPassedArgumentIsRefusedButPromotingItIsNot() throws {
        let overriding = try problems(breaking("ENV TORCH_VER=2.0.0", after: "ARG MAX_JOBS"))
        #expect(
            overriding.contains { $0.line == 10 && $0.message.contains("ENV TORCH_VER") && $0.message.contains("overrides") },
            "\(overriding)")
        let oldForm = try problems(breaking("ENV LINNAEUS_REF main", after: "ARG LINNAEUS_REF"))
        #expect(oldForm.contains { $0.message.contains("ENV LINNAEUS_REF") }, "\(oldForm)")
        #expect(try problems(breaking("ENV TORCH_VER=${TORCH_VER} OTHER=1", after: "ARG MAX_JOBS")).isEmpty)
    }

    @Test(arguments: ["RUN --mount=type=bind,target=/src make", "RUN --mount=target=/src make", #"COPY ["setup.py", "/src/"]"#])
    func theBaseReadingTheEmptyContextIsRefused(_ line: String) throws {
        let found = try problems(breaking(line, after: "ARG MAX_JOBS"))
        #expect(found.contains { $0.line == 10 && $0.message.contains("empty context") }, "\(line): \(found)")
    }

    @Test(arguments: [
        "RUN --mount=type=bind,from=builder,target=/src make", "RUN --mount=type=cache,target=/root/.cache make",
        #"COPY ["https://example.com/x.tgz", "/src/"]"#,
    ])
    func mountsAndCopiesThatDoNotReadTheContextAreFine(_ line: String) throws {
        let text = "FROM busybox AS builder\n" + breaking(line, after: "ARG MAX_JOBS")
        #expect(try problems(text).allSatisfy { !$0.message.contains("empty context") }, "\(line)")
    }

    @Test func aCudaTagForAnotherOSThanTheBasesIsRefused() throws {
        // GIVEN the shipped shape: builder FROM nvidia/cuda, base FROM an OS image argument
        let text = ContractFixture.edited(
            ("ARG NVIDIA_CUDA_TAG\n", "ARG NVIDIA_CUDA_TAG\nARG RUNTIME_OS_IMAGE=ubuntu:22.04\n"), ("AS base\n", "AS builder\n"),
            (
                ContractFixture.baseRun + "\n",
                ContractFixture.baseRun + "\nFROM ${RUNTIME_OS_IMAGE} AS base\nCOPY --from=builder /opt /opt\n"
            ))
        let shipped = try problems(text)
        #expect(shipped.isEmpty, "\(shipped)")
        // WHEN one architecture's CUDA image is built on ubuntu24.04
        let presetsText = try shippedPresetsText(
            replacing: "\"architectures\": {",
            with:
                "\"architectures\": {\n \"blackwell\": { \"gpus\": \"B200\", \"torchVersion\": \"2.9.0\", \"torchvisionVersion\": \"0.24.0\", \"torchaudioVersion\": \"2.9.0\", \"torchChannel\": \"nightly\", \"cudaSuffix\": \"cu130\", \"cudaArchList\": \"10.0;12.0\", \"flashAttention\": null, \"nvidiaCudaTag\": \"13.0.0-cudnn-devel-ubuntu24.04\" },"
        )
        let presets = try PresetsLoader.parse(Array(presetsText.utf8), file: "p.json")
        let found = try problems(text, presets: presets)
        // THEN check names the architecture, both OSes and where the base's comes from
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.line == 12)
        #expect(found.first?.message.contains("blackwell") == true)
        #expect(found.first?.message.contains("ubuntu24.04") == true)
        #expect(found.first?.message.contains("ubuntu:22.04") == true)
        #expect(found.first?.message.contains("RUNTIME_OS_IMAGE") == true)
    }
}
