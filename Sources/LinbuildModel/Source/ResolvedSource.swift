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
