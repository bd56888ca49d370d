import Foundation

#if canImport(Glibc)
import Glibc
import LinbuildSupport
#endif

/// The children linbuild is running, so a signal to linbuild can be passed on to each child's
/// process group (each child leads its own group, so the terminal's Ctrl-C reaches only us).
public final class ChildProcesses: @unchecked Sendable {
    public static let shared = ChildProcesses()

    private let lock = NSLock()
    private var running: Set<Int32> = []
    private var pendingSignal: Int32?

    /// Starts `process` unless a signal already arrived, so no child starts after Ctrl-C.
    func launch(_ process: Process) throws {
        try lock.withLock {
            if let signal = pendingSignal { throw LinbuildError.interrupted(signal: signal) }
            // The child inherits this thread's signal mask, and Dispatch threads block some
            // signals (swift-corelibs-foundation 4772): a child that blocks SIGINT or SIGTERM
            // would ignore the forwarded Ctrl-C. Spawn with an empty mask, then restore ours.
            var empty = sigset_t(), saved = sigset_t()
            sigemptyset(&empty)
            pthread_sigmask(SIG_SETMASK, &empty, &saved)
            defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
            try process.run()
            running.insert(process.processIdentifier)
        }
    }

    /// Starts a child with `spawn`, which returns its process ID, unless a signal already arrived.
    func launch(_ spawn: () throws -> Int32) throws -> Int32 {
        try lock.withLock {
            if let signal = pendingSignal { throw LinbuildError.interrupted(signal: signal) }
            let pid = try spawn()
            running.insert(pid)
            return pid
        }
    }

    func forget(_ pid: Int32) {
        lock.withLock { _ = running.remove(pid) }
    }

    /// The first signal received, if any: the run is over once this is set.
    public var receivedSignal: Int32? { lock.withLock { pendingSignal } }

    /// Records the signal and sends it to every running child's process group.
    public func forward(_ signal: Int32) {
        let targets: Set<Int32> = lock.withLock {
            if pendingSignal == nil { pendingSignal = signal }
            return running
        }
        for pid in targets {
            kill(-pid, signal)
            kill(pid, signal)
        }
    }

    public var isEmpty: Bool { lock.withLock { running.isEmpty } }

    /// Kills whatever is still running: the escalation after the grace period.
    public func killAll() {
        let targets = lock.withLock { running }
        for pid in targets {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
    }
}
