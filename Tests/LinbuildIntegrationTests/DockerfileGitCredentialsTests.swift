import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// The shipped Dockerfile's own shell code for FA3_GIT's credentials, run by bash with a stand-in
/// `git` that reports what it was given: the clone URL without credentials, and the credentials
/// only as an Authorization header scoped to the URL's origin, in git's environment.
@Suite(.timeLimit(.minutes(5))) struct DockerfileGitCredentialsTests {
    /// The lines of the Flash Attention RUN from reading FA3_GIT to `git_with_credentials`, joined
    /// as BuildKit joins continuation lines.
    static func snippet() throws -> String {
        let text = try String(contentsOfFile: Repository.dockerfile, encoding: .utf8).replacingOccurrences(of: "\\\n", with: "\n")
        let start = try #require(text.range(of: #"fa3_git="$(cat /run/secrets/FA3_GIT"#))
        let end = try #require(text.range(of: #"archs="$(echo"#, range: start.upperBound..<text.endIndex))
        return String(text[start.lowerBound..<end.lowerBound])
    }

    func gitSees(_ location: String) throws -> String {
        let scratch = try Scratch("dockerfile-git")
        defer { scratch.remove() }
        let fake = try scratch.write("git", "#!/bin/sh\nprintf 'args=%s\\n' \"$*\"\nenv | grep '^GIT_CONFIG' | sort\n")
        _ = try Run.command("/bin/chmod", ["+x", fake])
        let run = try Run.command(
            "/usr/bin/env",
            [
                "-i", "PATH=\(scratch.path):/usr/bin:/bin", "FA3_GIT=\(location)", "/bin/bash", "-c",
                try Self.snippet() + "\ngit_with_credentials clone \"${fa3_git}\" /tmp/fa",
            ])
        #expect(run.status == 0, "\(run.output)")
        return run.stdout
    }

    @Test func aUserAndPercentEncodedPasswordBecomeABasicHeaderForTheOriginOnly() throws {
        let seen = try gitSees("https://builder:p%40ss%2Fw%3Ard@git.example:8443/mirror/flash-attention.git")
        #expect(
            seen == """
                args=clone https://git.example:8443/mirror/flash-attention.git /tmp/fa
                GIT_CONFIG_COUNT=1
                GIT_CONFIG_KEY_0=http.https://git.example:8443/.extraHeader
                GIT_CONFIG_VALUE_0=Authorization: Basic \(Data("builder:p@ss/w:rd".utf8).base64EncodedString())

                """)
    }

    @Test func aLoneTokenIsTheUserWithAnEmptyPasswordAsCurlAndUvSendIt() throws {
        let seen = try gitSees("https://ghp_FAKEtoken@git.example/flash-attention.git")
        #expect(seen.hasPrefix("args=clone https://git.example/flash-attention.git /tmp/fa\n"), "\(seen)")
        #expect(seen.contains("GIT_CONFIG_KEY_0=http.https://git.example/.extraHeader\n"))
        #expect(seen.contains("GIT_CONFIG_VALUE_0=Authorization: Basic \(Data("ghp_FAKEtoken:".utf8).base64EncodedString())\n"))
    }

    @Test(arguments: [
        "https://builder:p%40ss%2Fw%3Ard@git.example:8443/mirror/flash-attention.git", "http://ghp_FAKEtoken@127.0.0.1:9/fa.git",
    ])
    func preflightsGitGetsTheSameHeaderAndURLAsTheBuildsClone(_ location: String) throws {
        // GIVEN what the shipped Dockerfile gives git, and what preflight's fetch gives it
        let seen = try gitSees(location)
        let authorization = try #require(GitAuthorization(url: location))
        // THEN both send the same header to the same origin, from the same URL without credentials
        let expected =
            "args=clone \(authorization.url) /tmp/fa\n"
            + authorization.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()
        #expect(seen == expected)
        #expect(GitAuthorization(url: "https://github.com/Dao-AILab/flash-attention.git") == nil)
        #expect(GitAuthorization(url: "ssh://git@github.com/Dao-AILab/flash-attention.git") == nil)
    }

    @Test func aLocationWithoutCredentialsIsClonedAsItIsWithNoHeader() throws {
        #expect(
            try gitSees("https://github.com/Dao-AILab/flash-attention.git")
                == "args=clone https://github.com/Dao-AILab/flash-attention.git /tmp/fa\n")
    }
}
