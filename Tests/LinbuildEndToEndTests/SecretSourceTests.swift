import Foundation
import LinbuildTestSupport
import Testing

/// A loopback smart-HTTP git server (Tests/support/git-http-server.py) serving bare copies of
/// repositories; stopped by `stop()`.
final class GitHTTPServer {
    let root: String
    let server: LoopbackServer
    var port: Int { server.port }

    init(root: String) throws {
        self.root = root
        try FileManager.default.createDirectory(atPath: root + "/repos", withIntermediateDirectories: true)
        server = try LoopbackServer(script: "git-http-server.py", arguments: [root])
    }

    /// Serves a bare clone of `repository` as `name`.git.
    func serve(_ repository: String, as name: String) throws {
        try Git.run(root, "clone", "-q", "--bare", repository, root + "/repos/\(name).git")
    }

    func url(_ name: String, userInfo: String) -> String { "http://\(userInfo)@127.0.0.1:\(port)/cgi-bin/git/\(name).git" }

    func stop() { server.stop() }
}

extension EndToEnd {
    /// A source URL with a token reaches no output, no log and no image.
    @Suite struct SecretSource {
        @Test func aTokenInTheSourceURLIsInNoOutputLogLabelOrPushedImage() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            let server = try GitHTTPServer(root: project.root + "/git-server")
            defer { server.stop() }
            try server.serve(project.source, as: "app")
            let token = "ghp_linbuildFAKEtoken\(UUID().uuidString.prefix(8))"
            let sha = try project.git(["rev-parse", "HEAD"])
            var outputs: [String] = []
            for userInfo in [token, "builder:\(token)"] {
                let url = server.url("app", userInfo: userInfo)
                // WHEN linbuild plans, prints and pushes from that URL
                let dryRun = try project.linbuild(["--source", url, "--dry-run"])
                let json = try project.linbuild(["--source", url, "--json"])
                let run = try project.linbuild(["--source", url, "--push", "--verbose"])
                #expect(run.status == 0, "\(run.output)")
                #expect(dryRun.status == 0 && json.status == 0, "\(dryRun.output)\(json.output)")
                // THEN the plan names the URL without its credentials and asks for them in a variable
                #expect(dryRun.stdout.contains("127.0.0.1:\(server.port)/cgi-bin/git/app.git"))
                #expect(dryRun.stdout.contains("\"$LINBUILD_SOURCE_URL\""))
                outputs += [dryRun.output, json.output, run.output]
                // and a failing fetch (a ref the server lacks) reports git's error without them
                let failed = try project.linbuild(["--source", url, "--branch", "no-such-branch"])
                #expect(failed.status == 66, "\(failed.output)")
                outputs.append(failed.output)
            }
            // THEN both images' labels, locally and as pushed, carry the URL without the token
            let base = project.baseReference(), runtime = project.runtimeReference(commit: sha)
            #expect(
                try project.label("org.opencontainers.image.source", of: runtime)
                    == server.url("app", userInfo: "").replacingOccurrences(of: "@", with: ""))
            for reference in [base, runtime] {
                let labels = try EndToEnd.environment.docker(["image", "inspect", "--format", "{{json .Config.Labels}}", reference])
                #expect(labels.status == 0)
                outputs.append(labels.stdout)
            }
            let configs = [try RegistryAPI.config(of: base), try RegistryAPI.config(of: runtime)]
            for config in configs { #expect(config.contains("org.opencontainers.image.source"), "config not read: \(config.prefix(200))") }
            let logs = try FileManager.default.subpathsOfDirectory(atPath: project.logs).compactMap {
                try? String(contentsOfFile: project.logs + "/" + $0, encoding: .utf8)
            }
            #expect(!logs.isEmpty, "no step logs to search")
            for text in outputs + configs + logs { #expect(!text.contains(token), "\(text.prefix(400))") }
        }
    }
}
