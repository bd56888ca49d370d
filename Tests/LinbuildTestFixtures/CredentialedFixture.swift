import LinbuildModel
import LinbuildSupport

/// A run whose mirror locations carry credentials in both forms: a user and a percent-encoded
/// password (PYPI_INDEX), a lone token (TORCH_INDEX, FA3_GIT). Shared by the plan, executor and
/// dry-run suites.
public enum CredentialedFixture {
    public static let password = "pa%40ss-FAKE7d1e"
    public static let token = "ghp_FAKEtoken5c2b"
    /// The `LINBUILD_*` variables of such a run.
    public static let environment = [
        "LINBUILD_PYPI_INDEX": "https://builder:\(password)@mirror.example:8443/simple",
        "LINBUILD_TORCH_INDEX": "https://\(token)@mirror.example:8443/whl",
        "LINBUILD_FA3_GIT": "https://\(token)@git.example/flash-attention.git",
    ]
    /// The contract with the three locations declared in the base and PYPI_INDEX in the runtime,
    /// each RUN that uses one mounting its secret, as the shipped Dockerfile does.
    public static let dockerfile = """
        ARG BASE_IMAGE
        FROM busybox:1 AS base
        ARG NVIDIA_CUDA_TAG TORCH_CHANNEL TORCH_VER TORCH_CUDA_SUFFIX TORCHVISION_VER TORCHAUDIO_VER FA_VER FA_COMMIT CUDA_ARCH_LIST OS_PACKAGES
        ARG PYPI_INDEX TORCH_INDEX FA3_GIT
        RUN --mount=type=secret,id=PYPI_INDEX --mount=type=secret,id=TORCH_INDEX --mount=type=secret,id=FA3_GIT echo base
        FROM ${BASE_IMAGE} AS runtime
        ARG PYPI_INDEX
        COPY . /app
        """

    /// The plan of such a run for hopper (`arguments` after `--arch hopper`), its work folder where given.
    public static func plan(_ arguments: [String] = ["--push"], workDirectory: String = "/tmp/linbuild-test") throws -> Plan {
        let options = try Options.parse(["--arch", "hopper"] + arguments, environment: environment)
        return try PlanBuilder(
            options: options, presets: shippedPresets, architectures: try options.architectures(in: shippedPresets),
            dockerfile: try DockerfileParser.parse(dockerfile, path: "/p/Dockerfile"),
            source: ResolvedSource(location: .path("/src"), ref: "main", refName: nil, commit: PlanFixture.commit, sourceLabel: "/src"),
            engine: EngineCLI(executable: "docker", builder: .buildx), workDirectory: workDirectory, createdAt: "t"
        ).make()
    }
}
