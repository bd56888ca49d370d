import Foundation
import LinbuildSupport

/// The commands that put exactly the resolved commit's tracked tree into the runtime's build
/// context, on the host: no credentials or network are needed inside the build, and nothing
/// untracked (data, checkpoints, `.git`) is ever sent to the engine.
public enum SourceExport {
    /// The variable the dry-run asks for when the source URL holds credentials.
    static let urlVariable = "LINBUILD_SOURCE_URL"

    static func commands(for source: ResolvedSource, into context: String, scratch: String) -> [Command] {
        let archive = scratch + "/source.tar"
        let environment = GitSettings.environment
        var commands: [Command] = []
        let repository: String
        switch source.location {
        case .path(let path):
            repository = Paths.absolute(path)
        case .url(let url):
            repository = scratch + "/repository.git"
            commands.append(Command("git", ["init", "--quiet", "--bare", repository], environment: environment))
            // A named ref is fetched by name (every server allows that); a SHA by itself.
            // A URL with credentials is passed at run time only: the plan, the dry-run and the
            // logs show `"$LINBUILD_SOURCE_URL"` in its place.
            let secret = Redaction.hasCredentials(url)
            var fetch = Command(
                "git",
                [
                    "-C", repository, "fetch", "--quiet", "--depth", "1", "--no-tags", "--",
                    secret ? "$" + urlVariable : url, source.refName ?? source.commit.sha,
                ], environment: environment)
            if secret { fetch.secrets = [urlVariable: url] }
            commands.append(fetch)
        }
        /// One commit's tree into the context, through the scratch archive.
        func unpack(_ repository: String, _ commit: String, prefix: [String] = []) {
            commands.append(
                Command(
                    "git", ["-C", repository, "archive", "--format=tar"] + prefix + ["--output", archive, commit], environment: environment)
            )
            commands.append(Command("tar", ["-x", "-f", archive, "-C", context]))
            commands.append(Command("rm", ["-f", "--", archive]))
        }
        unpack(repository, source.commit.sha)
        // git archive leaves submodules empty and LFS files as pointers: fill them in.
        for submodule in source.contents.submodules {
            unpack(submodule.repository, submodule.commit, prefix: ["--prefix=\(submodule.path)/"])
        }
        for file in source.contents.largeFiles {
            commands.append(Command("cp", ["--", file.object, context + "/" + file.path]))
        }
        return commands
    }
}
