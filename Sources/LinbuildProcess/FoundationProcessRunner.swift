import Foundation
import LinbuildSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs commands with Foundation `Process`. Each pipe is drained by its own thread with blocking
/// reads until end of file, and only then is the child's exit awaited: waiting first deadlocks once
/// output fills the pipe, Foundation's `readabilityHandler` can miss the end on Linux, and the
/// termination handler can fire while output is still in flight.
public struct FoundationProcessRunner: ProcessRunning {
    public init() {}

    public func capture(_ command: Command, timeout: Double?, limit: Int) throws -> CapturedOutput {
        let collector = CapturingSink(limit: limit)
        let termination = try run(command, sink: collector, timeout: timeout, supervised: false)
        return CapturedOutput(termination: termination, stdout: collector.stdout, stderr: collector.stderr)
    }

    public func stream(_ command: Command, to sink: OutputSink) throws -> Termination {
        // Streamed commands are the long ones (builds, pushes): they must not outlive linbuild.
        try run(command, sink: sink, timeout: nil, supervised: true)
    }

    private func run(_ command: Command, sink: OutputSink, timeout: Double?, supervised: Bool) throws -> Termination {
        let process = Process()
        let located = try Self.locate(command.executable)
        let (path, arguments) =
            supervised ? ChildSupervisor.wrap(path: located, arguments: command.arguments) : (located, command.arguments)
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if !command.environment.isEmpty {
            // Setting `environment` replaces the whole environment: merge, never replace.
            process.environment = ProcessInfo.processInfo.environment.merging(command.environment) { $1 }
        }
        if let directory = command.workingDirectory {
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
        }
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let input = Pipe()
        process.standardInput = command.standardInput == nil ? FileHandle.nullDevice : input

        // `waitUntilExit` polls a run loop every 50 ms on Linux, which made each probe cost ~40 ms;
        // the termination handler fires as soon as the child is reaped.
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try ChildProcesses.shared.launch(process)
        } catch {
            throw LaunchFailure(executable: command.executable, reason: "\(error.localizedDescription)")
        }
        defer { ChildProcesses.shared.forget(process.processIdentifier) }
        if let text = command.standardInput {
            // Small inputs only (a server URL for a credential helper): fits the pipe buffer.
            input.fileHandleForWriting.write(Data(text.utf8))
            try? input.fileHandleForWriting.close()
        }
        let timedOut = Flag()
        if let timeout {
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                guard process.isRunning else { return }
                timedOut.set()
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
            }
        }
        let readers = DispatchGroup()
        for (pipe, isError) in [(stdout, false), (stderr, true)] {
            readers.enter()
            let descriptor = pipe.fileHandleForReading.fileDescriptor
            let thread = Thread {
                Self.drain(descriptor, to: sink, isError: isError)
                readers.leave()
            }
            thread.start()
        }
        readers.wait()
        exited.wait()
        if timedOut.isSet { return .timedOut }
        switch process.terminationReason {
        case .exit: return .exited(process.terminationStatus)
        case .uncaughtSignal: return .signaled(process.terminationStatus)
        @unknown default: return .exited(process.terminationStatus)
        }
    }

    private static func drain(_ descriptor: Int32, to sink: OutputSink, isError: Bool) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                sink.write(Array(buffer[0..<count]), isError: isError)
            } else if count == 0 || errno != EINTR {
                return
            }
        }
    }

    /// `PATH` lookup done here, so a missing program is a clear error before anything starts.
    static func locate(_ executable: String) throws -> String {
        if executable.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: executable) else {
                throw LaunchFailure(executable: executable, reason: "no such executable file")
            }
            return executable
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw LaunchFailure(executable: executable, reason: "not found on PATH")
    }
}

/// Keeps captured output in memory up to a limit (probes print little; a limit keeps a
/// misbehaving one from growing without bound).
final class CapturingSink: OutputSink, @unchecked Sendable {
    private let lock = NSLock()
    private let limit: Int
    private var out: [UInt8] = []
    private var err: [UInt8] = []

    init(limit: Int) { self.limit = limit }

    func write(_ bytes: [UInt8], isError: Bool) {
        lock.withLock {
            if isError {
                err.append(contentsOf: bytes.prefix(max(0, limit - err.count)))
            } else {
                out.append(contentsOf: bytes.prefix(max(0, limit - out.count)))
            }
        }
    }

    var stdout: [UInt8] { lock.withLock { out } }
    var stderr: [UInt8] { lock.withLock { err } }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
