/// The commands that put exactly the resolved commit's tracked tree into the runtime's build
/// context, on the host: no credentials or network are needed inside the build, and nothing
/// untracked (data, checkpoints, `.git`) is ever sent to the engine.
enum SourceExport {
    static func commands(for source: ResolvedSource, into context: String, scratch: String) -> [Command] {
        let archive = scratch + "/source.tar"
        let environment = CommitResolver.gitEnvironment
        var commands: [Command] = []
        let repository: String
        switch source.location {
        case .path(let path):
            repository = CommitResolver.absolute(path)
        case .url(let url):
            repository = scratch + "/repository.git"
            commands.append(Command("git", ["init", "--quiet", "--bare", repository], environment: environment))
            // A named ref is fetched by name (every server allows that); a SHA by itself.
            commands.append(Command("git", ["-C", repository, "fetch", "--quiet", "--depth", "1", "--no-tags", "--", url,
                                            source.refName ?? source.commit.sha], environment: environment))
        }
        commands.append(Command("git", ["-C", repository, "archive", "--format=tar", "--output", archive, source.commit.sha],
                                environment: environment))
        commands.append(Command("tar", ["-x", "-f", archive, "-C", context]))
        commands.append(Command("rm", ["-f", "--", archive]))
        return commands
    }
}
