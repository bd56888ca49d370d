import Dispatch

#if canImport(Glibc)
import Glibc
import LinbuildProcess
#endif

/// Ctrl-C and SIGTERM while a build runs: the signal is passed to the child's process group, the
/// child gets a grace period, then is killed. The executor notices, cleans up and exits 130/143.
public final class Interrupts: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "linbuild.signals")
    /// How long a child has to stop before it is killed.
    public static let gracePeriod = 10.0

    public static func install() -> Interrupts {
        let interrupts = Interrupts()
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: interrupts.queue)
            source.setEventHandler {
                let first = ChildProcesses.shared.receivedSignal == nil
                ChildProcesses.shared.forward(number)
                if first {
                    interrupts.queue.asyncAfter(deadline: .now() + gracePeriod) { ChildProcesses.shared.killAll() }
                } else {
                    // A second signal: the user means it.
                    ChildProcesses.shared.killAll()
                }
            }
            source.resume()
            interrupts.sources.append(source)
        }
        return interrupts
    }

    public func uninstall() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
