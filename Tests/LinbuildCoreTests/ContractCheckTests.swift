import Foundation
import Testing
import LinbuildTestSupport
@testable import LinbuildCore

/// `linbuild check`: broken Dockerfiles are each reported at their line, exit 65.
@Suite struct ContractCheckTests {
    static let presets = try! PresetsLoader.load(path: Repository.presets)

    static let valid = """
        ARG BASE_IMAGE
        ARG NVIDIA_CUDA_TAG
        FROM nvidia/cuda:${NVIDIA_CUDA_TAG} AS base
        ARG TORCH_CHANNEL
        ARG TORCH_VER
        ARG TORCH_CUDA_SUFFIX
        ARG FA_VER
        ARG CUDA_ARCH_LIST
        ARG MAX_JOBS
        RUN echo $TORCH_VER ${FA_VER} ${CUDA_ARCH_LIST:-none} $TORCH_CHANNEL $TORCH_CUDA_SUFFIX $MAX_JOBS

        FROM ${BASE_IMAGE} AS runtime
        ARG LINNAEUS_REF
        RUN echo $LINNAEUS_REF
        """

    func problems(_ text: String) throws -> [ContractProblem] {
        let dockerfile = try DockerfileParser.parse(text, path: "Dockerfile")
        return ContractCheck.problems(dockerfile: dockerfile, presets: Self.presets, architectures: Self.presets.architectures)
    }

    @Test func shippedDockerfileMatchesEveryArchitecture() throws {
        let dockerfile = try DockerfileParser.load(path: Repository.dockerfile)
        #expect(ContractCheck.problems(dockerfile: dockerfile, presets: Self.presets, architectures: Self.presets.architectures) == [])
        // The base target needs the uv and builder stages, and not the runtime
        #expect(dockerfile.closure(of: "base").map(\.label) == ["uv", "builder", "base"])
        #expect(!dockerfile.text(of: "base").contains("COPY --chown=1000:1000"))
    }

    @Test func validFixturePasses() throws {
        #expect(try problems(Self.valid) == [])
    }

    @Test func missingStageIsReported() throws {
        let found = try problems(Self.valid.replacingOccurrences(of: "AS runtime", with: "AS app"))
        #expect(found.map(\.description) == ["Dockerfile:1: no stage named 'runtime' (add 'FROM … AS runtime'; linbuild builds --target runtime)"])
    }

    @Test func undeclaredArgumentIsReportedAtTheStage() throws {
        let found = try problems(Self.valid.replacingOccurrences(of: "ARG MAX_JOBS\n", with: ""))
        #expect(found.count == 1)
        #expect(found.first?.line == 3)
        #expect(found.first?.message.contains("linbuild passes MAX_JOBS to --target base") == true)
    }

    @Test func typoInArgumentNameIsReportedBothWaysWithASuggestion() throws {
        let text = Self.valid.replacingOccurrences(of: "ARG CUDA_ARCH_LIST", with: "ARG CUDA_ARCH_LST")
            .replacingOccurrences(of: "${CUDA_ARCH_LIST:-none}", with: "$CUDA_ARCH_LST")
        let found = try problems(text)
        #expect(found.contains { $0.line == 8 && $0.message.contains("ARG CUDA_ARCH_LST has no default") && $0.message.contains("did you mean CUDA_ARCH_LIST?") })
        #expect(found.contains { $0.line == 3 && $0.message.contains("is 'ARG CUDA_ARCH_LST' a typo?") })
    }

    @Test func runtimeNotFromTheBaseArgumentIsReported() throws {
        let found = try problems(Self.valid.replacingOccurrences(of: "FROM ${BASE_IMAGE} AS runtime", with: "FROM ubuntu:22.04 AS runtime"))
        #expect(found.contains { $0.line == 12 && $0.message.contains("is FROM 'ubuntu:22.04', not ${BASE_IMAGE}") })
    }

    @Test func baseImageMustBeAGlobalArgument() throws {
        let found = try problems(Self.valid.replacingOccurrences(of: "ARG BASE_IMAGE\n", with: ""))
        #expect(found.contains { $0.message.contains("BASE_IMAGE is not declared before the first FROM") })
    }

    @Test func argumentTheDockerfileNeedsButTheplanDoesNotPassIsReported() throws {
        let found = try problems(Self.valid.replacingOccurrences(of: "ARG LINNAEUS_REF\n", with: "ARG LINNAEUS_REF\nARG APP_TOKEN\nRUN echo $APP_TOKEN\n"))
        #expect(found.map(\.description) == ["Dockerfile:14: ARG APP_TOKEN has no default and linbuild does not pass it to --target runtime"])
    }

    @Test func parserFollowsContinuationsCommentsEscapeAndHeredocs() throws {
        let text = """
            # escape=`
            ARG BASE_IMAGE
            FROM busybox:1 AS base
            ARG TORCH_VER `
                MAX_JOBS
            RUN <<EOF
            FROM this is heredoc text, not a stage
            EOF
            ENV A=1 `
            # a comment inside a continuation
                B=2
            FROM ${BASE_IMAGE} AS runtime
            """
        let dockerfile = try DockerfileParser.parse(text, path: "Dockerfile")
        #expect(dockerfile.stages.map(\.label) == ["base", "runtime"])
        #expect(dockerfile.stages[0].args.map(\.name) == ["TORCH_VER", "MAX_JOBS"])
        #expect(dockerfile.stages[0].instructions.map(\.keyword) == ["ARG", "RUN", "ENV"])
        #expect(dockerfile.stages[0].instructions.last?.arguments == "A=1 B=2")
        #expect(dockerfile.stages[1].fromLine == 12)
    }

    @Test func checkCommandPrintsEveryProblemAndExits65() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("linbuild-check-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let broken = Self.valid.replacingOccurrences(of: "ARG MAX_JOBS\n", with: "").replacingOccurrences(of: "ARG LINNAEUS_REF\n", with: "")
        try broken.write(toFile: folder + "/Dockerfile", atomically: false, encoding: .utf8)

        let run = try Run.command(Run.linbuild, ["check", "--presets", Repository.presets, "--dockerfile", folder + "/Dockerfile"])

        #expect(run.status == 65)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.hasPrefix("linbuild: error: \(folder)/Dockerfile:") })
    }
}
