import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// The dry-run script of a plan with credentials, run by sh: it asks for each location's variable,
/// writes the secret files private, and its trap removes them with the work folder.
@Suite(.timeLimit(.minutes(5))) struct DryRunSecretTests {
    /// `script` run by sh with only PATH and `environment` in its environment.
    func shell(_ script: String, _ environment: [String: String] = [:]) throws -> Run.Result {
        try Run.command(
            "/usr/bin/env",
            ["-i", "PATH=/usr/bin:/bin"] + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + [
                "/bin/sh", "-c", script,
            ])
    }

    @Test func theDryRunScriptAsksForEachVariableAndWritesPrivateFilesThatTheTrapRemoves() throws {
        // GIVEN the dry-run script of a plan with credentials, its work folder in a scratch folder
        let scratch = try Scratch("dry-run-secrets")
        defer { scratch.remove() }
        let work = scratch.path + "/work"
        let script = PlanRenderer.shellScript(try CredentialedFixture.plan(workDirectory: work))
        #expect(script.contains(#": "${LINBUILD_PYPI_INDEX:?export LINBUILD_PYPI_INDEX=the PYPI_INDEX location with its credentials;"#))
        #expect(script.contains(#": "${LINBUILD_FA3_GIT:?"#) && script.contains(#": "${LINBUILD_TORCH_INDEX:?"#))
        // WHEN its preamble runs without the variables, THEN it stops before making anything
        let preamble = script.components(separatedBy: "linbuild_local()").first ?? ""
        let missing = try shell(preamble)
        #expect(missing.status != 0 && missing.stderr.contains("LINBUILD_FA3_GIT"), "\(missing.output)")
        #expect(!FileManager.default.fileExists(atPath: work))
        // WHEN it runs with them, and shows what it made before it exits
        let check = "ls -ln \(work)/secrets; stat -c '%a %n' \(work)/secrets \(work)/secrets/*; cat \(work)/secrets/PYPI_INDEX; echo"
        let run = try shell(preamble + "\n" + check, CredentialedFixture.environment)
        // THEN each file holds its variable's value exactly, readable by this user only, and the
        // trap removed the work folder when the script ended
        #expect(run.status == 0, "\(run.output)")
        #expect(run.stdout.contains("700 \(work)/secrets\n"))
        for name in ["PYPI_INDEX", "TORCH_INDEX", "FA3_GIT"] {
            #expect(run.stdout.contains("600 \(work)/secrets/\(name)\n"), "\(run.stdout)")
        }
        #expect(run.stdout.hasSuffix(CredentialedFixture.environment["LINBUILD_PYPI_INDEX"]! + "\n"))
        #expect(!FileManager.default.fileExists(atPath: work))
    }
}
