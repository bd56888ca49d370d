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
