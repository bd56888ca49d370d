import Foundation
import LinbuildTestFixtures
import Testing

/// The layers of Package.swift hold only if the pure ones stay pure: the model and support
/// targets decide, they never run a process or reach the network. The compiler keeps
/// `LinbuildProcess` out of them (`make` and `make test` build with
/// `--explicit-target-dependency-import-check error`); this test keeps out what Foundation itself
/// offers every target (`Process`, `URLSession`) and the C calls that spawn or connect.
@Suite struct LayeringTests {
    static let pureTargets = ["LinbuildSupport", "LinbuildModel"]
    /// What running a process or reaching the network looks like in Swift source.
    static let effects = [
        "Process(", "posix_spawn", "ProcessRunning", "ChildProcesses", "ProcessRunner",
        "URLSession", "FoundationNetworking", "dlopen", "fork(", "execv", "socket(",
    ]

    static func sources(of target: String, in root: String = "Sources") throws -> [(path: String, text: String)] {
        let folder = Repository.root + "/" + root + "/" + target
        let files = try #require(FileManager.default.enumerator(atPath: folder)).compactMap { $0 as? String }.filter {
            $0.hasSuffix(".swift")
        }
        return try files.sorted().map { ("\(target)/\($0)", try String(contentsOfFile: folder + "/" + $0, encoding: .utf8)) }
    }

    @Test(arguments: pureTargets) func aPureTargetNeverRunsAProcessNorReachesTheNetwork(target: String) throws {
        let files = try Self.sources(of: target)
        #expect(files.count > 3)
        for file in files {
            let code = file.text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(
                separator: "\n")
            for effect in Self.effects {
                #expect(!code.contains(effect), "\(file.path) uses \(effect): effects belong in LinbuildRun or LinbuildProcess")
            }
        }
    }

    /// The unit suites are the pure core and the executor over fakes: the compiler keeps the
    /// binary and the helpers that run programs (`LinbuildTestSupport`) out of their target; this
    /// keeps out the real runners and transports, which their target cannot help importing.
    @Test func aUnitTestStartsNoProcessAndOpensNoSocket() throws {
        let files = try Self.sources(of: "LinbuildUnitTests", in: "Tests").filter { !$0.path.hasSuffix("/LayeringTests.swift") }
        #expect(files.count > 20)
        // (Fakes of `ProcessRunning` are the point of these suites: the protocol is allowed.)
        let effects =
            Self.effects.filter { !["ProcessRunning", "ChildProcesses", "ProcessRunner"].contains($0) }
            + ["SpawnProcessRunner(", "FoundationProcessRunner(", "CurlTransport(", "Linbuild.run("]
        for file in files {
            for effect in effects {
                #expect(!file.text.contains(effect), "\(file.path) uses \(effect): that test belongs in LinbuildIntegrationTests")
            }
        }
    }
}
