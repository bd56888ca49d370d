import Foundation
import LinbuildSupport

#if canImport(Glibc)
import Glibc
#endif

extension SpawnProcessRunner {
    /// One child for every exchange, with the guarantees of `run`: its own process group,
    /// registered with `ChildProcesses`, descriptors 0-2 only, the environment merged.
    public func session(_ command: Command, timeout: Double) throws -> ProcessSession {
        guard let actions = SpawnActions.available else { return OneShotSession(runner: self, command: command, timeout: timeout) }
        return try SpawnedSession(command, timeout: timeout, actions: actions)
    }
}

/// A running child whose standard input stays open between exchanges. Its input is one end of a
/// socket pair, written with `MSG_NOSIGNAL`: a child that died makes the write fail, where a pipe
/// would raise SIGPIPE and kill linbuild. Its standard error is read by a thread of its own (kept
/// up to 64 KB), so a chatty child never blocks on it.
final class SpawnedSession: ProcessSession, @unchecked Sendable {
    private let command: Command
    private let timeout: Double
    private let child: RunningChild
    private let pid: pid_t
    private var input: Int32
    private var output: Int32
    private var pending: [UInt8] = []
    private let errors = CapturingSink(limit: 64 * 1024)
    private let errorsRead = DispatchSemaphore(value: 0)
    private var ended: Termination?

    init(_ command: Command, timeout: Double, actions: SpawnActions) throws {
        self.command = command
        self.timeout = timeout
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw LaunchFailure(executable: command.executable, reason: "cannot make a socket pair: \(String(cString: strerror(errno)))")
        }
        let stdout: (read: Int32, write: Int32), stderr: (read: Int32, write: Int32)
        do {
            stdout = try SpawnProcessRunner.pipe(command)
            do { stderr = try SpawnProcessRunner.pipe(command) } catch {
                Glibc.close(stdout.read); Glibc.close(stdout.write)
                throw error
            }
        } catch {
            Glibc.close(pair[0]); Glibc.close(pair[1])
            throw error
        }
        let pid: pid_t
        do {
            pid = try SpawnProcessRunner.spawn(
                command, input: pair[1], output: stdout.write, errors: stderr.write, supervised: false, actions: actions)
        } catch {
            for descriptor in [pair[0], pair[1], stdout.read, stdout.write, stderr.read, stderr.write] { Glibc.close(descriptor) }
            throw error
        }
        for descriptor in [pair[1], stdout.write, stderr.write] { Glibc.close(descriptor) }
        self.pid = pid
        child = RunningChild(pid)
        input = pair[0]
        output = stdout.read
        let errorReader = stderr.read, sink = errors, done = errorsRead
        Thread {
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(errorReader, $0.baseAddress, $0.count) }
                if count > 0 { sink.write(Array(buffer[0..<count]), isError: true) } else if count == 0 || errno != EINTR { break }
            }
            Glibc.close(errorReader)
            done.signal()
        }.start()
    }

    deinit { close() }

    func exchange(_ bytes: [UInt8], answered: ([UInt8]) -> Int?) throws -> [UInt8] {
        if let ended { throw SessionEnded(output: CapturedOutput(termination: ended, stderr: errors.stderr)) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { send(input, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw end(killing: true) }
            written += count
        }
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            if let count = answered(pending) {
                let answer = Array(pending[0..<count])
                pending.removeFirst(count)
                return answer
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw end(killing: true, timedOut: true) }
            var polled = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&polled, 1, Int32(min(left * 1000, Double(Int32.max)).rounded(.up)))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }  // the deadline is checked above
            let count = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw end(killing: false) }  // end of file: the child is gone
            pending.append(contentsOf: buffer[0..<count])
        }
    }

    func close() {
        guard ended == nil else { return }
        _ = end(killing: false)
    }

    /// Ends the child (killing its group first when asked), reaps it, and says how it ended.
    private func end(killing: Bool, timedOut: Bool = false) -> SessionEnded {
        if ended == nil {
            shutdown(input, Int32(SHUT_WR))
            if killing { child.killIfRunning() }
            // Read what is left to the end, so a child still writing is not blocked on a full pipe.
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
                if count > 0 { continue }
                if count < 0 && errno == EINTR { continue }
                break
            }
            let status = child.wait()
            errorsRead.wait()
            ChildProcesses.shared.forget(pid)
            Glibc.close(input)
            Glibc.close(output)
            input = -1
            output = -1
            let signal = status & 0x7f
            ended = timedOut ? .timedOut : signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
        }
        return SessionEnded(output: CapturedOutput(termination: ended ?? .timedOut, stderr: errors.stderr))
    }
}
