import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildRun

/// The libcurl transport against loopback servers: what it returns, how it names errors, that a
/// hung request holds no other, and that libcurl is loaded only when HTTP is used.
@Suite(.timeLimit(.minutes(5))) struct CurlTransportTests {
    @Test func aMissingLibcurlIsOneLineSayingToInstallIt() {
        let transport = CurlTransport(library: "libcurl-linbuild-absent.so.4")
        #expect(
            throws: HTTPTransportError(
                "libcurl-linbuild-absent.so.4 is not installed, and linbuild needs it to talk to registries and package indexes: install libcurl4 (apt-get install libcurl4)"
            )
        ) {
            try transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:1/", headers: [], timeout: 1))
        }
    }

    @Test func curlErrorsAreNamed() throws {
        // The silent one first: a stopped FakeRegistry's accept thread may still hold its
        // listener's descriptor number, and would take (and close) a later listener's connections.
        let silent = try FakeRegistry(.silent)
        defer { silent.stop() }
        let closed = try ClosedPort()
        defer { closed.release() }
        let port = closed.port
        #expect(throws: HTTPTransportError("cannot reach 127.0.0.1:\(port): connection refused")) {
            try CurlTransport().send(HTTPRequest(method: "HEAD", url: "http://127.0.0.1:\(port)/v2/", headers: [], timeout: 5))
        }
        #expect(throws: HTTPTransportError("127.0.0.1:\(silent.port) did not answer within 1 s")) {
            try CurlTransport().send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(silent.port)/v2/", headers: [], timeout: 0.5))
        }
        #expect(
            CurlTransport.message(code: 6, detail: "", url: "https://nowhere.invalid/x", timeout: 1, overLimit: false)
                == "cannot reach nowhere.invalid: unknown host")
        #expect(
            CurlTransport.message(code: 60, detail: "SSL certificate problem", url: "https://h:1/x", timeout: 1, overLimit: false)
                == "cannot reach h:1: TLS failed (SSL certificate problem)")
    }

    @Test func curlReturnsStatusHeadersAndBodyAndIsLoadedOnlyThen() throws {
        let registry = try FakeRegistry(
            .serving { method, path in
                (status: 207, headers: ["X-Seen": "\(method) \(path)"], body: "hello")
            })
        defer { registry.stop() }
        let response = try CurlTransport().send(
            HTTPRequest(method: "GET", url: "http://\(registry.address)/v2/x", headers: [("Accept", "a/b")], timeout: 5))
        #expect(response.status == 207)
        #expect(response.header("x-seen") == "GET /v2/x")
        #expect(response.body == Array("hello".utf8))
        let head = try CurlTransport().send(HTTPRequest(method: "HEAD", url: "http://\(registry.address)/v2/y", headers: [], timeout: 5))
        #expect(head.header("X-Seen") == "HEAD /v2/y" && head.body.isEmpty)
        // /proc files report size 0: read to end of file, not by size.
        let maps = String(decoding: try #require(FileHandle(forReadingAtPath: "/proc/self/maps")).readDataToEndOfFile(), as: UTF8.self)
        #expect(maps.contains("/libcurl.so.4"), "\(maps.split(separator: "\n").filter { $0.contains("curl") })")
    }

    /// Preflight asks every question at once on one transport: a hung host must not hold the others.
    @Test func aHungRequestDoesNotHoldAnotherOnTheSameTransport() throws {
        let silent = try FakeRegistry(.silent)
        defer { silent.stop() }
        let serving = try FakeRegistry(.serving { _, _ in (status: 200, headers: [:], body: "ok") })
        defer { serving.stop() }
        let transport = CurlTransport()
        // Ends when `silent` stops (its connections are shut down) at the latest.
        Thread { _ = try? transport.send(HTTPRequest(method: "GET", url: "http://\(silent.address)/", headers: [], timeout: 5)) }.start()
        while silent.requests == 0 { usleep(1000) }  // the hung request is in flight
        let started = Date()
        let answer = try transport.send(HTTPRequest(method: "GET", url: "http://\(serving.address)/", headers: [], timeout: 5))
        #expect(answer.status == 200 && answer.body == Array("ok".utf8))
        #expect(Date().timeIntervalSince(started) < 4, "the second request waited for the hung one")
    }

    /// The binary itself: nothing loads libcurl (or FoundationNetworking) until HTTP is used.
    @Test(arguments: [["--version"], ["--help"], ["--dry-run", "--source", "REPO", "--presets", "PRESETS"]])
    func theBinaryDoesNotLoadLibcurlToStart(arguments: [String]) throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("linbuild-curl-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let repo = scratch + "/repo"
        _ = try Git.repository(at: repo)
        let arguments = arguments.map { $0 == "REPO" ? repo : $0 == "PRESETS" ? Repository.presets : $0 }
        let run = try Run.command(Run.linbuild, arguments, environment: ["LD_DEBUG": "files", "NO_COLOR": "1"], directory: scratch)
        #expect(run.status == 0, "\(run.stderr.suffix(400))")
        #expect(run.stderr.contains("file=libc.so.6"), "LD_DEBUG=files did not report: the check would prove nothing")
        #expect(!run.stderr.contains("libcurl"))
        #expect(!run.stderr.contains("FoundationNetworking"))
    }
}
