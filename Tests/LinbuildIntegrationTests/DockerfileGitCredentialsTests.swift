import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// The shipped Dockerfile's own shell code for FA3_GIT's credentials, run by bash with a stand-in
/// `git` that logs every call: the fetch's remote is the URL without credentials, and the
/// credentials reach only the calls that talk to it (fetch, submodule update) as an Authorization
/// header scoped to the URL's origin, in git's environment.
@Suite(.timeLimit(.minutes(5))) struct DockerfileGitCredentialsTests {
    /// The lines of the Flash Attention RUN from reading FA3_GIT to `build()`, which define
    /// `git_with_credentials` and `fa3_source`, joined as BuildKit joins continuation lines.
    static func snippet() throws -> String {
        let text = try String(contentsOfFile: Repository.dockerfile, encoding: .utf8).replacingOccurrences(of: "\\\n", with: "")
        let start = try #require(text.range(of: #"fa3_git="$(cat /run/secrets/FA3_GIT"#))
        let end = try #require(text.range(of: "build() {", range: start.upperBound..<text.endIndex))
        return String(text[start.lowerBound..<end.lowerBound])
    }

    /// Each git call of `fa3_source` for FA3_GIT=`location`: `args=…`, then the GIT_CONFIG_* it got.
    func gitSees(_ location: String) throws -> String {
        let scratch = try Scratch("dockerfile-git")
        defer { scratch.remove() }
        try Run.writeProgram(
            at: scratch.path + "/git",
            "#!/bin/sh\nprintf 'args=%s\\n' \"$*\" >> \"$GIT_LOG\"\nenv | grep '^GIT_CONFIG' | sort >> \"$GIT_LOG\"\n")
        let log = scratch.path + "/git.log"
        let run = try Run.command(
            "/usr/bin/env",
            [
                "-i", "PATH=\(scratch.path):/usr/bin:/bin", "FA3_GIT=\(location)", "FA_COMMIT=c0ffee", "GIT_LOG=\(log)",
                "/bin/bash", "-c", try Self.snippet() + "\nfa3_source",
            ])
        #expect(run.status == 0, "\(run.output)")
        return try String(contentsOfFile: log, encoding: .utf8)
    }

    /// The calls `fa3_source` makes, with `header` (the GIT_CONFIG_* lines) on those that talk to `url`.
    static func calls(url: String, header: String) -> String {
        """
        args=init --quiet /tmp/fa
        args=-C /tmp/fa remote add origin \(url)
        args=-C /tmp/fa fetch --quiet --depth 1 origin c0ffee
        \(header)args=-C /tmp/fa -c advice.detachedHead=false checkout --quiet c0ffee
        args=-C /tmp/fa submodule update --quiet --init --depth 1 csrc/cutlass
        \(header)
        """
    }

    @Test func aUserAndPercentEncodedPasswordBecomeABasicHeaderForTheOriginOnly() throws {
        let seen = try gitSees("https://builder:p%40ss%2Fw%3Ard@git.example:8443/mirror/flash-attention.git")
        let header = """
            GIT_CONFIG_COUNT=1
            GIT_CONFIG_KEY_0=http.https://git.example:8443/.extraHeader
            GIT_CONFIG_VALUE_0=Authorization: Basic \(Data("builder:p@ss/w:rd".utf8).base64EncodedString())

            """
        #expect(seen == Self.calls(url: "https://git.example:8443/mirror/flash-attention.git", header: header))
    }

    @Test func aLoneTokenIsTheUserWithAnEmptyPasswordAsCurlAndUvSendIt() throws {
        let seen = try gitSees("https://ghp_FAKEtoken@git.example/flash-attention.git")
        #expect(seen.contains("args=-C /tmp/fa remote add origin https://git.example/flash-attention.git\n"), "\(seen)")
        #expect(seen.contains("GIT_CONFIG_KEY_0=http.https://git.example/.extraHeader\n"))
        #expect(seen.contains("GIT_CONFIG_VALUE_0=Authorization: Basic \(Data("ghp_FAKEtoken:".utf8).base64EncodedString())\n"))
        #expect(!seen.contains("ghp_FAKEtoken@"))
    }

    @Test(arguments: [
        "https://builder:p%40ss%2Fw%3Ard@git.example:8443/mirror/flash-attention.git", "http://ghp_FAKEtoken@127.0.0.1:9/fa.git",
    ])
    func preflightsGitGetsTheSameHeaderAndURLAsTheBuildsFetch(_ location: String) throws {
        // GIVEN what the shipped Dockerfile gives git, and what preflight's fetch gives it
        let seen = try gitSees(location)
        let authorization = try #require(GitAuthorization(url: location))
        // THEN both send the same header to the same origin, from the same URL without credentials
        let header = authorization.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()
        #expect(seen == Self.calls(url: authorization.url, header: header))
        #expect(GitAuthorization(url: "https://github.com/Dao-AILab/flash-attention.git") == nil)
        #expect(GitAuthorization(url: "ssh://git@github.com/Dao-AILab/flash-attention.git") == nil)
    }

    @Test func aLocationWithoutCredentialsIsFetchedAsItIsWithNoHeader() throws {
        let url = "https://github.com/Dao-AILab/flash-attention.git"
        #expect(try gitSees(url) == Self.calls(url: url, header: ""))
    }
}
