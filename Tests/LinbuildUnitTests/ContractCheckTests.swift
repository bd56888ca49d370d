import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// `linbuild check`: each way a Dockerfile can break the contract with the plan is one line at
/// the right line number, and exit 65.
@Suite struct ContractCheckTests {
    static let presets = shippedPresets

    /// The shared contract fixture; each test breaks it one way (line numbers are its own).
    static let valid = ContractFixture.dockerfile

    func problems(_ text: String) throws -> [ContractProblem] {
        let dockerfile = try DockerfileParser.parse(text, path: "Dockerfile")
        return ContractCheck.problems(dockerfile: dockerfile, presets: Self.presets, architectures: Self.presets.architectures)
    }

    /// What a build sees: the first problem, thrown.
    func verifyError(_ text: String) throws -> LinbuildError? {
        let dockerfile = try DockerfileParser.parse(text, path: "Dockerfile")
        do {
            try ContractCheck.verify(dockerfile: dockerfile, presets: Self.presets, architectures: Self.presets.architectures)
            return nil
        } catch let error as LinbuildError {
            return error
        }
    }

    func broken(_ replacements: (String, String)...) -> String {
        replacements.reduce(Self.valid) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }

    @Test func shippedDockerfileMatchesEveryArchitecture() throws {
        let dockerfile = try DockerfileParser.load(path: Repository.dockerfile)
        for architecture in Self.presets.architectures {
            #expect(
                ContractCheck.problems(dockerfile: dockerfile, presets: Self.presets, architectures: [architecture]) == [],
                "\(architecture.name)")
        }
        // The base target needs the uv, torch and builder stages and the wheels' (whose image FA_WHEELS
        // names), and not the runtime, nor the compile (fa-artifact is FROM ${FA_WHEELS}, not a stage)
        #expect(dockerfile.closure(of: "base").map(\.label) == ["uv", "torch", "fa-artifact", "builder", "base"])
        #expect(dockerfile.closure(of: "fa-wheels").map(\.label) == ["uv", "torch", "fa-compile", "fa-wheels"])
        #expect(!dockerfile.text(of: "base").contains("COPY --chown=1000:1000"))
    }

    @Test func validFixturePasses() throws {
        #expect(try problems(Self.valid) == [])
        #expect(try verifyError(Self.valid) == nil)
    }

    @Test func missingStageIsReportedAndExits65() throws {
        let text = broken(("AS runtime", "AS app"))
        #expect(
            try problems(text).map(\.description) == [
                "Dockerfile:1: no stage named 'runtime' (add 'FROM … AS runtime'; linbuild builds --target runtime)"
            ])
        let error = try #require(try verifyError(text))
        #expect(error.exitCode == .dataError)
        #expect(error.exitCode.rawValue == 65)
    }

    @Test func undeclaredArgumentIsReportedAtTheStageThatShouldDeclareIt() throws {
        let found = try problems(broken(("ARG MAX_JOBS\n", "")))
        // The stage's FROM (line 3) should declare it, and the RUN (now line 9) uses it undeclared
        #expect(found.map(\.line) == [3, 9])
        #expect(
            found[0].message
                == "linbuild passes MAX_JOBS to --target base, but no stage it builds declares it (add 'ARG MAX_JOBS' to the stage that uses it)"
        )
        #expect(found[1].message.hasPrefix("the 'base' stage uses $MAX_JOBS without declaring it there, so it is empty"))
    }

    @Test func typoInAnArgNameGetsADidYouMean() throws {
        let found = try problems(broken(("ARG CUDA_ARCH_LIST", "ARG CUDA_ARCH_LST"), ("${CUDA_ARCH_LIST:-none}", "$CUDA_ARCH_LST")))
        #expect(
            found.map(\.description) == [
                "Dockerfile:3: linbuild passes CUDA_ARCH_LIST to --target base, but no stage it builds declares it (line 8 declares CUDA_ARCH_LST: a typo? If not, add 'ARG CUDA_ARCH_LIST' to the stage that uses it)",
                "Dockerfile:8: ARG CUDA_ARCH_LST has no default and linbuild does not pass it to --target base, so it is empty (did you mean CUDA_ARCH_LIST?)",
            ])
        let error = try #require(
            try verifyError(broken(("ARG CUDA_ARCH_LIST", "ARG CUDA_ARCH_LST"), ("${CUDA_ARCH_LIST:-none}", "$CUDA_ARCH_LST"))))
        #expect(error.description == found[0].description + " [and 1 more: run linbuild check]")
    }

    @Test func typoInAReferenceGetsADidYouMean() throws {
        let found = try problems(broken(("$MAX_JOBS\n", "$MAX_JOBS $CUDA_ARCH_LSIT\n")))
        #expect(
            found.map(\.description) == [
                "Dockerfile:10: the 'base' stage uses $CUDA_ARCH_LSIT, which no ARG or ENV defines (did you mean $CUDA_ARCH_LIST?)"
            ])
    }

    @Test func runtimeNotFromTheBaseArgumentIsReported() throws {
        let found = try problems(broken(("FROM ${BASE_IMAGE} AS runtime", "FROM ubuntu:22.04 AS runtime")))
        #expect(
            found.map(\.description) == [
                "Dockerfile:12: the runtime stage is FROM 'ubuntu:22.04', not ${BASE_IMAGE} (make it 'FROM ${BASE_IMAGE} AS runtime', so the runtime builds on the base linbuild chose)"
            ])
        // $BASE_IMAGE is the same thing
        #expect(try problems(broken(("FROM ${BASE_IMAGE} AS runtime", "FROM $BASE_IMAGE AS runtime"))) == [])
    }

    @Test func baseImageMustBeAGlobalArgument() throws {
        let found = try problems(broken(("ARG BASE_IMAGE\n", "")))
        #expect(
            found.contains {
                $0.line == 11 && $0.message.hasPrefix("BASE_IMAGE is not declared before the first FROM (add 'ARG BASE_IMAGE' at the top")
            })
        #expect(
            found.contains { $0.line == 11 && $0.message.hasPrefix("FROM uses ${BASE_IMAGE}, which is not an ARG before the first FROM") })
    }

    @Test func argumentTheDockerfileNeedsButThePlanDoesNotPassIsReported() throws {
        let text = broken(("ARG LINNAEUS_REF\n", "ARG LINNAEUS_REF\nARG APP_TOKEN\nRUN echo $APP_TOKEN\n"))
        #expect(
            try problems(text).map(\.description) == [
                "Dockerfile:14: ARG APP_TOKEN has no default and linbuild does not pass it to --target runtime, so it is empty (give it a default, 'ARG APP_TOKEN=…', or write ${APP_TOKEN:-…} where it is used)"
            ])
        // With a fallback where it is used, or a default, it is fine
        #expect(try problems(text.replacingOccurrences(of: "echo $APP_TOKEN", with: "echo ${APP_TOKEN:-none}")) == [])
        #expect(try problems(text.replacingOccurrences(of: "ARG APP_TOKEN\n", with: "ARG APP_TOKEN=none\n")) == [])
    }

    @Test func globalDefaultReachesAStageThatRedeclaresIt() throws {
        let text = broken(
            ("ARG NVIDIA_CUDA_TAG\n", "ARG NVIDIA_CUDA_TAG\nARG PYTHON=3.11\n"),
            ("ARG MAX_JOBS\n", "ARG MAX_JOBS\nARG PYTHON\nRUN echo $PYTHON\n"))
        #expect(try problems(text) == [])
    }

    @Test func argumentUsedBeforeItsDeclarationIsReported() throws {
        let found = try problems(broken(("ARG FA_VER\n", ""), ("$MAX_JOBS\n", "$MAX_JOBS\nARG FA_VER\n")))
        #expect(
            found.map(\.description) == [
                "Dockerfile:9: the 'base' stage uses $FA_VER without declaring it there, so it is empty (move 'ARG FA_VER' from line 10 above line 9)"
            ])
    }

    @Test func argumentsReachStagesBuiltFromTheDeclaringStage() throws {
        // BuildKit carries a parent stage's ARGs and ENVs into a stage FROM it
        let text = broken(
            ("FROM nvidia/cuda:${NVIDIA_CUDA_TAG} AS base", "FROM nvidia/cuda:${NVIDIA_CUDA_TAG} AS builder"),
            ("\nFROM ${BASE_IMAGE} AS runtime", "ENV KEPT=1\nFROM builder AS base\nRUN echo $FA_VER $KEPT\n\nFROM ${BASE_IMAGE} AS runtime")
        )
        #expect(try problems(text) == [])
    }

    @Test func globalArgumentUsedInAStageWithoutRedeclaringIt() throws {
        let found = try problems(broken(("ARG MAX_JOBS\n", ""), ("ARG NVIDIA_CUDA_TAG\n", "ARG NVIDIA_CUDA_TAG\nARG MAX_JOBS\n")))
        #expect(
            found.map(\.description) == [
                "Dockerfile:3: ARG MAX_JOBS is declared before the first FROM, but no stage of --target base declares it again, so only FROM lines see it (add 'ARG MAX_JOBS' to the stage that uses it)",
                "Dockerfile:10: the 'base' stage uses $MAX_JOBS without declaring it there, so it is empty (add 'ARG MAX_JOBS' below the FROM on line 4: an ARG reaches only the stage that declares it)",
            ])
    }

    @Test func fromLineUsingAStageArgIsReported() throws {
        let found = try problems(broken(("FROM nvidia/cuda:${NVIDIA_CUDA_TAG} AS base", "FROM nvidia/cuda:${CUDA_TAG} AS base")))
        #expect(
            found.map(\.description).contains(
                "Dockerfile:3: FROM uses ${CUDA_TAG}, which is not an ARG before the first FROM, so it is empty there (declare 'ARG CUDA_TAG' at the top of the file)"
            ))
        // BuildKit's automatic platform ARGs need no declaration
        #expect(
            try problems(
                broken(
                    ("FROM nvidia/cuda:${NVIDIA_CUDA_TAG} AS base", "FROM --platform=$BUILDPLATFORM nvidia/cuda:${NVIDIA_CUDA_TAG} AS base")
                )) == [])
    }

    @Test func baseThatCopiesFromTheBuildContextIsReported() throws {
        let found = try problems(
            broken(
                (
                    "ARG MAX_JOBS\n",
                    "ARG MAX_JOBS\nCOPY requirements.txt /tmp/\nCOPY --from=busybox /bin/sh /sh\nADD https://example.com/x.tgz /x\n"
                )))
        #expect(
            found.map(\.description) == [
                "Dockerfile:10: the 'base' stage copies 'requirements.txt' from the build context, but linbuild builds --target base with an empty context (copy from a stage with --from, or fetch it in a RUN)"
            ])
    }

    @Test func heredocBodiesAreCheckedLikeRunLines() throws {
        let found = try problems(broken(("RUN echo $LINNAEUS_REF", "RUN <<EOF\necho $LINNAEUS_REF $TORCH_VER\nEOF")))
        #expect(
            found.map(\.description) == [
                "Dockerfile:14: the 'runtime' stage uses $TORCH_VER without declaring it there, so it is empty (add 'ARG TORCH_VER' below the FROM on line 12: an ARG reaches only the stage that declares it)"
            ])
    }

    @Test func escapeDirectiveAndCommentInsideAContinuationStillPass() throws {
        let text =
            "# escape=`\n"
            + Self.valid.replacingOccurrences(of: "ARG TORCH_VER\n", with: "ARG TORCH_VER `\n# the flash-attn pair\n    FA_VER\n")
            .replacingOccurrences(of: "ARG FA_VER\n", with: "")
        #expect(try problems(text) == [])
    }

    @Test func shellVariablesInRunAreNotArguments() throws {
        let text = broken(("$MAX_JOBS\n", "$MAX_JOBS; for index in a b; do echo \"${index}\" \"$HOME\" \"$PATH\"; done\n"))
        #expect(try problems(text) == [])
    }

}
