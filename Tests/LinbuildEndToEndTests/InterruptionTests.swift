import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// Ctrl-C and SIGTERM during a long base build.
    @Suite struct Interruptions {
        /// A base stage that announces itself, then sleeps for a value no other process uses.
        static func sleepingDockerfile(_ marker: Int) -> String {
            FixtureProject.dockerfileText.replacingOccurrences(
                of: "RUN echo \"torch", with: "RUN echo long-step-started && sleep \(marker)\nRUN echo \"torch")
        }

        @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
        func signalDuringBaseBuildStopsTheChildAndCleansUp(signal: Int32, expectedStatus: Int32) throws {
            let marker = Int.random(in: 100_000...999_999)
            let project = try FixtureProject(EndToEnd.environment, dockerfile: Self.sleepingDockerfile(marker))
            defer { project.remove() }
            var signalledAt = Date()

            // WHEN the signal arrives while the base build's long step runs
            let run = try project.linbuild(["--progress", "plain"]) { process in
                waitForLog(in: project.logs, containing: "long-step-started")
                signalledAt = Date()
                kill(process.processIdentifier, signal)
            }

            // THEN linbuild exits with the signal's code within seconds
            #expect(run.status == expectedStatus, "\(run.output)")
            #expect(Date().timeIntervalSince(signalledAt) < 15)
            #expect(run.errorLines.count == 1)
            // and nothing of the run is left: no docker client, no build step, no work folder, no tag
            #expect(waitUntilGone("sleep \(marker)"))
            #expect(processes(matching: project.namespace).isEmpty)
            #expect(try project.leftovers() == [])
            #expect(try project.imageID(project.baseReference()) == nil)
        }

        @Test func secondCtrlCLeavesNoProcessAndKeepsTheOldTag() throws {
            // GIVEN a base built once, whose rebuild will be interrupted
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            #expect(try project.linbuild([]).status == 0)
            let before = try #require(try project.imageID(project.baseReference()))
            let marker = Int.random(in: 100_000...999_999)
            try Self.sleepingDockerfile(marker).write(toFile: project.dockerfile, atomically: false, encoding: .utf8)

            // WHEN Ctrl-C comes twice during the rebuild
            let run = try project.linbuild(["--progress", "plain"]) { process in
                waitForLog(in: project.logs, containing: "long-step-started")
                kill(process.processIdentifier, SIGINT)
                kill(process.processIdentifier, SIGINT)
            }

            // THEN it exits 130, nothing of the run survives, and the tag still names the old base
            #expect(run.status == 130, "\(run.output)")
            #expect(waitUntilGone("sleep \(marker)"))
            #expect(processes(matching: project.namespace).isEmpty)
            #expect(try project.leftovers() == [])
            #expect(try project.imageID(project.baseReference()) == before)
        }
    }
}

/// Polls the run's step logs until one contains `text` (the build has reached the long step);
/// records an issue if none does in time, since a signal sent then would prove nothing.
func waitForLog(in directory: String, containing text: String, timeout: Double = 120) {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let files = (try? FileManager.default.subpathsOfDirectory(atPath: directory)) ?? []
        for file in files where file.hasSuffix(".log") {
            if let log = try? String(contentsOfFile: directory + "/" + file, encoding: .utf8), log.contains(text) { return }
        }
        usleep(50_000)
    }
    Issue.record("no step log under \(directory) showed '\(text)' within \(Int(timeout)) s")
}

/// Command lines of live processes that contain `text` (zombies excluded: they hold no command line).
func processes(matching text: String) -> [String] {
    let me = getpid()
    return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
        guard let pid = Int32(entry), pid != me,
            let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"), !data.isEmpty
        else { return nil }
        let line = String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
        return line.contains(text) ? line : nil
    }
}

/// True once no process matches `text`; the engine tears containers down asynchronously.
func waitUntilGone(_ text: String, timeout: Double = 20) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if processes(matching: text).isEmpty { return true }
        usleep(100_000)
    }
    return false
}
