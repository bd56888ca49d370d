extension EngineCLI {
    /// Where the buildx plugin lives when installed (the docker CLI's own search path).
    static func buildxPluginDirectories(environment: [String: String]) -> [String] {
        var directories: [String] = []
        if let config = environment["DOCKER_CONFIG"], !config.isEmpty { directories.append(config + "/cli-plugins") }
        if let home = environment["HOME"] { directories.append(home + "/.docker/cli-plugins") }
        return directories + [
            "/usr/local/lib/docker/cli-plugins", "/usr/local/libexec/docker/cli-plugins",
            "/usr/lib/docker/cli-plugins", "/usr/libexec/docker/cli-plugins",
        ]
    }

    /// Picks the builder without running anything (so `--dry-run` stays fast and offline):
    /// podman by name; buildx when asked for a builder or when the plugin is installed; else the
    /// client's built-in BuildKit, which `EngineProbe.verify` confirms before anything builds.
    public static func choose(
        executable: String, buildxBuilder: String?, context: String?, progress: String?,
        environment: [String: String], fileExists: (String) -> Bool
    ) -> EngineCLI {
        let name = executable.split(separator: "/").last.map(String.init) ?? executable
        let builder: Builder
        if name.hasPrefix("podman") {
            builder = .podman
        } else if buildxBuilder != nil
            || buildxPluginDirectories(environment: environment).contains(where: { fileExists($0 + "/docker-buildx") })
        {
            builder = .buildx
        } else {
            builder = .builtinBuildKit
        }
        return EngineCLI(executable: executable, builder: builder, context: context, buildxBuilder: buildxBuilder, progress: progress)
    }
}
