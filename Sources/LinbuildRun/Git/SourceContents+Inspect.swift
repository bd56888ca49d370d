import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildSupport

/// Finding what a commit holds besides its tracked files, by asking git in the local clone: its
/// trees and its small blobs through the repository's `git cat-file` session, and, only where the
/// commit has submodules, the rest with a few more git calls.
extension SourceContents {
    /// The whole tree of `commit` in `repository`, recursing into submodules found locally.
    public static func inspect(repository: String, commit: String, runner: ProcessRunning) throws -> SourceContents {
        try inspect(try GitObjects(repository: repository, runner: runner, timeout: 120), commit: commit, gitDirectory: nil, runner: runner)
    }

    /// As above, through an open session; `gitDirectory` when the caller knows it already.
    static func inspect(_ objects: GitObjects, commit: String, gitDirectory: String?, runner: ProcessRunning) throws -> SourceContents {
        var contents = SourceContents()
        try inspect(objects, commit: commit, gitDirectory: gitDirectory, prefix: "", runner: runner, into: &contents)
        return contents
    }

    private static func git(_ runner: ProcessRunning, _ arguments: [String]) throws -> CapturedOutput {
        try runner.capture(Command("git", arguments, environment: GitSettings.environment), timeout: 120, limit: 64 << 20)
    }

    private static func inspect(
        _ objects: GitObjects, commit: String, gitDirectory known: String?, prefix: String, runner: ProcessRunning,
        into contents: inout SourceContents
    ) throws {
        let repository = objects.repository
        let entries = try tree(of: commit, in: objects)
        let gitlinks = entries.filter { $0.mode == "160000" }.map { (path: $0.path, sha: $0.sha) }
        let blobs = entries.filter { $0.mode.hasPrefix("10") || $0.mode == "120000" }
        // git-lfs's own bound: a pointer file is smaller than 1024 bytes.
        let sizes = Dictionary(
            zip(blobs.map(\.sha), try objects.info(blobs.map(\.sha))).compactMap { sha, info -> (String, Int)? in
                if case .object(_, _, let size) = info { (sha, size) } else { nil }
            }, uniquingKeysWith: { first, _ in first })
        let small = blobs.filter { (sizes[$0.sha] ?? .max) < 1024 }.map { (path: $0.path, sha: $0.sha) }
        guard !small.isEmpty || !gitlinks.isEmpty else { return }
        // Where LFS objects and submodules' modules are kept.
        let gitDirectory =
            try known
            ?? git(runner, ["-C", repository, "rev-parse", "--absolute-git-dir"]).stdoutText
            .trimmingCharacters(in: .newlines)
        if !small.isEmpty {
            try findPointers(small, in: objects, gitDirectory: gitDirectory, prefix: prefix, into: &contents)
        }
        guard !gitlinks.isEmpty else { return }
        let names = try submoduleNames(repository: repository, commit: commit, runner: runner)
        for link in gitlinks {
            let name = names[link.path] ?? link.path
            var candidates = [gitDirectory + "/modules/" + name]
            if !repository.hasSuffix(".git"), !gitDirectory.isEmpty { candidates.insert(repository + "/" + link.path, at: 0) }
            var found: String?
            for candidate in candidates where found == nil && FileManager.default.fileExists(atPath: candidate) {
                // An empty folder (a submodule never initialised) would be read as the parent repository.
                let own = try git(runner, ["-C", candidate, "rev-parse", "--absolute-git-dir"]).stdoutText.trimmingCharacters(in: .newlines)
                guard !own.isEmpty, own != gitDirectory else { continue }
                if try git(runner, ["-C", candidate, "cat-file", "-e", "\(link.sha)^{commit}"]).termination.succeeded { found = candidate }
            }
            guard let found else {
                contents.missing.append("\(prefix)\(link.path) (submodule at \(link.sha.prefix(12)), not in this clone)")
                continue
            }
            contents.submodules.append(Submodule(path: prefix + link.path, commit: link.sha, repository: found))
            try inspect(
                try GitObjects(repository: found, runner: runner, timeout: 120), commit: link.sha, gitDirectory: nil,
                prefix: prefix + link.path + "/", runner: runner, into: &contents)
        }
    }

    /// Every entry of `commit`'s tree and the trees in it, as `git ls-tree -r --full-tree` lists
    /// them (path, mode, object), read a level at a time from the raw tree objects.
    static func tree(of commit: String, in objects: GitObjects) throws -> [(path: String, mode: String, sha: String)] {
        var entries: [(path: String, mode: String, sha: String)] = []
        var level: [(prefix: String, tree: String)] = [("", commit + "^{tree}")]
        while !level.isEmpty {
            var next: [(prefix: String, tree: String)] = []
            for (place, answer) in zip(level, try objects.contents(level.map(\.tree))) {
                guard case .object(let sha, "tree", _) = answer.info else {
                    throw LinbuildError.gitFailed(repository: objects.repository, detail: "cannot list \(commit): no tree \(place.tree)")
                }
                for entry in parseTree(answer.bytes, hashLength: sha.count / 2) {
                    if entry.mode == "40000" {
                        next.append((place.prefix + entry.name + "/", entry.sha))
                    } else {
                        entries.append((place.prefix + entry.name, entry.mode, entry.sha))
                    }
                }
            }
            level = next
        }
        return entries
    }

    /// A raw tree object: `<octal mode> <name>\0<hash>` per entry, the hash in bytes.
    static func parseTree(_ bytes: [UInt8], hashLength: Int) -> [(mode: String, name: String, sha: String)] {
        var entries: [(mode: String, name: String, sha: String)] = []
        var index = 0
        while index < bytes.count, let space = bytes[index...].firstIndex(of: UInt8(ascii: " ")),
            let zero = bytes[space...].firstIndex(of: 0), zero + hashLength < bytes.count
        {
            let hash = bytes[(zero + 1)..<(zero + 1 + hashLength)]
            entries.append(
                (
                    String(decoding: bytes[index..<space], as: UTF8.self), String(decoding: bytes[(space + 1)..<zero], as: UTF8.self),
                    hash.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
                ))
            index = zero + 1 + hashLength
        }
        return entries
    }

    /// `.gitmodules` at the commit maps paths to names (`.git/modules/<name>`).
    private static func submoduleNames(repository: String, commit: String, runner: ProcessRunning) throws -> [String: String] {
        let listed = try git(
            runner, ["-C", repository, "config", "--blob", "\(commit):.gitmodules", "--get-regexp", #"^submodule\..*\.path$"#])
        var names: [String: String] = [:]
        for line in listed.stdoutText.split(whereSeparator: \.isNewline) {
            guard let space = line.lastIndex(of: " ") else { continue }
            let key = line[..<space], path = String(line[line.index(after: space)...])
            names[path] = String(key.dropFirst("submodule.".count).dropLast(".path".count))
        }
        return names
    }

    static let pointerHeader = "version https://git-lfs.github.com/spec/v1\n"

    private static func findPointers(
        _ blobs: [(path: String, sha: String)], in objects: GitObjects, gitDirectory: String, prefix: String,
        into contents: inout SourceContents
    ) throws {
        var bodies: [String: String] = [:]
        for (sha, answer) in zip(blobs.map(\.sha), try objects.contents(blobs.map(\.sha))) {
            if case .object = answer.info { bodies[sha] = String(decoding: answer.bytes, as: UTF8.self) }
        }
        for blob in blobs {
            guard let body = bodies[blob.sha], body.hasPrefix(pointerHeader) else { continue }
            let fields = Dictionary(
                body.split(separator: "\n").compactMap { line -> (String, String)? in
                    line.firstIndex(of: " ").map { (String(line[..<$0]), String(line[line.index(after: $0)...])) }
                }, uniquingKeysWith: { first, _ in first })
            guard let oid = fields["oid"], oid.hasPrefix("sha256:"), let size = fields["size"].flatMap(Int.init) else { continue }
            let hex = String(oid.dropFirst("sha256:".count))
            guard hex.count == 64, hex.unicodeScalars.allSatisfy(\.properties.isASCIIHexDigit) else { continue }
            let object = "\(gitDirectory)/lfs/objects/\(hex.prefix(2))/\(hex.dropFirst(2).prefix(2))/\(hex)"
            let attributes = try? FileManager.default.attributesOfItem(atPath: object)
            if let found = attributes?[.size] as? NSNumber, found.intValue == size {
                contents.largeFiles.append(LargeFile(path: prefix + blob.path, object: object))
            } else {
                contents.missing.append(
                    "\(prefix)\(blob.path) (Git LFS object \(hex.prefix(12)) not in the local store; run 'git lfs fetch')")
            }
        }
    }
}
