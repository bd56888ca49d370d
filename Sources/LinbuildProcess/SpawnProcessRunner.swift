import Foundation
import LinbuildSupport

#if canImport(Glibc)
import Glibc
#endif

/// Runs commands with `posix_spawn` itself, keeping every guarantee of `FoundationProcessRunner`:
/// the child leads its own process group and is registered with `ChildProcesses` (so signals reach
/// it), output is passed on as it arrives, captured output is bounded and can time out, the
/// environment is merged, standard input is the given text or `/dev/null`, and the child inherits
/// no descriptor but 0, 1 and 2.
///
/// Why not `Process`: on Linux it closes every descriptor number up to the limit one by one (hundreds
/// of `close` and `prlimit64` calls per child) and waits through a manager thread and a run loop;
/// here the child closes the rest with one `close_range`, and the caller polls both pipes and then
/// waits itself. The child also starts with every signal at its default disposition and none
/// blocked, whatever linbuild ignores or blocks at the time (during a build linbuild ignores SIGINT
/// and SIGTERM, which a child of `Process` inherits).
///
/// glibc declares the two file actions it needs only for `_GNU_SOURCE` (working directory: 2.29;
/// close all from 3: 2.34), so they are looked up at run time; where they are missing, this runner
/// hands the command to `FoundationProcessRunner`.
public struct SpawnProcessRunner: ProcessRunning {
    public init() {}

    public func capture(_ command: Command, timeout: Double?, limit: Int) throws -> CapturedOutput {
        guard let actions = SpawnActions.available else {
            return try FoundationProcessRunner().capture(command, timeout: timeout, limit: limit)
        }
        let collector = CapturingSink(limit: limit)
        let termination = try run(command, sink: collector, timeout: timeout, supervised: false, actions: actions)
        return CapturedOutput(termination: termination, stdout: collector.stdout, stderr: collector.stderr)
    }

    public func stream(_ command: Command, to sink: OutputSink) throws -> Termination {
        guard let actions = SpawnActions.available else { return try FoundationProcessRunner().stream(command, to: sink) }
        // Streamed commands are the long ones (builds, pushes): they must not outlive linbuild.
        return try run(command, sink: sink, timeout: nil, supervised: true, actions: actions)
    }

    /// Standard input is written into its pipe before the child starts and the pipe closed, so
    /// linbuild never writes to a child that may have exited (no SIGPIPE) and never blocks on it.
    /// The texts are small (a registry host for a credential helper); the pipe is grown to fit.
    static let maximumInput = 1 << 20

    private func run(_ command: Command, sink: OutputSink, timeout: Double?, supervised: Bool, actions: SpawnActions) throws -> Termination
    {
        let output = try Self.pipe(command), errors = try Self.pipe(command)
        var open: Set<Int32> = [output.read, output.write, errors.read, errors.write]
        defer { for descriptor in open { close(descriptor) } }
        var input: Int32?
        if let text = command.standardInput {
            let pipe = try Self.pipe(command)
            open.formUnion([pipe.read, pipe.write])
            try Self.fill(pipe.write, with: Array(text.utf8), command: command)
            close(pipe.write)
            open.remove(pipe.write)
            input = pipe.read
        }
        let pid = try Self.spawn(
            command, input: input, output: output.write, errors: errors.write, supervised: supervised, actions: actions)
        for descriptor in [output.write, errors.write] + (input.map { [$0] } ?? []) {
            close(descriptor)
            open.remove(descriptor)
        }

        let child = RunningChild(pid)
        let timer = timeout.map { seconds in
            let item = DispatchWorkItem { child.killIfRunning() }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: item)
            return item
        }
        Self.drain(output.read, errors.read, to: sink)
        open.subtract([output.read, errors.read])
        let status = child.wait()
        timer?.cancel()
        ChildProcesses.shared.forget(pid)
        if child.timedOut { return .timedOut }
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }

    /// Starts `command` with `input` (nil: `/dev/null`), `output` and `errors` as its descriptors
    /// 0, 1 and 2 and nothing else open, in a process group of its own, registered with
    /// `ChildProcesses`; returns its process ID.
    static func spawn(
        _ command: Command, input: Int32?, output: Int32, errors: Int32, supervised: Bool, actions: SpawnActions
    ) throws -> pid_t {
        var located = try FoundationProcessRunner.locate(command.executable)
        // The child changes directory before it executes: a relative path must name the file found here.
        if !located.hasPrefix("/") { located = FileManager.default.currentDirectoryPath + "/" + located }
        // posix_spawn cannot set a parent-death signal either: the same supervisor as for `Process`.
        let (path, argumentList) =
            supervised ? ChildSupervisor.wrap(path: located, arguments: command.arguments) : (located, command.arguments)

        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        if let input {
            posix_spawn_file_actions_adddup2(&fileActions, input, STDIN_FILENO)
        } else {
            posix_spawn_file_actions_addopen(&fileActions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&fileActions, output, STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&fileActions, errors, STDERR_FILENO)
        if let directory = command.workingDirectory {
            let status = directory.withCString { actions.addChdir(&fileActions, $0) }
            guard status == 0 else { throw LaunchFailure(executable: command.executable, reason: String(cString: strerror(status))) }
        }
        // Whatever else is open (a descriptor some library opened without close-on-exec), the child
        // does not get it: the pipes are dup2'ed to 0-2 first, then everything from 3 up is closed.
        _ = actions.addClosefrom(&fileActions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        sigfillset(&signals)
        posix_spawnattr_setsigdefault(&attributes, &signals)

        let arguments = CStrings([path] + argumentList)
        defer { arguments.free() }
        let environment: CStrings? =
            command.environment.isEmpty
            ? nil
            : CStrings(
                // Overrides are merged into linbuild's environment, never a replacement of it.
                ProcessInfo.processInfo.environment.merging(command.environment) { $1 }.map { "\($0.key)=\($0.value)" })
        defer { environment?.free() }

        return try ChildProcesses.shared.launch {
            var pid = pid_t()
            let status = posix_spawn(&pid, path, &fileActions, &attributes, arguments.pointer, environment?.pointer ?? environ)
            guard status == 0 else { throw LaunchFailure(executable: command.executable, reason: String(cString: strerror(status))) }
            return pid
        }
    }

    /// Reads both pipes as data arrives, in this thread, until both reach end of file; each read
    /// goes to the sink at once. Closes both descriptors.
    private static func drain(_ output: Int32, _ errors: Int32, to sink: OutputSink) {
        var polled = [pollfd(fd: output, events: Int16(POLLIN), revents: 0), pollfd(fd: errors, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while polled.contains(where: { $0.fd >= 0 }) {
            if poll(&polled, nfds_t(polled.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for index in polled.indices where polled[index].fd >= 0 && polled[index].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(polled[index].fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    sink.write(Array(buffer[0..<count]), isError: index == 1)
                } else if count == 0 || errno != EINTR {
                    close(polled[index].fd)
                    polled[index].fd = -1  // poll skips negative descriptors
                }
            }
        }
        for entry in polled where entry.fd >= 0 { close(entry.fd) }
    }

    /// A close-on-exec pipe whose ends are above 2, so the dup2 onto 0-2 cannot overwrite one of them.
    /// (`pipe2` is hidden like the file actions; no child of this runner or of `Process` inherits the
    /// ends in the instant before they are moved, since both close every descriptor above 2.)
    static func pipe(_ command: Command) throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard Glibc.pipe(&ends) == 0 else {
            throw LaunchFailure(executable: command.executable, reason: "cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        for index in 0..<2 {
            let moved = fcntl(ends[index], F_DUPFD_CLOEXEC, 3)
            close(ends[index])
            ends[index] = moved
        }
        guard ends[0] >= 0, ends[1] >= 0 else {
            for end in ends where end >= 0 { close(end) }
            throw LaunchFailure(executable: command.executable, reason: "cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        return (ends[0], ends[1])
    }

    private static func fill(_ descriptor: Int32, with bytes: [UInt8], command: Command) throws {
        // F_GETPIPE_SZ and F_SETPIPE_SZ (Linux; not exported to Swift).
        let getSize: Int32 = 1032, setSize: Int32 = 1031
        if bytes.count > fcntl(descriptor, getSize) {
            guard bytes.count <= maximumInput, fcntl(descriptor, setSize, Int32(bytes.count)) >= bytes.count else {
                throw LaunchFailure(executable: command.executable, reason: "its standard input is over \(maximumInput) bytes")
            }
        }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw LaunchFailure(
                    executable: command.executable, reason: "cannot write its standard input: \(String(cString: strerror(errno)))")
            }
            written += count
        }
    }
}

/// The two glibc file actions that `<spawn.h>` hides without `_GNU_SOURCE`.
struct SpawnActions: @unchecked Sendable {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    var addChdir: AddChdir
    var addClosefrom: AddClosefrom

    static let available: SpawnActions? = {
        guard let chdir = dlsym(nil, "posix_spawn_file_actions_addchdir_np"),
            let closefrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
        else { return nil }
        return SpawnActions(
            addChdir: unsafeBitCast(chdir, to: AddChdir.self), addClosefrom: unsafeBitCast(closefrom, to: AddClosefrom.self))
    }()
}

/// A NULL-terminated array of C strings (`argv`, `envp`), freed by `free()`.
struct CStrings {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointer = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { pointer[index] = strdup(string) }
        pointer[strings.count] = nil
    }

    func free() {
        for index in 0..<count { Glibc.free(pointer[index]) }
        pointer.deallocate()
    }
}

/// The child between its start and its reaping. The timeout's kill and the wait share a lock, and
/// the child is reaped only after it is marked finished: a kill can never reach a process that
/// reused its ID.
final class RunningChild: @unchecked Sendable {
    private let pid: pid_t
    private let lock = NSLock()
    private var finished = false
    private var killed = false

    init(_ pid: pid_t) { self.pid = pid }

    /// Kills the child's whole group (a grandchild holding the pipes open included) unless it ended.
    func killIfRunning() {
        lock.withLock {
            guard !finished else { return }
            killed = true
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
    }

    var timedOut: Bool { lock.withLock { killed } }

    /// Waits for the child to end, then reaps it and returns its wait status.
    func wait() -> Int32 {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
        lock.withLock { finished = true }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }
}
