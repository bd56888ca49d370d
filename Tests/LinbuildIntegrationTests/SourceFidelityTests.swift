import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildRun
@testable import LinbuildSupport

/// The image gets the whole commit `--branch` names, or linbuild refuses, saying why: a subfolder
/// given as `--source`, submodules, Git LFS files, tags on tags and on trees, short SHAs that are
/// also branch names. Real git, in temporary repositories.
@Suite(.timeLimit(.minutes(5))) struct SourceFidelityTests {
    let resolver = CommitResolver(runner: FoundationProcessRunner())
    let runner = FoundationProcessRunner()

    /// Runs the export commands of `source` for real into a fresh context and returns that folder.
    func export(_ source: ResolvedSource, scratch: Scratch) throws -> String {
        let work = scratch.path + "/work-\(UUID().uuidString)", context = work + "/source"
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        for command in SourceExport.commands(for: source, into: context, scratch: work) {
            let output = try runner.capture(command.revealed)
            #expect(output.termination.succeeded, "\(command.shellLine): \(String(decoding: output.stderr, as: UTF8.self))")
        }
        return context
    }

    func binary(_ arguments: [String]) throws -> Run.Result {
        try Run.command(Run.linbuild, arguments + ["--presets", Repository.presets], environment: ["NO_COLOR": "1"])
    }

    @Test func aSubfolderGivenAsSourceBuildsTheWholeRepository() throws {
        // GIVEN a repository with a file at the top and one in a subfolder
        let scratch = try Scratch("subfolder")
        defer { scratch.remove() }
        let origin = scratch.path + "/origin"
        try Git.repository(at: origin, file: "top", text: "top\n")
        try FileManager.default.createDirectory(atPath: origin + "/sub", withIntermediateDirectories: true)
        try Git.commit(in: origin, file: "sub/inner", text: "inner\n")
        // WHEN --source names the subfolder
        let resolved = try resolver.resolve("main", in: .path(origin + "/sub"))
        // THEN the repository's top level is what gets exported: the whole commit
        #expect(resolved.location == .path(origin))
        let context = try export(resolved, scratch: scratch)
        #expect(FileManager.default.fileExists(atPath: context + "/top"))
        #expect(FileManager.default.fileExists(atPath: context + "/sub/inner"))
    }

    @Test func aTagOnATagPeelsToTheCommit() throws {
        let scratch = try Scratch("nested-tag")
        defer { scratch.remove() }
        let origin = scratch.path + "/origin"
        let first = try Git.repository(at: origin)
        try Git.run(origin, "tag", "-a", "inner", "-m", "inner")
        try Git.run(origin, "tag", "-a", "outer", "inner", "-m", "outer on inner")
        try Git.commit(in: origin, text: "two\n")
        // GIVEN an annotated tag whose object is another annotated tag
        #expect(try Git.run(origin, "cat-file", "-t", "outer^{}") == "commit")
        // WHEN it is resolved
        let resolved = try resolver.resolve("outer", in: .path(origin))
        // THEN it names the commit, not the inner tag object
        #expect(resolved.commit.sha == first)
        #expect(resolved.commit.sha != (try Git.run(origin, "rev-parse", "inner")))
    }

    @Test func aTagOnATreeIsRefusedWith66BeforeTheEngineIsAsked() throws {
        let scratch = try Scratch("tree-tag")
        defer { scratch.remove() }
        let origin = scratch.path + "/origin"
        try Git.repository(at: origin)
        try Git.run(origin, "tag", "treetag", "HEAD^{tree}")
        try Git.run(origin, "tag", "-a", "blobtag", "-m", "blob", "HEAD:file")
        for (tag, type) in [("treetag", "tree"), ("blobtag", "blob")] {
            let refusal = try #require(throws: LinbuildError.self) { try resolver.resolve(tag, in: .path(origin)) }
            #expect(refusal.exitCode == .noInput)
            #expect(refusal.description.contains("points to a \(type), not a commit"), "\(refusal)")
            // an engine that does not exist would give 69 if it were asked first
            let run = try binary(["--source", origin, "--branch", tag, "--engine", scratch.path + "/no-such-docker"])
            #expect(run.status == 66, "\(run.stderr)")
            #expect(run.stderr.contains("not a commit"))
        }
    }

    @Test func aShortSHAThatIsAlsoABranchIsAmbiguous() throws {
        let scratch = try Scratch("sha-branch")
        defer { scratch.remove() }
        let origin = scratch.path + "/origin"
        let first = try Git.repository(at: origin)
        let second = try Git.commit(in: origin, text: "two\n")
        let short = String(second.prefix(8))
        // GIVEN a branch named like the start of one commit's SHA, pointing at another commit
        try Git.run(origin, "branch", short, first)
        // WHEN that name is asked for
        let refusal = try #require(throws: LinbuildError.self) { try resolver.resolve(short, in: .path(origin)) }
        // THEN it is refused, naming both
        #expect(refusal.exitCode == .noInput)
        #expect(refusal.description.contains("refs/heads/\(short)"), "\(refusal)")
        #expect(refusal.description.contains(second), "\(refusal)")
        // and a branch so named that points at the commit it abbreviates is not ambiguous
        try Git.run(origin, "branch", "-f", short, second)
        #expect(try resolver.resolve(short, in: .path(origin)).commit.sha == second)
    }

    /// An origin whose commit records a submodule, and a clone of it with the submodule fetched.
    func repositoryWithSubmodule(_ scratch: Scratch) throws -> (origin: String, recorded: String) {
        let library = scratch.path + "/library"
        try Git.repository(at: library, file: "lib.py", text: "old\n")
        let recorded = try Git.commit(in: library, file: "lib.py", text: "recorded\n")
        let origin = scratch.path + "/origin"
        try Git.repository(at: origin, file: "app.py", text: "app\n")
        try Git.run(origin, "-c", "protocol.file.allow=always", "submodule", "add", "-q", library, "vendor/lib")
        try Git.run(origin, "commit", "-q", "-m", "add submodule")
        // a commit after the recorded one: the export must take the recorded SHA, not the newest
        try Git.commit(in: library, file: "lib.py", text: "newer\n")
        return (origin, recorded)
    }

    @Test func submodulesAreExportedAtTheirRecordedCommit() throws {
        let scratch = try Scratch("submodule")
        defer { scratch.remove() }
        let (origin, recorded) = try repositoryWithSubmodule(scratch)
        let clone = scratch.path + "/clone"
        try Git.run(scratch.path, "-c", "protocol.file.allow=always", "clone", "-q", "--recurse-submodules", origin, clone)
        try Git.run(clone + "/vendor/lib", "-c", "protocol.file.allow=always", "fetch", "-q", "origin")
        try Git.run(clone + "/vendor/lib", "checkout", "-q", "origin/main")  // the work tree moved on; the commit did not
        var resolved = try resolver.resolve("main", in: .path(clone))
        resolved.contents = try SourceContents.inspect(repository: clone, commit: resolved.commit.sha, runner: runner)
        #expect(resolved.contents.missing.isEmpty)
        #expect(resolved.contents.submodules.map(\.commit) == [recorded])
        let context = try export(resolved, scratch: scratch)
        #expect(try String(contentsOfFile: context + "/vendor/lib/lib.py", encoding: .utf8) == "recorded\n")
        #expect(FileManager.default.fileExists(atPath: context + "/app.py"))
    }

    @Test func aSubmoduleThatCannotBeHadIsRefusedWith65UnlessAllowed() throws {
        let scratch = try Scratch("submodule-missing")
        defer { scratch.remove() }
        let (origin, _) = try repositoryWithSubmodule(scratch)
        let clone = scratch.path + "/clone"
        try Git.run(scratch.path, "clone", "-q", origin, clone)  // submodule never initialised
        let contents = try SourceContents.inspect(repository: clone, commit: try Git.run(clone, "rev-parse", "HEAD"), runner: runner)
        #expect(contents.missing.count == 1)
        let run = try binary(["--source", clone, "--dry-run"])
        #expect(run.status == 65, "\(run.stderr)")
        #expect(run.errorLines.count == 1)
        #expect(run.stderr.contains("vendor/lib"))
        #expect(run.stderr.contains("--allow-incomplete-source"))
        let allowed = try binary(["--source", clone, "--dry-run", "--allow-incomplete-source"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stderr.contains("warning"))
        #expect(allowed.stderr.contains("vendor/lib"))
    }

    @Test func gitLFSFilesGetTheirObjectOrARefusal() throws {
        let scratch = try Scratch("lfs")
        defer { scratch.remove() }
        let origin = scratch.path + "/origin"
        try Git.repository(at: origin)
        let payload = "the real weights\n"
        let oid = SHA256.hex(Array(payload.utf8))
        try Git.commit(
            in: origin, file: "weights.bin",
            text: "version https://git-lfs.github.com/spec/v1\noid sha256:\(oid)\nsize \(payload.utf8.count)\n")
        let commit = try Git.run(origin, "rev-parse", "HEAD")
        // GIVEN a pointer whose object is not in the local store: refused, naming the file
        let absent = try SourceContents.inspect(repository: origin, commit: commit, runner: runner)
        #expect(absent.missing.count == 1)
        #expect(absent.refusal(source: origin)?.description.contains("weights.bin") == true)
        #expect(absent.refusal(source: origin)?.exitCode == .dataError)
        // GIVEN the object in the store (where git lfs keeps it): it replaces the pointer
        let store = origin + "/.git/lfs/objects/\(oid.prefix(2))/\(oid.dropFirst(2).prefix(2))"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        try payload.write(toFile: store + "/" + oid, atomically: false, encoding: .utf8)
        var resolved = try resolver.resolve("main", in: .path(origin))
        resolved.contents = try SourceContents.inspect(repository: origin, commit: commit, runner: runner)
        #expect(resolved.contents.missing.isEmpty)
        let context = try export(resolved, scratch: scratch)
        #expect(try String(contentsOfFile: context + "/weights.bin", encoding: .utf8) == payload)
    }
}
