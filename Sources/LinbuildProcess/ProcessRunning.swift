import Foundation
import LinbuildSupport

/// How a child process ended. A non-zero exit is a result, not an error: the caller decides.
public enum Termination: Equatable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)
    /// Killed by linbuild because it outlived its timeout.
    case timedOut

    public var succeeded: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        case .timedOut: "timed out"
        }
    }
}

/// A finished command whose output was captured (probes: git, inspect, version).
public struct CapturedOutput: Equatable, Sendable {
    public var termination: Termination
    public var stdout: [UInt8]
    public var stderr: [UInt8]

    public init(termination: Termination, stdout: [UInt8] = [], stderr: [UInt8] = []) {
        self.termination = termination
        self.stdout = stdout
        self.stderr = stderr
    }

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// One line of stderr for a one-line error message: the line that says it is the error, else
    /// the last. Git explains a failure first and then adds advice ("…and the repository exists."),
    /// docker ends with "See 'docker run --help'."; alone, either would mean nothing.
    public var stderrSummary: String {
        let lines = String(decoding: stderr, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !($0.hasPrefix("See '") && $0.hasSuffix("--help'.")) }
        let lowered = lines.map { $0.lowercased() }
        func first(_ matches: (String) -> Bool) -> String? { lowered.firstIndex(where: matches).map { lines[$0] } }
        return first { $0.contains("error response from daemon") }
            ?? first { $0.hasPrefix("fatal:") }
            ?? first { $0.hasPrefix("error:") || $0.hasPrefix("error ") }
            ?? lines.last ?? ""
    }
}

/// Where a streamed command's lines go.
public protocol OutputSink: AnyObject, Sendable {
    func write(_ bytes: [UInt8], isError: Bool)
}

/// The narrow interface between linbuild and the processes it starts. The real ones are
/// `SpawnProcessRunner` (the default) and `FoundationProcessRunner` (its fallback where glibc lacks
/// the spawn file actions it needs); unit tests use a scripted fake.
public protocol ProcessRunning: Sendable {
    /// Runs `command` to the end and returns its output, kept up to `limit` bytes per stream.
    /// With a timeout the child's process group is killed when it runs over.
    func capture(_ command: Command, timeout: Double?, limit: Int) throws -> CapturedOutput
    /// Runs `command` with its output written to `sink` as it comes, never held whole.
    func stream(_ command: Command, to sink: OutputSink) throws -> Termination
    /// Starts `command` to answer one exchange after another (`ProcessSession`); each exchange
    /// waits at most `timeout` seconds. By default the command runs once per exchange.
    func session(_ command: Command, timeout: Double) throws -> ProcessSession
}

extension ProcessRunning {
    public func capture(_ command: Command, timeout: Double? = nil) throws -> CapturedOutput {
        try capture(command, timeout: timeout, limit: 16 << 20)
    }
}

/// Failing to start a program at all (not found, not executable).
public struct LaunchFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public var executable: String
    public var reason: String
    public var description: String { "cannot run \(executable): \(reason)" }
}
