import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// The Dockerfile reader follows BuildKit's parser: what BuildKit sees as a stage, an ARG or a
/// heredoc body, linbuild sees the same way.
@Suite struct DockerfileParserTests {
    func parse(_ text: String) throws -> Dockerfile {
        try DockerfileParser.parse(text, path: "Dockerfile")
    }

    func contractError(_ text: String) -> LinbuildError? {
        do { _ = try parse(text); return nil } catch { return error as? LinbuildError }
    }

    @Test func stagesGlobalArgsAndLineNumbers() throws {
        let dockerfile = try parse(
            """
            ARG BASE_IMAGE
            ARG TAG=22.04
            FROM --platform=linux/amd64 ubuntu:${TAG} AS builder
            ARG A=1 B "C=x y"

            FROM ${BASE_IMAGE} as Runtime
            RUN true
            """)
        #expect(dockerfile.globalArgs.map(\.name) == ["BASE_IMAGE", "TAG"])
        #expect(dockerfile.globalArgs.map(\.defaultValue) == [nil, "22.04"])
        #expect(dockerfile.stages.map(\.label) == ["builder", "Runtime"])
        #expect(dockerfile.stages[0].baseImage == "ubuntu:${TAG}")
        #expect(dockerfile.stages[0].args.map(\.name) == ["A", "B", "C"])
        #expect(dockerfile.stages[0].args.map(\.defaultValue) == ["1", nil, "x y"])
        #expect(dockerfile.stages.map(\.fromLine) == [3, 6])
        // Stage names are case-insensitive, as in BuildKit
        #expect(dockerfile.stage(named: "runtime")?.index == 1)
    }

    @Test func continuationKeepsIndentationAndDropsCommentAndBlankLines() throws {
        // GIVEN a continuation with a comment and a blank line inside, and a name split across lines
        let dockerfile = try parse(
            """
            FROM busybox AS base
            ENV A=1 \\
            # a comment inside a continuation
                B=2

            ARG CUDA_\\
            ARCH_LIST
            RUN echo done
            """)
        let instructions = dockerfile.stages[0].instructions
        // THEN BuildKit's joining: no space added, indentation kept, comment and blank line dropped
        #expect(instructions.map(\.keyword) == ["ENV", "ARG", "RUN"])
        #expect(ShellWords.split(instructions[0].arguments) == ["A=1", "B=2"])
        #expect(instructions[0].line == 2 && instructions[0].endLine == 4)
        #expect(dockerfile.stages[0].args.map(\.name) == ["CUDA_ARCH_LIST"])
        #expect(instructions[2].line == 8)
    }

    @Test func escapedEscapeTokenIsNotAContinuation() throws {
        let dockerfile = try parse("FROM busybox AS base\nRUN echo a\\\\\nRUN echo b\n")
        #expect(dockerfile.stages[0].instructions.map(\.arguments) == ["echo a\\\\", "echo b"])
    }

    @Test func escapeDirectiveMakesTheBacktickTheContinuation() throws {
        let dockerfile = try parse(
            """
            # escape=`
            FROM mcr.microsoft.com/windows AS base
            RUN dir c:\\ `
                && echo done
            ARG TORCH_VER `
                MAX_JOBS
            """)
        #expect(dockerfile.stages[0].instructions.count == 2)
        #expect(dockerfile.stages[0].args.map(\.name) == ["TORCH_VER", "MAX_JOBS"])
    }

    @Test func directivesCountOnlyAtTheVeryTop() throws {
        // A plain comment first ends the directives: the escape line is only a comment
        let late = try parse("# hello\n# escape=`\nFROM busybox AS base\nRUN echo `\nRUN echo two\n")
        #expect(late.stages[0].instructions.count == 2)
        // A known directive may follow another one
        let early = try parse("# syntax=docker/dockerfile:1\n# escape=`\nFROM busybox AS base\nRUN echo `\n  two\n")
        #expect(early.stages[0].instructions.count == 1)
    }

    @Test func badDirectivesAreContractErrorsAtTheirLine() throws {
        let invalid = try #require(contractError("# escape=x\nFROM busybox\n"))
        #expect(invalid.description == "Dockerfile:1: the escape directive must be \\ or `, not 'x'")
        #expect(invalid.exitCode == .dataError)
        let twice = try #require(contractError("# escape=`\n# escape=\\\nFROM busybox\n"))
        #expect(twice.description.hasPrefix("Dockerfile:2: only one 'escape' parser directive"))
    }

    @Test func heredocBodiesAreNotInstructions() throws {
        // GIVEN heredocs in RUN and COPY, one with <<- and a tab-indented terminator, one quoted
        let dockerfile = try parse(
            """
            FROM busybox AS base
            RUN <<EOF
            FROM this is heredoc text, not a stage
            ARG NOT_AN_ARG
            EOF
            COPY <<-"END" /etc/config
            \tkey=$VALUE
            \tEND
            RUN cat <<'ONE' >/a && cat <<TWO >/b
            one
            ONE
            two $FA_VER
            TWO
            FROM busybox AS runtime
            """)
        #expect(dockerfile.stages.map(\.label) == ["base", "runtime"])
        let base = dockerfile.stages[0]
        #expect(base.instructions.map(\.keyword) == ["RUN", "COPY", "RUN"])
        #expect(base.args.isEmpty)
        #expect(base.instructions.map(\.line) == [2, 6, 9])
        #expect(base.instructions[0].endLine == 5)
        #expect(base.instructions[2].heredocs == ["one", "two $FA_VER"])
        #expect(dockerfile.stages[1].fromLine == 14)
    }

    @Test func shiftsAndQuotedMarkersAreNotHeredocs() throws {
        let dockerfile = try parse(
            """
            FROM busybox AS base
            RUN echo $((1 << 2)) "<<EOF" x<<EOF
            LABEL note=<<EOF
            RUN ["sh", "-c", "cat <<EOF"]
            FROM busybox AS runtime
            """)
        #expect(dockerfile.stages.count == 2)
        #expect(dockerfile.stages[0].instructions.allSatisfy { $0.heredocs.isEmpty })
    }

    @Test func unterminatedHeredocIsAContractError() throws {
        let error = try #require(contractError("FROM busybox AS base\nRUN <<EOF\necho never closed\n"))
        #expect(error.description == "Dockerfile:2: the heredoc <<EOF is never closed (end it with a line holding only EOF)")
        #expect(error.exitCode == .dataError)
    }

    @Test func byteOrderMarkAndCRLFAreIgnored() throws {
        let dockerfile = try parse("\u{FEFF}ARG BASE_IMAGE\r\nFROM ${BASE_IMAGE} AS runtime\r\nARG LINNAEUS_REF\r\n")
        #expect(dockerfile.globalArgs.map(\.name) == ["BASE_IMAGE"])
        #expect(dockerfile.stages[0].args.map(\.name) == ["LINNAEUS_REF"])
    }

    @Test func notADockerfileIsRefusedWithoutEchoingIt() throws {
        let error = try #require(contractError("root:x:0:0:root:/root:/bin/bash\n"))
        #expect(error.description == "Dockerfile:1: not a Dockerfile instruction (is --dockerfile the right file?)")
        let early = try #require(contractError("RUN echo hi\nFROM busybox\n"))
        #expect(early.description == "Dockerfile:1: RUN before the first FROM (only ARG may come first)")
    }

    @Test func closureFollowsFromCopyAndMountReferences() throws {
        let dockerfile = try parse(
            """
            FROM alpine AS tools
            FROM alpine AS unused
            FROM alpine AS data
            FROM tools AS builder
            RUN --mount=type=bind,from=data,target=/d true
            FROM ubuntu AS base
            COPY --from=builder /a /a
            FROM base AS runtime
            """)
        #expect(dockerfile.closure(of: "base").map(\.label) == ["tools", "data", "builder", "base"])
        #expect(dockerfile.closure(of: "runtime").map(\.label) == ["tools", "data", "builder", "base", "runtime"])
        #expect(dockerfile.closure(of: "nothing").isEmpty)
    }

    @Test func textOfTheBaseLeavesOutLaterStagesAndTheirComments() throws {
        let dockerfile = try parse("ARG BASE_IMAGE\nFROM a AS base\nRUN one\n\n# the runtime\nFROM ${BASE_IMAGE} AS runtime\nRUN two\n")
        #expect(dockerfile.text(of: "base") == "ARG BASE_IMAGE\nFROM a AS base\nRUN one")
    }

    @Test(arguments: [
        ("echo $A ${B} ${C:-x} ${D-x} ${E:+y} ${F#p} $1 $$ ${_G}", ["A", "B", "C", "D", "E", "F", "_G"], ["C", "D", "E"]),
        ("TORCH_CUDA_ARCH_LIST=\"${CUDA_ARCH_LIST}\" pip", ["CUDA_ARCH_LIST"], []),
    ])
    func argumentReferences(text: String, names: [String], withFallback: [String]) {
        let references = ArgumentReference.all(in: text)
        #expect(references.map(\.name) == names)
        #expect(references.filter(\.hasFallback).map(\.name) == withFallback)
    }
}
