import Foundation
import LinbuildModel
import LinbuildSupport

/// What a registry said about a tag. `unknown` is never read as absent: a registry that could not
/// be asked must not make linbuild rebuild (or skip pushing) a 40 GB base.
public enum RegistryAnswer: Equatable, Sendable {
    case present(digest: String?)
    case absent
    case unknown(String)
}

/// Asks a registry about images with the distribution API.
public protocol RegistryChecking: Sendable {
    /// Whether the tag is there: one `HEAD`, which Docker Hub does not count as a pull.
    func manifest(of reference: ImageReference) -> RegistryAnswer
    /// The labels in the image config for the platform given (`linux/amd64`), with the tag's
    /// manifest digest and the platform its config names, or nil when the tag is absent; throws
    /// when the registry cannot be asked. The `GET` of the manifest that leads to the config also
    /// answers whether the tag is there, so a decision costs no extra `HEAD`.
    func image(of reference: ImageReference, platform: String) throws -> RegistryImage?
}

/// What a registry holds under a tag for one platform.
public struct RegistryImage: Equatable, Sendable {
    public var labels: [String: String]
    /// The tag's manifest (or index) digest, to pull exactly what was looked at.
    public var digest: String?
    /// `os/architecture[/variant]` from the image config; another platform than the one asked
    /// means the tag holds another platform's image.
    public var platform: String
}

/// The distribution HTTP API: `HEAD` for presence (one round trip; not counted against Docker
/// Hub's pull limit), `GET` of the manifest, index and config for the labels. HTTP goes through
/// an `HTTPTransport` (libcurl, loaded on the first request), and 401 challenges through
/// `RegistryAuthenticator`.
public final class RegistryClient: RegistryChecking, Sendable {
    /// All four manifest types: leave the OCI index out and a registry may call an image that
    /// BuildKit pushed (an index, because of provenance) unknown.
    public static let manifestTypes = [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]

    private let timeout: Double
    private let transport: HTTPTransport
    private let authenticator: RegistryAuthenticator

    public init(
        timeout: Double = 10, transport: HTTPTransport = CurlTransport(),
        credentials: @escaping @Sendable (String) -> RegistryCredentials?
    ) {
        self.timeout = timeout
        self.transport = transport
        authenticator = RegistryAuthenticator(transport: transport, timeout: timeout, credentials: credentials)
    }

    public func manifest(of reference: ImageReference) -> RegistryAnswer {
        do {
            let response = try send(
                "HEAD", path: "/v2/\(reference.name)/manifests/\(reference.tag)", reference: reference, accept: Self.manifestTypes)
            return Self.answer(response, from: reference.registry)
        } catch {
            return .unknown("\(error)")
        }
    }

    static func answer(_ response: HTTPResponse, from registry: String) -> RegistryAnswer {
        switch response.status {
        case 200: .present(digest: response.header("Docker-Content-Digest"))
        case 404: .absent
        case 401, 403: .unknown(refused(registry, status: response.status))
        case 429: .unknown("\(registry) is rate limiting (HTTP 429); wait, or log in")
        default: .unknown("\(registry) answered HTTP \(response.status)")
        }
    }

    static func refused(_ registry: String, status: Int) -> String {
        "\(registry) refused access (HTTP \(status)); run 'docker login \(registry)'"
    }

    /// What `reference`'s tag holds (GET): the manifest or index, and the digest the registry
    /// names for it. Nil when the tag is absent (404); throws when the registry cannot say.
    func tagManifest(_ reference: ImageReference) throws -> TagManifest? {
        let path = "/v2/\(reference.name)/manifests/\(reference.tag)"
        let response = try send("GET", path: path, reference: reference, accept: Self.manifestTypes)
        switch Self.answer(response, from: reference.registry) {
        case .absent: return nil
        case .unknown(let why): throw RegistryError(why)
        case .present(let digest):
            return TagManifest(
                document: try Self.decode(ManifestDocument.self, response, path: path, from: reference.registry), namedDigest: digest,
                body: response.body)
        }
    }

    public func image(of reference: ImageReference, platform: String) throws -> RegistryImage? {
        guard let held = try tagManifest(reference) else { return nil }
        let manifest: ImageManifest
        switch held.document {
        case .manifest(let found):
            manifest = found
        case .index(let index):
            guard let entry = index.entry(for: platform) else {
                throw RegistryError("\(reference.registry)/\(reference.name):\(reference.tag) has no \(platform) image")
            }
            manifest = try get(
                ImageManifest.self, "/v2/\(reference.name)/manifests/\(entry.digest)", reference: reference, accept: Self.manifestTypes)
        }
        let config = try get(
            ImageConfig.self, "/v2/\(reference.name)/blobs/\(manifest.config.digest)", reference: reference, accept: ["*/*"])
        return RegistryImage(labels: config.config?.labels ?? [:], digest: held.namedDigest, platform: config.platform ?? platform)
    }

    func get<T: Decodable>(_ type: T.Type, _ path: String, reference: ImageReference, accept: [String]) throws -> T {
        let response = try send("GET", path: path, reference: reference, accept: accept)
        guard response.status == 200 else { throw RegistryError("\(reference.registry) answered HTTP \(response.status) for \(path)") }
        return try Self.decode(type, response, path: path, from: reference.registry)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse, path: String, from registry: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(response.body))
        } catch {
            throw RegistryError(
                "\(registry) sent something that is not \(T.self == ImageConfig.self ? "an image config" : "a manifest") for \(path)")
        }
    }

    /// One request, answering a 401 challenge once (token or Basic) and retrying. `actions`: what
    /// a token must allow on the repository (`pull`; `delete` to delete a manifest).
    func send(_ method: String, path: String, reference: ImageReference, accept: [String], actions: String = "pull") throws -> HTTPResponse
    {
        let url = "\(reference.scheme)://\(reference.apiHost)" + path
        let scope = "repository:\(reference.name):\(actions)"
        var response = try perform(
            method, url: url, accept: accept,
            authorization: authenticator.cached(registry: reference.registry, scope: scope))
        if response.status == 401, let challenge = response.header("WWW-Authenticate").map(AuthChallenge.init),
            let authorization = try authenticator.answer(challenge, registry: reference.registry, scope: scope)
        {
            response = try perform(method, url: url, accept: accept, authorization: authorization)
        }
        return response
    }

    private func perform(_ method: String, url: String, accept: [String], authorization: String?) throws -> HTTPResponse {
        var headers = [
            (name: "Accept", value: accept.joined(separator: ", ")), (name: "User-Agent", value: "linbuild/\(LinbuildVersion.current)"),
        ]
        if let authorization { headers.append((name: "Authorization", value: authorization)) }
        do {
            return try transport.send(HTTPRequest(method: method, url: url, headers: headers, timeout: timeout))
        } catch {
            throw RegistryError("\(error)")
        }
    }
}

public struct RegistryError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// A tag's manifest document as the registry sent it.
struct TagManifest {
    var document: ManifestDocument
    /// The `Docker-Content-Digest` the registry sent, if it did.
    var namedDigest: String?
    var body: [UInt8]

    /// The digest the registry named, else the one of the bytes it sent.
    var digest: String { namedDigest ?? "sha256:" + SHA256.hex(body) }
}
