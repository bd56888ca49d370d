import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildRun

/// The registry client's parts: challenge parsing, the Codable distribution types, the
/// authentication flow over a recording transport (libcurl itself: CurlTransportTests).
@Suite struct RegistryClientTests {
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

}
