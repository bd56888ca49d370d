/// The source at one commit: what `--branch` meant, in the repository `--source` named.
public struct ResolvedSource: Equatable, Sendable {
    public var location: SourceLocation
    /// What the user asked for (`feat/x`).
    public var ref: String
    /// The full ref name it matched (`refs/heads/feat/x`), or `nil` for a SHA.
    public var refName: String?
    public var commit: CommitID
    /// `org.opencontainers.image.source`: the origin URL when there is one.
    public var sourceLabel: String
    /// Submodules and LFS files found locally, which the export adds to `git archive`'s output.
    public var contents: SourceContents
    /// The commit's committer time, seconds since the epoch: `SOURCE_DATE_EPOCH` and the images'
    /// `created` labels (git archive gives the exported files this time too). Nil: not known.
    public var commitTime: Int? = nil

    public init(
        location: SourceLocation, ref: String, refName: String?, commit: CommitID, sourceLabel: String,
        contents: SourceContents = SourceContents()
    ) {
        self.location = location
        self.ref = ref
        self.refName = refName
        self.commit = commit
        self.sourceLabel = sourceLabel
        self.contents = contents
    }
}

extension ResolvedSource {
    /// The committer time in a raw commit object (`committer Name <mail> 1700000000 +0100`): what
    /// `git log --format=%ct` prints and what `git archive` writes as every file's time.
    public static func committerTime(ofCommitObject bytes: [UInt8]) -> Int? {
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }  // the headers end at the first blank line
            guard line.hasPrefix("committer ") else { continue }
            let fields = line.split(separator: " ")
            guard fields.count >= 3, let seconds = Int(fields[fields.count - 2]) else { return nil }
            return seconds
        }
        return nil
    }

    /// Whether the commit was reached through the branch `branch` itself, however it was typed:
    /// `main`, `refs/heads/main`, or a remote's copy of it (`origin/main`, as in a CI clone). A tag
    /// or a SHA is never a branch, and `refs/remotes/origin/feat/main` is `feat/main` (git's default
    /// fetch maps `refs/heads/*` to `refs/remotes/<remote>/*`, with a one-word remote name).
    public func isBranch(_ branch: String) -> Bool {
        guard let refName else { return false }
        if refName == "refs/heads/" + branch { return true }
        let remote = refName.dropFirst("refs/remotes/".count)
        guard refName.hasPrefix("refs/remotes/"), let slash = remote.firstIndex(of: "/") else { return false }
        return remote[remote.index(after: slash)...] == branch
    }
}
