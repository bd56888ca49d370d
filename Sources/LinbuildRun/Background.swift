import Foundation

/// A value worked out on a thread of its own while the caller goes on, then waited for: how a
/// slow question that needs nothing else (the docker client's version) overlaps the rest of a
/// dry run. Read `value` on every way out (a `defer`), so a child process the work runs never
/// outlives the command.
public final class Background<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var result: Value?

    public init(_ work: @escaping @Sendable () -> Value) {
        Thread { [self] in
            let value = work()
            lock.withLock { result = value }
            done.signal()
        }.start()
    }

    /// The value, once the work has finished.
    public var value: Value {
        if let result = lock.withLock({ result }) { return result }
        done.wait()
        done.signal()  // for any other reader
        return lock.withLock { result! }
    }
}
