import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

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

/// A location that carries credentials in this run must reach each RUN that uses it as a build
/// secret: `linbuild check` refuses a Dockerfile that would use it as a plain build argument.
@Suite struct CredentialedLocationRuleTests {
    static let credentialed = UpstreamLocations(values: [
        "PYPI_INDEX": "https://builder:s3cret@mirror.example/simple", "TORCH_INDEX": "https://TOKEN@mirror.example/whl",
        "FA3_GIT": "https://TOKEN@git.example/fa.git",
    ])

    /// The contract's smallest Dockerfile with a base RUN and a runtime RUN that fetch from the index.
    static func dockerfile(baseMount: String, runtimeMount: String) -> String {
        ContractCheckTests.valid
            .replacingOccurrences(
                of: "ARG MAX_JOBS\n",
                with:
                    "ARG MAX_JOBS\nARG PYPI_INDEX=https://pypi.org/simple\nRUN \(baseMount)pip download --index-url \"${PYPI_INDEX}\" six\n"
            )
            .replacingOccurrences(
                of: "ARG LINNAEUS_REF\n",
                with: "ARG LINNAEUS_REF\nARG PYPI_INDEX\nRUN \(runtimeMount)pip install --index-url $PYPI_INDEX six\n")
    }

    func problems(_ text: String, locations: UpstreamLocations? = CredentialedLocationRuleTests.credentialed) throws -> [ContractProblem] {
        ContractCheck.problems(
            dockerfile: try DockerfileParser.parse(text, path: "Dockerfile"), presets: shippedPresets,
            architectures: shippedPresets.architectures, locations: locations)
    }

    @Test func aRunUsingACredentialedLocationAsAPlainArgumentIsRefusedNamingItAndItsLine() throws {
        // GIVEN RUNs in the base and the runtime that read PYPI_INDEX as a plain build argument
        let leaking = Self.dockerfile(baseMount: "", runtimeMount: "")
        // WHEN this run's PYPI_INDEX carries credentials
        let found = try problems(leaking).filter { $0.message.contains("credentials") }
        // THEN each RUN is refused at its line, naming the argument and the secret to mount
        #expect(found.map(\.line) == [11, 17], "\(found)")
        for problem in found {
            #expect(problem.message.contains("uses $PYPI_INDEX, which carries credentials in this run, as a plain build argument"))
            #expect(problem.message.contains("add --mount=type=secret,id=PYPI_INDEX to this RUN"))
        }
        // AND a build is refused the same way before it starts (exit 65)
        do {
            try ContractCheck.verify(
                dockerfile: try DockerfileParser.parse(leaking, path: "Dockerfile"), presets: shippedPresets,
                architectures: shippedPresets.architectures, locations: Self.credentialed)
            Issue.record("verify accepted a Dockerfile that uses a credentialed location as a plain argument")
        } catch let error as LinbuildError {
            #expect(error.exitCode == .dataError)
            #expect(error.description.hasPrefix("Dockerfile:11: a RUN in the 'base' stage uses $PYPI_INDEX"), "\(error)")
        }
    }

    @Test func withoutCredentialsInThisRunThePlainArgumentIsFine() throws {
        let leaking = Self.dockerfile(baseMount: "", runtimeMount: "")
        #expect(try problems(leaking, locations: nil).isEmpty)
        let plain = UpstreamLocations(values: Self.credentialed.values.mapValues { Redaction.stripped($0) })
        #expect(try problems(leaking, locations: plain).isEmpty)
    }

    @Test(arguments: [
        ("--mount=type=secret,id=PYPI_INDEX ", "--mount=type=secret,id=PYPI_INDEX,uid=1000 "),
        (
            "--mount=type=secret,target=/run/secrets/PYPI_INDEX ",
            "--mount=type=cache,target=/c --mount=type=secret,required=false,id=PYPI_INDEX "
        ),
    ])
    func aRunThatMountsTheSecretIsFine(_ mounts: (String, String)) throws {
        let found = try problems(Self.dockerfile(baseMount: mounts.0, runtimeMount: mounts.1))
        #expect(found.isEmpty, "\(found)")
    }

    @Test func aMountOfAnotherSecretOrACacheNamedLikeItIsNotEnough() throws {
        let found = try problems(
            Self.dockerfile(baseMount: "--mount=type=secret,id=TORCH_INDEX ", runtimeMount: "--mount=type=cache,id=PYPI_INDEX,target=/c "))
        #expect(found.map(\.line) == [11, 17], "\(found)")
    }

    @Test func theShippedDockerfileTakesEveryURLLocationWithCredentialsInEitherForm() throws {
        let dockerfile = try DockerfileParser.load(path: Repository.dockerfile)
        for userInfo in ["builder:pa%40ss", "TOKEN"] {
            let locations = UpstreamLocations(values: [
                "PYTHON_SOURCE": "https://\(userInfo)@mirror.example/python", "TORCH_INDEX": "https://\(userInfo)@mirror.example/whl",
                "PYPI_INDEX": "https://\(userInfo)@mirror.example/simple", "FA3_GIT": "https://\(userInfo)@git.example/fa.git",
            ])
            let found = ContractCheck.problems(
                dockerfile: dockerfile, presets: shippedPresets, architectures: shippedPresets.architectures, locations: locations)
            #expect(found.isEmpty, "\(userInfo): \(found)")
        }
        // AND the shipped file does use each of them in a RUN, so the rule has something to check
        for name in ["PYTHON_SOURCE", "TORCH_INDEX", "PYPI_INDEX", "FA3_GIT"] {
            let uses = dockerfile.stages.flatMap(\.instructions).filter { $0.keyword == "RUN" && $0.arguments.contains("${\(name)}") }
            #expect(!uses.isEmpty, "\(name)")
            #expect(uses.allSatisfy { ContractRules.secretMounts(of: $0).contains(name) }, "\(name)")
        }
    }
}
