import LinbuildSupport

/// The lines of `--skip-base --push` about the wheels the local base names, shared by a run and
/// its dry-run script (which prints them with shell words for `base` and `wheels`).
extension LinbuildError {
    /// The label names no immutable tag of the run's wheels repository made from the wheels the base
    /// records. Another registry or namespace (`ownRepository` false) would be pushed to without the
    /// user naming it; a tag of this repository without those inputs would give the base other wheels.
    public static func foreignWheelsMessage(
        base: String, wheels: String, repository: String, ownRepository: Bool, pushed: String = "nothing was pushed"
    ) -> String {
        let named = "the base \(base) names the Flash Attention wheels '\(wheels)'"
        return ownRepository
            ? "\(named), which is no immutable tag (<tag>-in<digest>) of the wheels it records (\(BaseInputs.flashAttentionArtifactLabel)); \(pushed) (rebuild the base, or run with --force-base)"
            : "\(named), which is not a tag of this run's wheels repository \(repository); \(pushed) (build the base with this --registry and --namespace, or run with --force-base)"
    }

    /// A base that records wheels but names none has lost the link a push follows: pushing it would
    /// put a base in the registry without its wheels.
    public static func unlinkedWheelsMessage(base: String, pushed: String = "nothing was pushed") -> String {
        "the base \(base) records Flash Attention wheels (\(BaseInputs.flashAttentionArtifactLabel)) but names none (its \(BaseInputs.flashAttentionImageLabel) label is empty or missing); \(pushed) (rebuild the base, or run with --force-base)"
    }

    /// A base that names wheels but records none: which wheels it is made from cannot be told.
    public static func unrecordedWheelsMessage(base: String, wheels: String, pushed: String = "nothing was pushed") -> String {
        "the base \(base) names the Flash Attention wheels '\(wheels)' but records none (no \(BaseInputs.flashAttentionArtifactLabel) label); \(pushed) (rebuild the base, or run with --force-base)"
    }

    /// A base that names and records no wheels: the wheels' push has nothing to push.
    public static func noWheelsMessage(base: String) -> String {
        "nothing to push, the base \(base) names no Flash Attention wheels (no \(BaseInputs.flashAttentionImageLabel) label)"
    }
}
