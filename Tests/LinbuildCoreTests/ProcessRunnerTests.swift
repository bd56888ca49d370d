import Foundation
import Testing
@testable import LinbuildCore

/// The real process runner, against real programs.
@Suite struct ProcessRunnerTests {
    let runner = FoundationProcessRunner()

    @Test func childSeesOverriddenAndInheritedEnvironment() throws {
        let output = try runner.capture(Command("/bin/sh", ["-c", "printf '%s|%s' \"$LINBUILD_TEST_VALUE\" \"${PATH:+inherited}\""],
                                                environment: ["LINBUILD_TEST_VALUE": "seen by the child"]))
        #expect(output.termination == .exited(0))
        #expect(output.stdoutText == "seen by the child|inherited")
    }

    @Test func standardInputReachesTheChildAndIsClosed() throws {
        let output = try runner.capture(Command("/bin/cat", [], standardInput: "registry.example.com"))
        #expect(output.stdoutText == "registry.example.com")
    }

    @Test func outputFarBeyondThePipeBufferNeitherDeadlocksNorOverflowsTheLimit() throws {
        // 8 MB on each stream: waiting before draining would hang at 64 KB
        let output = try runner.capture(Command("/bin/sh", ["-c", "head -c 8000000 /dev/zero; head -c 8000000 /dev/zero >&2"]),
                                        timeout: 60, limit: 1_000_000)
        #expect(output.termination == .exited(0))
        #expect(output.stdout.count == 1_000_000)
        #expect(output.stderr.count == 1_000_000)
    }

    @Test func streamedOutputArrivesWholeAndInOrder() throws {
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

    @Test func exitStatusAndSignalAreResultsNotErrors() throws {
        #expect(try runner.capture(Command("/bin/sh", ["-c", "exit 3"])).termination == .exited(3))
        #expect(try runner.capture(Command("/bin/sh", ["-c", "kill -TERM $$"])).termination == .signaled(15))
    }

    /// Children start from Dispatch threads in tests and in the executor's helpers; whichever
    /// thread starts them, they must not block the signals linbuild forwards.
    @Test func childStartsWithNoBlockedSignalsFromAnyThread() throws {
        final class Lines: @unchecked Sendable {
            let lock = NSLock()
            var values: [String] = []
        }
        let lines = Lines()
        let group = DispatchGroup()
        for _ in 0..<8 {
            DispatchQueue.global().async(group: group) {
                let line = (try? FoundationProcessRunner().capture(Command("/bin/sh", ["-c", "grep SigBlk /proc/self/status"])).stdoutText) ?? "failed"
                lines.lock.withLock { lines.values.append(line) }
            }
        }
        group.wait()
        #expect(lines.values.count == 8)
        for line in lines.values { #expect(line.hasSuffix("0000000000000000\n"), "\(line)") }
    }

    @Test func timeoutKillsTheWholeProcessGroup() throws {
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

    @Test func missingProgramIsALaunchFailure() {
        #expect(throws: LaunchFailure.self) { try runner.capture(Command("linbuild-no-such-program", [])) }
        #expect(throws: LaunchFailure.self) { try runner.capture(Command("/nonexistent/program", [])) }
    }
}
