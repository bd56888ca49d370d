import Foundation

#if canImport(Glibc)
import Glibc
import LinbuildSupport
import LinbuildProcess
#endif

/// A build's output on its way out: whole lines to the terminal (unless `--quiet`) and every byte
/// to the step's log file, as it arrives. Nothing is kept but the unfinished last line (bounded),
/// so a 200 MB log costs no more memory than a short one.
public final class StepOutput: OutputSink, @unchecked Sendable {
    public let logPath: String
    private let logDescriptor: Int32
    private let console: Console
    private let echo: Bool
    private let lock = NSLock()
    private var pending: [[UInt8]] = [[], []]
    /// A line longer than this is passed on in pieces rather than held.
    static let maximumLine = 64 * 1024

    /// Opens (truncating) the log file, close-on-exec so no child inherits it.
    public init(logPath: String, console: Console, echo: Bool) throws {
        self.logPath = logPath
        self.console = console
        self.echo = echo
        let descriptor = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw LinbuildError.cannotCreate(
                path: logPath, what: "log file", reason: String(cString: strerror(errno)),
                fix: "check that --log-dir is a folder you can write to")
        }
        logDescriptor = descriptor
    }

    deinit { close(logDescriptor) }

    public func write(_ bytes: [UInt8], isError: Bool) {
        lock.withLock {
            let stream = isError ? 1 : 0
            pending[stream].append(contentsOf: bytes)
            guard let lastNewline = pending[stream].lastIndex(of: UInt8(ascii: "\n")) else {
                if pending[stream].count > Self.maximumLine { emit(stream, upTo: pending[stream].count) }
                return
            }
            emit(stream, upTo: lastNewline + 1)
        }
    }

    /// Passes on what is left of an unfinished last line.
    public func finish() {
        lock.withLock {
            for stream in 0..<2 where !pending[stream].isEmpty { emit(stream, upTo: pending[stream].count) }
        }
    }

    private func emit(_ stream: Int, upTo end: Int) {
        var chunk = Array(pending[stream][0..<end])
        if chunk.contains(UInt8(ascii: "@")) {
            // A step's output may quote the source URL (git's errors do): its credentials stay out of logs.
            let text = String(decoding: chunk, as: UTF8.self), clean = Redaction.scrubbed(text)
            if clean != text { chunk = Array(clean.utf8) }
        }
        pending[stream].removeFirst(end)
        // Line by line (or a bounded piece of an endless line), so the masking sees whole URLs.
        writeAll(logDescriptor, chunk)
        if echo { console.writeBytes(stream == 0 ? STDOUT_FILENO : STDERR_FILENO, chunk) }
    }
}
