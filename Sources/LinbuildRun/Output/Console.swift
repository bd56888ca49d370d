import Foundation

#if canImport(Glibc)
import Glibc
import LinbuildSupport
#endif

/// linbuild's own output: results on stdout, diagnostics and progress on stderr. Colour only on
/// a terminal and never with `NO_COLOR`.
public final class Console: @unchecked Sendable {
    public enum Verbosity: Sendable { case quiet, normal, verbose }

    private let lock = NSLock()
    public let verbosity: Verbosity
    public let colour: Bool
    /// GitHub Actions reads `::group::` and `::error::` lines from the log.
    public let githubActions: Bool
    /// A live status line (elapsed time) redrawn under the output: only on a terminal, never in
    /// CI or with `--quiet`, where progress is plain lines instead.
    public let liveStatus: Bool
    private var status: String?

    public init(verbosity: Verbosity = .normal, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.verbosity = verbosity
        colour = isatty(STDERR_FILENO) == 1 && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
        githubActions = environment["GITHUB_ACTIONS"] == "true"
        liveStatus =
            isatty(STDERR_FILENO) == 1 && environment["TERM"] != "dumb" && (environment["CI"] ?? "").isEmpty
            && !githubActions && verbosity != .quiet
    }

    /// Shows `text` on the live status line (nil clears it). Without a terminal it does nothing.
    public func setStatus(_ text: String?) {
        guard liveStatus else { return }
        lock.withLock {
            status = text
            writeAll(STDERR_FILENO, Array(("\r\u{1B}[K" + (text ?? "")).utf8))
        }
    }

    public func out(_ text: String) { write(STDOUT_FILENO, text) }

    /// Progress a user follows; hidden by `--quiet`.
    public func info(_ text: String) {
        guard verbosity != .quiet else { return }
        write(STDERR_FILENO, text + "\n")
    }

    /// The end-of-run summary: shown even with `--quiet`.
    public func summary(_ text: String) {
        write(STDERR_FILENO, text + "\n")
    }

    /// Commands before they run, with `--verbose`.
    public func detail(_ text: String) {
        guard verbosity == .verbose else { return }
        write(STDERR_FILENO, paint("+ " + text, code: "2") + "\n")
    }

    public func error(_ message: String) {
        if githubActions { write(STDOUT_FILENO, "::error::\(message)\n") }
        write(STDERR_FILENO, paint("linbuild: error: ", code: "1;31") + message + "\n")
    }

    public func warning(_ message: String) {
        if githubActions { write(STDOUT_FILENO, "::warning::\(message)\n") }
        write(STDERR_FILENO, paint("linbuild: warning: ", code: "1;33") + message + "\n")
    }

    public func paint(_ text: String, code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// Everything linbuild itself prints passes here: no URL credentials get through.
    public func write(_ descriptor: Int32, _ text: String) {
        writeBytes(descriptor, Array(Redaction.scrubbed(text).utf8))
    }

    public func writeBytes(_ descriptor: Int32, _ bytes: [UInt8]) {
        lock.withLock {
            // Output goes above the status line: clear it, write, and draw it again after a full line.
            guard let status else { return writeAll(descriptor, bytes) }
            writeAll(STDERR_FILENO, Array("\r\u{1B}[K".utf8))
            writeAll(descriptor, bytes)
            if bytes.last == UInt8(ascii: "\n") { writeAll(STDERR_FILENO, Array(status.utf8)) }
        }
    }
}
