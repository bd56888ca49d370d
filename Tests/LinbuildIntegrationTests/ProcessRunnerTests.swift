import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildProcess
@testable import LinbuildSupport

/// The real process runners, against real programs: each test runs once per runner, so the
/// `posix_spawn` runner keeps every guarantee of the `Process` one.
enum Runner: String, CaseIterable, ProcessRunning, CustomTestStringConvertible {
    case foundation, spawn

    var real: ProcessRunning {
        switch self {
        case .foundation: FoundationProcessRunner()
        case .spawn: SpawnProcessRunner()
        }
    }

    func capture(_ command: Command, timeout: Double?, limit: Int) throws -> CapturedOutput {
        try real.capture(command, timeout: timeout, limit: limit)
    }

    func stream(_ command: Command, to sink: OutputSink) throws -> Termination { try real.stream(command, to: sink) }

    var testDescription: String { rawValue }
}

@Suite(.timeLimit(.minutes(5))) struct ProcessRunnerTests {
    @Test(arguments: Runner.allCases) func childSeesOverriddenAndInheritedEnvironment(_ runner: Runner) throws {
        // Not PATH: sh gives itself a default PATH when it inherits none.
        let shellDefined: Set = ["PATH", "PWD", "OLDPWD", "SHLVL", "_", "IFS", "PS1", "PS2", "PS4", "OPTIND"]
        let environment = ProcessInfo.processInfo.environment
        let inherited = try #require(
            environment.keys.sorted().first { name in
                !shellDefined.contains(name) && !(environment[name] ?? "").isEmpty
                    && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            })
        let output = try runner.capture(
            Command(
                "/bin/sh", ["-c", "printf '%s|%s' \"$LINBUILD_TEST_VALUE\" \"$\(inherited)\""],
                environment: ["LINBUILD_TEST_VALUE": "seen by the child"]))
        #expect(output.termination == .exited(0))
        #expect(output.stdoutText == "seen by the child|" + (environment[inherited] ?? ""))
    }

    @Test(arguments: Runner.allCases) func standardInputReachesTheChildAndIsClosed(_ runner: Runner) throws {
        let output = try runner.capture(Command("/bin/cat", [], standardInput: "registry.example.com"))
        #expect(output.stdoutText == "registry.example.com")
    }

    @Test(arguments: Runner.allCases) func outputFarBeyondThePipeBufferNeitherDeadlocksNorOverflowsTheLimit(_ runner: Runner) throws {
        // 8 MB on each stream: waiting before draining would hang at 64 KB
        let output = try runner.capture(
            Command("/bin/sh", ["-c", "head -c 8000000 /dev/zero; head -c 8000000 /dev/zero >&2"]),
            timeout: 60, limit: 1_000_000)
        #expect(output.termination == .exited(0))
        #expect(output.stdout.count == 1_000_000)
        #expect(output.stderr.count == 1_000_000)
    }

    @Test(arguments: Runner.allCases) func streamedOutputArrivesWholeAndInOrder(_ runner: Runner) throws {
        final class Collector: OutputSink, @unchecked Sendable {
            let lock = NSLock()
            var bytes: [UInt8] = []
            func write(_ chunk: [UInt8], isError: Bool) { lock.withLock { bytes += chunk } }
        }
        let collector = Collector()
        let termination = try runner.stream(Command("/bin/sh", ["-c", "seq 1 100000"]), to: collector)
        #expect(termination == .exited(0))
        let lines = String(decoding: collector.bytes, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 100_000)
        #expect(lines.first == "1" && lines.last == "100000")
    }

    @Test(arguments: Runner.allCases) func exitStatusAndSignalAreResultsNotErrors(_ runner: Runner) throws {
        #expect(try runner.capture(Command("/bin/sh", ["-c", "exit 3"])).termination == .exited(3))
        #expect(try runner.capture(Command("/bin/sh", ["-c", "kill -TERM $$"])).termination == .signaled(15))
    }

    /// Children start from Dispatch threads in tests and in the executor's helpers; whichever
    /// thread starts them, they must not block the signals linbuild forwards.
    @Test(arguments: Runner.allCases) func childStartsWithNoBlockedSignalsFromAnyThread(_ runner: Runner) throws {
        final class Lines: @unchecked Sendable {
            let lock = NSLock()
            var values: [String] = []
        }
        let lines = Lines()
        let group = DispatchGroup()
        for _ in 0..<8 {
            DispatchQueue.global().async(group: group) {
                let line = (try? runner.capture(Command("/bin/sh", ["-c", "grep SigBlk /proc/self/status"])).stdoutText) ?? "failed"
                lines.lock.withLock { lines.values.append(line) }
            }
        }
        group.wait()
        #expect(lines.values.count == 8)
        for line in lines.values { #expect(line.hasSuffix("0000000000000000\n"), "\(line)") }
    }

    @Test(arguments: Runner.allCases) func timeoutKillsTheWholeProcessGroup(_ runner: Runner) throws {
        // Seconds no other process sleeps for: the command line marks this test's processes.
        let marker = "sleep \(Int.random(in: 100_000...999_999))"
        let started = Date()
        // A grandchild that would keep the pipes open: the group kill must reach it too.
        let output = try runner.capture(Command("/bin/sh", ["-c", "\(marker) & \(marker)"]), timeout: 1)
        #expect(output.termination == .timedOut)
        #expect(Date().timeIntervalSince(started) < 10)
        let listing = try runner.capture(Command("/bin/sh", ["-c", "ps -eo args | grep -cx '\(marker)' || true"]))
        #expect(listing.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test(arguments: Runner.allCases) func missingProgramIsALaunchFailure(_ runner: Runner) {
        #expect(throws: LaunchFailure.self) { try runner.capture(Command("linbuild-no-such-program", [])) }
        #expect(throws: LaunchFailure.self) { try runner.capture(Command("/nonexistent/program", [])) }
    }

    @Test(arguments: Runner.allCases) func childRunsInTheWorkingDirectoryGiven(_ runner: Runner) throws {
        let scratch = try Scratch("workdir")
        defer { scratch.remove() }
        let output = try runner.capture(Command("/bin/sh", ["-c", "pwd -P"], workingDirectory: scratch.path))
        #expect(output.stdoutText == URL(fileURLWithPath: scratch.path).resolvingSymlinksInPath().path + "\n")
    }

    /// A library may open a descriptor without close-on-exec (FileHandle does, Foundation 5409);
    /// a child must get 0, 1 and 2 only, and standard input is /dev/null unless text is given.
    @Test(arguments: Runner.allCases) func childInheritsOnlyTheStandardDescriptors(_ runner: Runner) throws {
        let leaked = open("/dev/null", O_RDONLY)
        #expect(leaked > 2)
        defer { close(leaked) }
        let output = try runner.capture(
            Command("/bin/sh", ["-c", "[ -e /proc/$$/fd/\(leaked) ] && echo inherited || echo closed; readlink /proc/$$/fd/0"]))
        #expect(output.stdoutText == "closed\n/dev/null\n")
    }

    /// During a build linbuild ignores SIGINT and SIGTERM (it forwards them); a child that inherited
    /// SIG_IGN would ignore the forwarded signal too. SIGUSR2 stands in for them here, so the test
    /// process keeps its own Ctrl-C. `Process` passes ignored signals on, so this is the spawn
    /// runner's guarantee only.
    @Test func spawnedChildStartsWithEverySignalAtItsDefault() throws {
        let previous = signal(SIGUSR2, SIG_IGN)
        defer { signal(SIGUSR2, previous) }
        let output = try SpawnProcessRunner().capture(Command("/bin/grep", ["SigIgn", "/proc/self/status"]))
        let ignored = UInt64(
            output.stdoutText.split(separator: "\t").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "", radix: 16)
        // Signals 1-31 (bit N-1 is signal N); glibc's posix_spawn itself ignores its internal 32 and 33.
        #expect(ignored.map { $0 & 0x7fff_ffff } == 0, "\(output.stdoutText)")
    }

    /// Standard input is written into its pipe before the child starts: the pipe is grown for text
    /// beyond its 64 KiB, and text over `maximumInput` is refused rather than left to block linbuild.
    @Test func spawnStandardInputBeyondThePipeBufferArrivesWholeAndTooMuchIsRefused() throws {
        let text = String(repeating: "registry.example.com\n", count: 10_000)
        let output = try SpawnProcessRunner().capture(Command("/bin/cat", [], standardInput: text), timeout: 10)
        #expect(output.stdoutText == text)
        let tooMuch = String(repeating: "x", count: SpawnProcessRunner.maximumInput + 1)
        #expect(throws: LaunchFailure.self) { try SpawnProcessRunner().capture(Command("/bin/cat", [], standardInput: tooMuch)) }
    }

    /// The timeout bounds the call even when the child has exited and a grandchild it left behind
    /// holds the output pipe open (`Process` stops watching once its child is gone, and would wait
    /// for the grandchild's end of file).
    @Test func spawnTimeoutAlsoEndsAGrandchildLeftHoldingThePipe() throws {
        let marker = "sleep \(Int.random(in: 100_000...999_999))"
        let started = Date()
        let output = try SpawnProcessRunner().capture(Command("/bin/sh", ["-c", "\(marker) & exit 0"]), timeout: 1)
        #expect(output.termination == .timedOut)
        #expect(Date().timeIntervalSince(started) < 10)
        let listing = try SpawnProcessRunner().capture(Command("/bin/sh", ["-c", "ps -eo args | grep -cx '\(marker)' || true"]))
        #expect(listing.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    /// A session keeps one child for every exchange (what `git cat-file --batch-command` needs),
    /// ends at its timeout, and reports a child that died: a write to it fails, it never raises
    /// SIGPIPE in linbuild.
    @Test func aSessionKeepsOneChildEndsAtItsTimeoutAndSurvivesAChildThatDied() throws {
        func line(_ bytes: [UInt8]) -> Int? { bytes.firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } }
        // GIVEN a child that prints its process ID once, then echoes each line
        let session = try SpawnProcessRunner().session(Command("/bin/sh", ["-c", "echo $$; exec cat"]), timeout: 5)
        let pid = String(decoding: try session.exchange([], answered: line), as: UTF8.self)
        // WHEN it is asked three times, THEN the same child answers each (cat took over its process)
        for word in ["one", "two", "three"] {
            #expect(try session.exchange(Array("\(word)\n".utf8), answered: line) == Array("\(word)\n".utf8))
        }
        #expect(kill(Int32(pid.trimmingCharacters(in: .whitespacesAndNewlines))!, 0) == 0)
        session.close()

        // A child that never answers is killed at the timeout
        let silent = try SpawnProcessRunner().session(Command("/bin/sleep", ["30"]), timeout: 1)
        let started = Date()
        #expect(throws: SessionEnded.self) { try silent.exchange(Array("x\n".utf8), answered: line) }
        #expect(Date().timeIntervalSince(started) < 10)

        // A child that stopped reading: the write fails (no SIGPIPE: this test goes on), and the
        // error says how it ended (killed, if it had not exited yet)
        let dead = try SpawnProcessRunner().session(Command("/bin/sh", ["-c", "exec 0<&-; echo gone >&2; exit 3"]), timeout: 5)
        do {
            _ = try dead.exchange(Array(String(repeating: "x", count: 1 << 20).utf8), answered: line)
            Issue.record("a child that read nothing answered")
        } catch let ended as SessionEnded {
            #expect([.exited(3), .signaled(9)].contains(ended.output.termination), "\(ended.output.termination)")
        }
    }
}
