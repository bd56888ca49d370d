import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildSupport

/// Finding what a commit holds besides its tracked files, by asking git in the local clone.
extension SourceContents {
    /// The whole tree of `commit` in `repository`, recursing into submodules found locally.
    public static func inspect(repository: String, commit: String, runner: ProcessRunning) throws -> SourceContents {
        var contents = SourceContents()
        try inspect(repository: repository, commit: commit, prefix: "", runner: runner, into: &contents)
        return contents
    }

    private static func git(_ runner: ProcessRunning, _ arguments: [String], input: String? = nil, limit: Int = 64 << 20) throws
        -> CapturedOutput
    {
        try runner.capture(
            Command("git", arguments, environment: GitSettings.environment, standardInput: input), timeout: 120, limit: limit)
    }

    private static func inspect(
        repository: String, commit: String, prefix: String, runner: ProcessRunning,
        into contents: inout SourceContents
    ) throws {
        let tree = try git(runner, ["-C", repository, "ls-tree", "-r", "-l", "-z", "--full-tree", commit])
        guard tree.termination.succeeded else {
            throw LinbuildError.gitFailed(repository: repository, detail: "cannot list \(commit): \(tree.stderrSummary)")
        }
        var gitlinks: [(path: String, sha: String)] = []
        var small: [(path: String, sha: String)] = []
        for entry in tree.stdout.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let tab = text.firstIndex(of: "\t") else { continue }
            let fields = text[..<tab].split(separator: " ", omittingEmptySubsequences: true)
            let path = String(text[text.index(after: tab)...])
            guard fields.count == 4 else { continue }
            if fields[1] == "commit" { gitlinks.append((path, String(fields[2]))) }
            // git-lfs's own bound: a pointer file is smaller than 1024 bytes.
            if fields[1] == "blob", let size = Int(fields[3]), size < 1024 { small.append((path, String(fields[2]))) }
        }
        guard !small.isEmpty || !gitlinks.isEmpty else { return }
        // Where LFS objects and submodules' modules are kept: asked once for both.
        let gitDirectory = try git(runner, ["-C", repository, "rev-parse", "--absolute-git-dir"]).stdoutText
            .trimmingCharacters(in: .newlines)
        if !small.isEmpty {
            try findPointers(small, repository: repository, gitDirectory: gitDirectory, prefix: prefix, runner: runner, into: &contents)
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
            try inspect(repository: found, commit: link.sha, prefix: prefix + link.path + "/", runner: runner, into: &contents)
        }
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
        _ blobs: [(path: String, sha: String)], repository: String, gitDirectory: String, prefix: String, runner: ProcessRunning,
        into contents: inout SourceContents
    ) throws {
        let batch = try git(
            runner, ["-C", repository, "cat-file", "--batch"], input: blobs.map(\.sha).joined(separator: "\n") + "\n",
            limit: blobs.count * 1200 + 4096)
        guard batch.termination.succeeded else { return }
        var bodies: [String: String] = [:]
        var rest = batch.stdout[...]
        while let newline = rest.firstIndex(of: 10) {
            let header = String(decoding: rest[..<newline], as: UTF8.self).split(separator: " ")
            rest = rest[(newline + 1)...]
            guard header.count == 3, let size = Int(header[2]), rest.count >= size else { break }
            bodies[String(header[0])] = String(decoding: rest.prefix(size), as: UTF8.self)
            rest = rest.dropFirst(size + 1)
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
