import Foundation
import Testing
import LinbuildTestSupport
@testable import LinbuildCore

/// The built `linbuild` binary: help, version, usage errors, and plans for real repositories.
@Suite struct BinaryTests {
    func linbuild(_ arguments: [String], directory: String? = nil) throws -> Run.Result {
        try Run.command(Run.linbuild, arguments, environment: ["NO_COLOR": "1"], directory: directory)
    }

    @Test func helpListsEveryOptionTheDefaultsAndTheArchitectures() throws {
        let run = try linbuild(["--help", "--presets", Repository.presets])
        #expect(run.status == 0)
        #expect(run.stderr.isEmpty)
        for spec in OptionTable.all where spec.commands.isEmpty || spec.commands.contains(.build) {
            #expect(run.stdout.contains("--\(spec.name)"), "\(spec.name)")
        }
        for arch in ["ampere", "turing", "hopper"] { #expect(run.stdout.contains("  \(arch) ")) }
        #expect(run.stdout.contains("[default: ampere; env: LINBUILD_ARCH]"))
        #expect(run.stdout.contains("[default: 12; env: LINBUILD_MAX_JOBS]"))
    }

    @Test func versionAndBadOptionExitCodes() throws {
        let version = try linbuild(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout == "linbuild \(LinbuildVersion.current)\n")
        let bad = try linbuild(["--arhc", "hopper"])
        #expect(bad.status == 64)
        #expect(bad.stdout.isEmpty)
        #expect(bad.stderr == "linbuild: error: unknown option '--arhc'; did you mean --arch? (see linbuild --help)\n")
    }

    @Test func dryRunAndJSONForABranchWithShellCharacters() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("linbuild-bin-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        for arguments in [["init", "-q", "-b", "main"], ["commit", "-q", "--allow-empty", "-m", "x"], ["branch", "feat/it's-$HOME"]] {
            #expect(try Run.command("git", ["-C", root, "-c", "user.email=t@e", "-c", "user.name=t"] + arguments).status == 0)
        }
        let sha = try Run.command("git", ["-C", root, "rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let common = ["--presets", Repository.presets, "--source", root, "--arch", "hopper", "--branch", "feat/it's-$HOME", "--tag-suffix", "-myfeat"]

        let dryRun = try linbuild(common + ["--dry-run"], directory: root)
        #expect(dryRun.status == 0, "\(dryRun.stderr)")
        #expect(dryRun.stdout.contains("frontierkodiak/linnaeus-dev:\(sha.prefix(12))-hopper-myfeat"))
        #expect(dryRun.stdout.contains("'dev.linbuild.ref=feat/it'\\''s-$HOME'"))
        #expect(dryRun.stdout.contains("--build-arg TORCH_VER=2.8.0rc0+cu128"))

        let json = try linbuild(common + ["--json"], directory: root)
        #expect(json.status == 0)
        let plan = try JSONDecoder().decode(Plan.self, from: Data(json.stdout.utf8))
        #expect(plan.commit.sha == sha)
        #expect(plan.ref == "feat/it's-$HOME")
        #expect(plan.targets.map(\.runtimeImage) == ["frontierkodiak/linnaeus-dev:\(sha.prefix(12))-hopper-myfeat"])

        // A fourth architecture from a presets file alone
        var presets = try String(contentsOfFile: Repository.presets, encoding: .utf8)
        presets = presets.replacingOccurrences(of: "\"architectures\": {", with: """
            "architectures": { "blackwell": { "torchVersion": "2.9.0", "torchChannel": "stable", "cudaSuffix": "cu130",
              "cudaArchList": "10.0", "flashAttention": null },
            """)
        try presets.write(toFile: root + "/presets.json", atomically: false, encoding: .utf8)
        try "ARG BASE_IMAGE\nARG NVIDIA_CUDA_TAG\nFROM x:${NVIDIA_CUDA_TAG} AS base\nARG TORCH_CHANNEL\nARG TORCH_VER\nARG TORCH_CUDA_SUFFIX\nARG FA_VER\nARG CUDA_ARCH_LIST\nARG MAX_JOBS\nFROM ${BASE_IMAGE} AS runtime\nARG LINNAEUS_REF\n"
            .write(toFile: root + "/Dockerfile", atomically: false, encoding: .utf8)
        let blackwell = try linbuild(["--presets", root + "/presets.json", "--dockerfile", root + "/Dockerfile", "--source", root,
                                      "--arch", "blackwell", "--dry-run"], directory: root)
        #expect(blackwell.status == 0, "\(blackwell.stderr)")
        #expect(blackwell.stdout.contains("frontierkodiak/linnaeus-base:blackwell-cu130-torch2.9.0-fanone"))
    }
}
