import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs programs for the tests: the built `linbuild` binary and the tools that check its work.
/// Output goes to temporary files, so a chatty child can never block on a full pipe.
public enum Run {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var seconds: Double
        public var output: String { stdout + stderr }

        /// The lines linbuild reports errors on.
        public var errorLines: [Substring] { stderr.split(separator: "\n").filter { $0.hasPrefix("linbuild: error:") } }
    }

    /// `linbuild`, built next to the test bundle by `swift build`.
    public static let linbuild: String = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundle, bundle.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("linbuild").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return FileManager.default.currentDirectoryPath + "/.build/debug/linbuild"
    }()

    /// How long a program a test runs may take before it is killed. A suite's `.timeLimit` reports
    /// a test that runs over, but cannot stop a test blocked waiting for its child: this does.
    public static let deadline = 300.0

    /// Runs the program to its end, or kills it (and what it started in its process group) once
    /// `deadline` seconds have passed: the result then has status 137 and says so on stderr.
    public static func command(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        directory: String? = nil, input: String? = nil, deadline: Double = Run.deadline, started: ((Process) -> Void)? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.contains("/") ? executable : "/usr/bin/env")
        process.arguments = executable.contains("/") ? arguments : [executable] + arguments
        var environment = environment
        // linbuild refuses a docker client without BuildKit, even for --dry-run. Where PATH's
        // first docker is one (a newer client without the buildx plugin, as on the team's
        // machines), the binary under test gets Debian's client, which has BuildKit built in,
        // unless the test chose an engine itself.
        if executable == linbuild, environment["LINBUILD_ENGINE"] == nil, ProcessInfo.processInfo.environment["LINBUILD_ENGINE"] == nil,
            FileManager.default.isExecutableFile(atPath: "/usr/bin/docker")
        {
            environment["LINBUILD_ENGINE"] = "/usr/bin/docker"
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("linbuild-test-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("stdout"), err = scratch.appendingPathComponent("stderr")
        try Data().write(to: out)
        try Data().write(to: err)
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        let inputPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        let start = Date()
        try process.run()
        if let input {
            inputPipe.fileHandleForWriting.write(Data(input.utf8))
            try inputPipe.fileHandleForWriting.close()
        }
        started?(process)
        let pid = process.processIdentifier
        let overran = DispatchWorkItem {
            kill(pid, SIGKILL)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + deadline, execute: overran)
        process.waitUntilExit()
        overran.cancel()
        try outHandle.close()
        try errHandle.close()
        let seconds = Date().timeIntervalSince(start)
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        return Result(
            status: process.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: stderr + (seconds >= deadline ? "\n[test: killed after \(Int(deadline)) s]\n" : ""), seconds: seconds)
    }
}
