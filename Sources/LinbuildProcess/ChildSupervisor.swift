import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Makes a long-running child die with linbuild, even when linbuild is killed with SIGKILL and
/// cannot pass anything on. Foundation `Process` cannot set a parent-death signal, so linbuild
/// starts itself as `linbuild __exec-child PID -- PROGRAM ARGS…`: that process asks the kernel for
/// SIGKILL when its parent dies (`PR_SET_PDEATHSIG`), checks that its parent is still `PID` (it
/// may have died before the request), then replaces itself with the program, which keeps the
/// request. A `docker build` client that dies makes the engine cancel the build.
public enum ChildSupervisor {
    public static let marker = "__exec-child"

    /// The linbuild binary to start children through; nil (no supervision) unless the running
    /// program is linbuild itself, not a test bundle.
    nonisolated(unsafe) public static var executable: String?

    /// Turns `command` (with `path`, its located executable) into the supervised form.
    static func wrap(path: String, arguments: [String]) -> (path: String, arguments: [String]) {
        // A binary replaced during the run (`make install`) cannot supervise: run unsupervised.
        guard let executable, FileManager.default.isExecutableFile(atPath: executable) else { return (path, arguments) }
        return (executable, [marker, String(getpid()), "--", path] + arguments)
    }

    /// The `__exec-child` entry point: never returns.
    public static func execChild(_ arguments: [String]) -> Never {
        guard arguments.count >= 3, let parent = Int32(arguments[0]), arguments[1] == "--" else {
            FileHandle.standardError.write(Data("linbuild: error: \(marker) is internal (usage: \(marker) PID -- PROGRAM ARGS…)\n".utf8))
            exit(64)
        }
        setParentDeathSignal(SIGKILL)
        if getppid() != parent { exit(137) }
        let program = Array(arguments[2...])
        var argv: [UnsafeMutablePointer<CChar>?] = program.map { strdup($0) } + [nil]
        execv(program[0], &argv)
        FileHandle.standardError.write(Data("linbuild: error: cannot run \(program[0]): \(String(cString: strerror(errno)))\n".utf8))
        exit(127)
    }

    /// `prctl(PR_SET_PDEATHSIG, signal)`. Swift does not import C variadic functions, so the
    /// symbol is called through a fixed-argument type, as the Linux ABIs allow for integer arguments.
    static func setParentDeathSignal(_ signal: Int32) {
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "prctl") else { return }
        let prctl = unsafeBitCast(symbol, to: Prctl.self)
        let setDeathSignal: Int32 = 1  // PR_SET_PDEATHSIG
        _ = prctl(setDeathSignal, UInt(signal), 0, 0, 0)
    }
}
