/// The names the plan and the Dockerfile agree on.
public enum DockerfileContract {
    public static let baseStage = "base"
    public static let runtimeStage = "runtime"
    public static let baseImageArgument = "BASE_IMAGE"
    /// Arguments that name images linbuild makes itself: never upstreams to lock.
    public static let ownImageArguments: Set<String> = [baseImageArgument, flashAttentionArgument]
    /// The stage that holds only the compiled Flash Attention wheels: the artifact linbuild keys,
    /// builds with `--target`, and stores as its own image. A Dockerfile without it has no artifact.
    public static let flashAttentionStage = "fa-wheels"
    /// The global ARG the builder takes the wheels from: the artifact's immutable reference, or the
    /// in-file stage (passed explicitly: podman 4 resolves a stage named through an ARG only then).
    public static let flashAttentionArgument = "FA_WHEELS"
}
