/// Where a long-running part of linbuild learns that the user asked it to stop. Passed as a value
/// (in the style of SwiftPM's `Cancellator`), so a test can say "a signal arrives between these two
/// steps" without sending one; production reads `ChildProcesses.shared`, which the signal handlers set.
public protocol InterruptSource: Sendable {
    /// The first SIGINT or SIGTERM received, if any: the run is over once this is set.
    var receivedSignal: Int32? { get }
}

extension ChildProcesses: InterruptSource {}
