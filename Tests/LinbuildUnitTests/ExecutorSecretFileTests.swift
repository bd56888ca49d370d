import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildRun
@testable import LinbuildSupport

/// The executor writes a build's secret files just before the build, readable by this user only,
/// and removes them when it ends, whether it succeeded or failed.
@Suite struct ExecutorSecretFileTests {
    /// What a build saw of its secret files while it ran.
    final class Seen: @unchecked Sendable {
        private let lock = NSLock()
        private var files: [String: (text: String?, mode: Int?)] = [:]
        private var folders: [String] = []
        var all: [String: (text: String?, mode: Int?)] { lock.withLock { files } }
        /// What the secrets folder held while each command ran (`-` when there was none).
        var listings: [String] { lock.withLock { folders } }
        let folder: String

        init(folder: String) { self.folder = folder }

        func record(_ command: Command) {
            let listing = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.sorted().joined(separator: ",") ?? "-"
            lock.withLock { folders.append("\(command.arguments.first ?? command.executable): \(listing)") }
            for path in command.secretFiles.keys {
                let text = try? String(contentsOfFile: path, encoding: .utf8)
                let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
                lock.withLock { files[command.arguments.contains("base") ? "base " + path : "runtime " + path] = (text, mode) }
            }
        }
    }

    func run(failing: @escaping @Sendable (Command) -> Bool = { _ in false }) throws -> (Seen, Executor.Outcome, String) {
        let scratch = try Scratch("executor-secrets")
        defer { scratch.remove() }
        let work = scratch.path + "/linbuild-work"
        let plan = try CredentialedFixture.plan(["--force-base"], workDirectory: work)
        let seen = Seen(folder: work + "/secrets")
        let engine = FakeEngine(failing: failing)
        engine.afterCommand = { seen.record($0) }
        let outcome = try Executor(
            plan: plan, runner: engine, console: Console(verbosity: .quiet, environment: ["NO_COLOR": "1"]), registry: ScriptedRegistry(),
            logDirectory: scratch.path + "/logs", interrupts: ScriptedInterrupts()
        ).execute()
        #expect(!FileManager.default.fileExists(atPath: work + "/secrets"), "the secret files outlived the run")
        #expect(!FileManager.default.fileExists(atPath: work), "the work folder outlived the run")
        return (seen, outcome, work)
    }

    @Test func eachBuildReadsItsSecretsFromPrivateFilesThatAreGoneAfterIt() throws {
        // WHEN a run builds the base and the runtime from locations with credentials
        let (seen, outcome, work) = try run()
        #expect(outcome.failure == nil, "\(String(describing: outcome.failure))")
        // THEN while each build ran, each of its secret files held the location with its
        // credentials, mode 0600
        let files = seen.all
        #expect(
            Set(files.keys) == [
                "base \(work)/secrets/PYPI_INDEX", "base \(work)/secrets/TORCH_INDEX", "base \(work)/secrets/FA3_GIT",
                "runtime \(work)/secrets/PYPI_INDEX",
            ])
        #expect(files["runtime \(work)/secrets/PYPI_INDEX"]?.text == CredentialedFixture.environment["LINBUILD_PYPI_INDEX"])
        #expect(files["base \(work)/secrets/FA3_GIT"]?.text == CredentialedFixture.environment["LINBUILD_FA3_GIT"])
        #expect(files.values.allSatisfy { $0.mode == 0o600 }, "\(files.values.map(\.mode))")
        // AND each build had only its own files, and nothing else ran while one existed: the base's
        // were gone before the runtime's build, and those before anything after it
        #expect(seen.listings.filter { $0.hasPrefix("buildx") } == ["buildx: FA3_GIT,PYPI_INDEX,TORCH_INDEX", "buildx: PYPI_INDEX"])
        #expect(seen.listings.filter { !$0.hasPrefix("buildx") }.allSatisfy { $0.hasSuffix(": -") }, "\(seen.listings)")
    }

    @Test func aFailedBuildLeavesNoSecretFileBehind() throws {
        // WHEN the base build fails
        let (seen, outcome, _) = try run(failing: { $0.arguments.contains("--target") && $0.arguments.contains("base") })
        // THEN it had its files, the run failed, and nothing is left (checked in run)
        #expect(seen.all.count == 3)
        #expect(outcome.failure != nil)
    }
}
