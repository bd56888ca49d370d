import Foundation
import LinbuildTestSupport
import Testing

@testable import LinbuildModel
@testable import LinbuildRun

/// The registry client's parts: challenge parsing, the Codable distribution types, the
/// authentication flow over a recording transport, and libcurl loaded only when HTTP is used.
@Suite struct RegistryTransportTests {
    // MARK: challenges

    @Test func challengesWithQuotedCommasEscapesAndBareValuesAreRead() {
        let bearer = AuthChallenge(
            #"BEARER realm="https://auth.example/token?x=1",service=registry.example,scope="repository:a/b:pull,push""#)
        #expect(bearer.scheme == "bearer")
        #expect(
            bearer.parameters == [
                "realm": "https://auth.example/token?x=1", "service": "registry.example", "scope": "repository:a/b:pull,push",
            ])
        let escaped = AuthChallenge(#"Basic realm="say \"hi\", then go""#)
        #expect(escaped.scheme == "basic")
        #expect(escaped.parameters == ["realm": #"say "hi", then go"#])
        #expect(AuthChallenge("Basic").parameters.isEmpty)
        #expect(AuthChallenge(#"Bearer  Realm="r" , Service="s""#).parameters == ["realm": "r", "service": "s"])
    }

    // MARK: Codable types

    @Test func anIndexPicksThePlatformsManifestAndSkipsAttestations() throws {
        let json = #"""
            {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
              {"digest": "sha256:att", "platform": {"os": "unknown", "architecture": "unknown"}},
              {"digest": "sha256:nop", "size": 1},
              {"digest": "sha256:arm", "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
              {"digest": "sha256:amd", "platform": {"os": "linux", "architecture": "amd64"}, "annotations": {"a": "b"}}]}
            """#
        guard case .index(let index) = try JSONDecoder().decode(ManifestDocument.self, from: Data(json.utf8)) else {
            Issue.record("an index was read as a manifest"); return
        }
        #expect(index.entry(for: "linux/amd64")?.digest == "sha256:amd")
        #expect(index.entry(for: "linux/arm64")?.digest == "sha256:arm")
        #expect(index.entry(for: "linux/s390x") == nil)
        #expect(index.manifests[2].platform?.variant == "v8")
    }

    @Test func aManifestNamesItsConfigAndAConfigItsPlatformAndLabels() throws {
        let manifest = #"{"schemaVersion": 2, "config": {"mediaType": "x", "digest": "sha256:cfg", "size": 3}, "layers": []}"#
        #expect(
            try JSONDecoder().decode(ManifestDocument.self, from: Data(manifest.utf8))
                == .manifest(ImageManifest(config: .init(digest: "sha256:cfg"))))
        let config =
            #"{"os": "linux", "architecture": "arm", "variant": "v7", "config": {"Env": ["A=1"], "Labels": {"k": "v", "inputs": "abc"}}}"#
        let decoded = try JSONDecoder().decode(ImageConfig.self, from: Data(config.utf8))
        #expect(decoded.platform == "linux/arm/v7")
        #expect(decoded.config?.labels == ["k": "v", "inputs": "abc"])
        let bare = try JSONDecoder().decode(ImageConfig.self, from: Data(#"{"config": {"Labels": null}}"#.utf8))
        #expect(bare.platform == nil && bare.config?.labels == nil)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ManifestDocument.self, from: Data(#"{"layers": []}"#.utf8)) }
        #expect(try JSONDecoder().decode(TokenAnswer.self, from: Data(#"{"access_token": "t"}"#.utf8)).accessToken == "t")
    }

    // MARK: authentication over a recording transport

    /// Answers from a function and records each request.
    final class Recording: HTTPTransport, @unchecked Sendable {
        let answer: @Sendable (HTTPRequest) -> HTTPResponse
        private let lock = NSLock()
        private var seen: [HTTPRequest] = []
        var requests: [HTTPRequest] { lock.withLock { seen } }
        init(_ answer: @escaping @Sendable (HTTPRequest) -> HTTPResponse) { self.answer = answer }
        func send(_ request: HTTPRequest) throws -> HTTPResponse {
            lock.withLock { seen.append(request) }
            return answer(request)
        }
    }

    static func authorization(_ request: HTTPRequest) -> String? { request.headers.first { $0.name == "Authorization" }?.value }

    @Test func aBearerChallengeIsAnsweredWithATokenFetchedOnceWithTheLogin() throws {
        let login = RegistryCredentials(username: "u", password: "p")
        let transport = Recording { request in
            if request.url.hasPrefix("http://auth.test/token") {
                let good = Self.authorization(request) == "Basic " + login.basic
                return HTTPResponse(status: good ? 200 : 401, headers: [:], body: Array(#"{"token": "T0K"}"#.utf8))
            }
            guard Self.authorization(request) == "Bearer T0K" else {
                return HTTPResponse(
                    status: 401, headers: ["www-authenticate": #"Bearer realm="http://auth.test/token",service="reg""#], body: [])
            }
            return HTTPResponse(status: 200, headers: ["Docker-Content-Digest": "sha256:d"], body: [])
        }
        let client = RegistryClient(timeout: 3, transport: transport) { $0 == "reg.test:5000" ? login : nil }
        let reference = try #require(ImageReference("reg.test:5000/ns/base:tag"))
        #expect(client.manifest(of: reference) == .present(digest: "sha256:d"))
        #expect(client.manifest(of: reference) == .present(digest: "sha256:d"))
        let tokenRequests = transport.requests.filter { $0.url.hasPrefix("http://auth.test/") }
        #expect(tokenRequests.count == 1)
        #expect(tokenRequests.first?.url == "http://auth.test/token?service=reg&scope=repository:ns/base:pull")
        #expect(transport.requests.map(\.method) == ["HEAD", "GET", "HEAD", "HEAD"])
        #expect(
            transport.requests.first?.headers.first { $0.name == "Accept" }?.value == RegistryClient.manifestTypes.joined(separator: ", "))
        #expect(transport.requests.allSatisfy { $0.timeout == 3 })
    }

    @Test func aBasicChallengeIsAnsweredOnlyWithALogin() throws {
        let login = RegistryCredentials(username: "u", password: "p")
        let transport = Recording { request in
            Self.authorization(request) == "Basic " + login.basic
                ? HTTPResponse(status: 404, headers: [:], body: [])
                : HTTPResponse(status: 401, headers: ["WWW-Authenticate": #"Basic realm="r""#], body: [])
        }
        let reference = try #require(ImageReference("reg.test:5000/ns/base:tag"))
        #expect(RegistryClient(transport: transport) { _ in login }.manifest(of: reference) == .absent)
        #expect(
            RegistryClient(transport: transport) { _ in nil }.manifest(of: reference)
                == .unknown(RegistryClient.refused("reg.test:5000", status: 401)))
    }

    @Test func anIndexLeadsToThePlatformsConfigLabels() throws {
        let transport = Recording { request in
            let path = URLComponents(string: request.url)?.path ?? ""
            let body =
                switch path {
                case "/v2/ns/base/manifests/tag":
                    #"{"manifests": [{"digest": "sha256:arm", "platform": {"os": "linux", "architecture": "arm64"}}]}"#
                case "/v2/ns/base/manifests/sha256:arm": #"{"config": {"digest": "sha256:cfg"}}"#
                case "/v2/ns/base/blobs/sha256:cfg": #"{"os": "linux", "architecture": "arm64", "config": {"Labels": {"inputs": "x"}}}"#
                default: ""
                }
            return HTTPResponse(status: body.isEmpty ? 404 : 200, headers: ["docker-content-digest": "sha256:idx"], body: Array(body.utf8))
        }
        let client = RegistryClient(transport: transport) { _ in nil }
        let reference = try #require(ImageReference("reg.test:5000/ns/base:tag"))
        #expect(
            try client.image(of: reference, platform: "linux/arm64")
                == RegistryImage(labels: ["inputs": "x"], digest: "sha256:idx", platform: "linux/arm64"))
        #expect(throws: RegistryError.self) { try client.image(of: reference, platform: "linux/amd64") }
        #expect(try client.image(of: #require(ImageReference("reg.test:5000/ns/other:tag")), platform: "linux/arm64") == nil)
    }

    // MARK: libcurl

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
        let port = try FakeRegistry.closedPort()
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
