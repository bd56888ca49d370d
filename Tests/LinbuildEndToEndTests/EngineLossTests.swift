import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// linbuild killed outright, and an engine that goes away mid-build.
    @Suite struct EngineLoss {
        @Test func sigkillLeavesNoBuildRunningAndTheNextRunRemovesTheWorkFolder() throws {
            let marker = Int.random(in: 100_000...999_999)
            // The step prints a line its own text does not hold (so the log shows it has started),
            // then is silent: the docker client writes nothing that could fail on a closed pipe.
            let quiet = FixtureProject.dockerfileText.replacingOccurrences(
                of: "RUN echo \"torch", with: "RUN echo \"quiet-step-$((40 + 2))\" && sleep \(marker)\nRUN echo \"torch")
            let project = try FixtureProject(EndToEnd.environment, dockerfile: quiet)
            defer {
                killProcesses(matching: project.namespace)
                project.remove()
            }
            // GIVEN folders no dead run owns: a foreign one and one whose owner still runs
            try FileManager.default.createDirectory(atPath: project.temporary + "/linbuild-foreign", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: project.temporary + "/linbuild-alive", withIntermediateDirectories: true)
            try "\(getpid())\n".write(toFile: project.temporary + "/linbuild-alive/.linbuild-owner", atomically: false, encoding: .utf8)

            // WHEN linbuild is killed with SIGKILL during a quiet step of the base build
            let run = try project.linbuild(["--progress", "plain"]) { process in
                waitForLog(in: project.logs, containing: "quiet-step-42")
                kill(process.processIdentifier, SIGKILL)
            }
            #expect(run.status == SIGKILL || run.status == 128 + SIGKILL, "\(run.output)")

            // THEN its docker client dies with it and the engine cancels the build: no step runs on
            #expect(waitUntilGone("sleep \(marker)"), "the build's step outlived linbuild")
            #expect(waitUntilGone(project.namespace), "\(processes(matching: project.namespace))")
            #expect(try project.imageID(project.baseReference()) == nil)
            let left = try project.leftovers().filter { !["linbuild-foreign", "linbuild-alive"].contains($0) }
            #expect(left.count == 1, "\(left)")

            // WHEN the next run comes, THEN it removes the dead run's folder, and only that one
            try FixtureProject.dockerfileText.write(toFile: project.dockerfile, atomically: false, encoding: .utf8)
            let next = try project.linbuild([])
            #expect(next.status == 0, "\(next.output)")
            #expect(try project.leftovers().sorted() == ["linbuild-alive", "linbuild-foreign"])
        }

        @Test func anEngineThatDiesMidBuildIsExit69() throws {
            let marker = Int.random(in: 100_000...999_999)
            let project = try FixtureProject(EndToEnd.environment, dockerfile: Interruptions.sleepingDockerfile(marker))
            defer { project.remove() }
            // GIVEN the engine reached through a socket that can be made to vanish, as a dying daemon's does
            let engineSocket = String(EndToEnd.environment.dockerHost.dropFirst("unix://".count))
            let proxy = try SocketProxy(listen: project.root + "/engine.sock", target: engineSocket)
            defer { proxy.stop() }

            // WHEN the engine goes away while the base builds
            let run = try project.linbuild(["--progress", "plain"], extraEnvironment: ["DOCKER_HOST": "unix://\(proxy.path)"]) { _ in
                waitForLog(in: project.logs, containing: "long-step-started")
                proxy.stop()
            }

            // THEN it is exit 69, one line saying the engine stopped answering, not a build failure
            #expect(run.status == 69, "\(run.output)")
            #expect(run.errorLines.count == 1, "\(run.stderr)")
            #expect(run.errorLines.first?.contains("the engine stopped answering during build base [alpha]") == true, "\(run.stderr)")
            #expect(try project.leftovers() == [])
        }
    }
}

/// A Unix-socket proxy in front of the engine (python3, which the test services need anyway);
/// `stop()` kills it, which drops every connection at once.
final class SocketProxy: @unchecked Sendable {
    let path: String
    private let process = Process()

    static let script = """
        import socket, sys, threading
        server = socket.socket(socket.AF_UNIX)
        server.bind(sys.argv[1])
        server.listen(64)
        def pipe(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    if not data:
                        break
                    b.sendall(data)
            except OSError:
                pass
            try:
                b.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        while True:
            client, _ = server.accept()
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(sys.argv[2])
            threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        """

    init(listen path: String, target: String) throws {
        self.path = path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, path, target]
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: path) && Date() < deadline { usleep(20_000) }
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Kills what a failed test may have orphaned (its docker clients), by process ID.
func killProcesses(matching text: String) {
    let me = getpid()
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = Int32(entry), pid != me, let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
        if String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self).contains(text) { kill(pid, SIGKILL) }
    }
}
