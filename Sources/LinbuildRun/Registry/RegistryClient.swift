import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
import LinbuildSupport
import LinbuildModel
#endif

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
    /// The labels in the image config for the platform given (`linux/amd64`), or nil when the tag
    /// is absent; throws when the registry cannot be asked. The `GET` of the manifest that leads
    /// to the config also answers whether the tag is there, so a decision costs no extra `HEAD`.
    func labels(of reference: ImageReference, platform: String) throws -> [String: String]?
    /// The same, with the tag's manifest digest and the platform its config names.
    func image(of reference: ImageReference, platform: String) throws -> RegistryImage?
}

extension RegistryChecking {
    public func image(of reference: ImageReference, platform: String) throws -> RegistryImage? {
        try labels(of: reference, platform: platform).map { RegistryImage(labels: $0, digest: nil, platform: platform) }
    }
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
/// Hub's pull limit), a bearer token or Basic credentials when the registry asks for them.
public final class RegistryClient: RegistryChecking, @unchecked Sendable {
    /// All four manifest types: leave the OCI index out and a registry may call an image that
    /// BuildKit pushed (an index, because of provenance) unknown.
    public static let manifestTypes = [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]

    private let credentials: @Sendable (String) -> RegistryCredentials?
    private let timeout: Double
    private let lock = NSLock()
    private var tokens: [String: String] = [:]
    /// One session for every request of the run, so they share connections (and TLS handshakes).
    private let session: URLSession
    private let challenges = ChallengeAnswers()

    public init(timeout: Double = 10, credentials: @escaping @Sendable (String) -> RegistryCredentials?) {
        self.timeout = timeout
        self.credentials = credentials
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout * 2
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        session = URLSession(configuration: configuration, delegate: challenges, delegateQueue: nil)
    }

    deinit { session.finishTasksAndInvalidate() }

    public func manifest(of reference: ImageReference) -> RegistryAnswer {
        do {
            let response = try send("HEAD", path: "/v2/\(reference.name)/manifests/\(reference.tag)", reference: reference, accept: Self.manifestTypes)
            return Self.answer(response, from: reference.registry)
        } catch {
            return .unknown("\(error)")
        }
    }

    private static func answer(_ response: Response, from registry: String) -> RegistryAnswer {
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

    public func labels(of reference: ImageReference, platform: String) throws -> [String: String]? {
        try image(of: reference, platform: platform)?.labels
    }

    public func image(of reference: ImageReference, platform: String) throws -> RegistryImage? {
        let path = "/v2/\(reference.name)/manifests/\(reference.tag)"
        let response = try send("GET", path: path, reference: reference, accept: Self.manifestTypes)
        let tagDigest: String?
        switch Self.answer(response, from: reference.registry) {
        case .absent: return nil
        case .unknown(let why): throw RegistryError(why)
        case .present(let digest): tagDigest = digest
        }
        var manifest = try Self.object(response, path: path, from: reference.registry)
        if case .array(let entries)? = manifest["manifests"] {
            let wanted = platform.split(separator: "/").map(String.init)
            let chosen = entries.first { entry in
                guard case .object(let fields) = entry, case .object(let platformFields)? = fields.first(where: { $0.key == "platform" })?.value else { return false }
                let os = platformFields.first { $0.key == "os" }?.value, arch = platformFields.first { $0.key == "architecture" }?.value
                return os == .string(wanted.first ?? "") && arch == .string(wanted.dropFirst().first ?? "")
            }
            guard case .object(let fields)? = chosen, case .string(let digest)? = fields.first(where: { $0.key == "digest" })?.value else {
                throw RegistryError("\(reference.registry)/\(reference.name):\(reference.tag) has no \(platform) image")
            }
            manifest = try json("/v2/\(reference.name)/manifests/\(digest)", reference: reference, accept: Self.manifestTypes)
        }
        guard case .object(let config)? = manifest["config"], case .string(let digest)? = config.first(where: { $0.key == "digest" })?.value else {
            throw RegistryError("the manifest of \(reference.name):\(reference.tag) has no config")
        }
        let blob = try json("/v2/\(reference.name)/blobs/\(digest)", reference: reference, accept: ["*/*"])
        func field(_ name: String) -> String? { if case .string(let text)? = blob[name] { text } else { nil } }
        let found = [field("os"), field("architecture"), field("variant")].compactMap { $0 }.joined(separator: "/")
        var result: [String: String] = [:]
        if case .object(let containerConfig)? = blob["config"],
           case .object(let labels)? = containerConfig.first(where: { $0.key == "Labels" })?.value {
            for label in labels { if case .string(let value) = label.value { result[label.key] = value } }
        }
        return RegistryImage(labels: result, digest: tagDigest, platform: found.isEmpty ? platform : found)
    }

    private func json(_ path: String, reference: ImageReference, accept: [String]) throws -> [String: JSONValue] {
        let response = try send("GET", path: path, reference: reference, accept: accept)
        guard response.status == 200 else { throw RegistryError("\(reference.registry) answered HTTP \(response.status) for \(path)") }
        return try Self.object(response, path: path, from: reference.registry)
    }

    private static func object(_ response: Response, path: String, from registry: String) throws -> [String: JSONValue] {
        guard let value = try? JSONParser.parse(Array(response.body)), case .object(let members) = value else {
            throw RegistryError("\(registry) sent something that is not JSON for \(path)")
        }
        return Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    struct Response {
        var status: Int
        var headers: [String: String]
        var body: Data
        var usedBasicLogin = false
        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    /// One request, answering a 401 challenge once (token or Basic) and retrying.
    private func send(_ method: String, path: String, reference: ImageReference, accept: [String]) throws -> Response {
        let base = "\(reference.scheme)://\(reference.apiHost)"
        let scope = "repository:\(reference.name):pull"
        let cached = lock.withLock { tokens[reference.registry + " " + scope] }
        let login = credentials(reference.registry)
        var response = try perform(method, url: base + path, accept: accept, authorization: cached, basicLogin: login)
        if response.status == 0 {
            throw RegistryError(Self.refused(reference.registry, status: 401))
        }
        if response.usedBasicLogin, let login {
            lock.withLock { tokens[reference.registry + " " + scope] = "Basic " + login.basic }
        }
        if response.status == 401, let challenge = response.header("WWW-Authenticate").map(AuthChallenge.init) {
            let authorization: String
            switch challenge.scheme {
            case "bearer":
                authorization = "Bearer " + (try token(challenge: challenge, scope: scope, login: login))
                lock.withLock { tokens[reference.registry + " " + scope] = authorization }
            case "basic":
                guard let login else { return response }
                authorization = "Basic " + login.basic
                lock.withLock { tokens[reference.registry + " " + scope] = authorization }
            default:
                return response
            }
            response = try perform(method, url: base + path, accept: accept, authorization: authorization, basicLogin: nil)
        }
        return response
    }

    private func token(challenge: AuthChallenge, scope: String, login: RegistryCredentials?) throws -> String {
        guard let realm = challenge.parameters["realm"], var components = URLComponents(string: realm) else {
            throw RegistryError("the registry's auth challenge has no realm")
        }
        var query = components.queryItems ?? []
        if let service = challenge.parameters["service"] { query.append(URLQueryItem(name: "service", value: service)) }
        query.append(URLQueryItem(name: "scope", value: challenge.parameters["scope"] ?? scope))
        components.queryItems = query
        guard let url = components.url?.absoluteString else { throw RegistryError("the registry's auth realm is not a URL") }
        let response = try perform("GET", url: url, accept: ["application/json"], authorization: login.map { "Basic " + $0.basic }, basicLogin: nil)
        guard response.status == 200, let value = try? JSONParser.parse(Array(response.body)), case .object(let fields) = value,
              case .string(let token)? = fields.first(where: { $0.key == "token" || $0.key == "access_token" })?.value else {
            throw RegistryError("the registry's token service refused (HTTP \(response.status)); run 'docker login'")
        }
        return token
    }

    /// One HTTP exchange. Foundation on Linux answers Basic challenges itself and, without a
    /// delegate, never returns (swift-corelibs-foundation): the session's delegate gives it this
    /// request's credentials once, or refuses, which comes back as status 0.
    private func perform(_ method: String, url: String, accept: [String], authorization: String?,
                         basicLogin: RegistryCredentials?) throws -> Response {
        guard let target = URL(string: url) else { throw RegistryError("not a URL: \(url)") }
        var request = URLRequest(url: target, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = method
        request.setValue(accept.joined(separator: ", "), forHTTPHeaderField: "Accept")
        request.setValue("linbuild/\(LinbuildVersion.current)", forHTTPHeaderField: "User-Agent")
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }

        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        let task = session.dataTask(with: request) { data, response, error in
            box.set(data: data, response: response as? HTTPURLResponse, error: error)
            done.signal()
        }
        challenges.expect(task.taskIdentifier, login: basicLogin)
        defer { challenges.forget(task.taskIdentifier) }
        task.resume()
        // URLSession's own timeout is per idle interval; this bound holds even against a peer
        // that trickles bytes.
        if done.wait(timeout: .now() + timeout * 2) == .timedOut {
            task.cancel()
            throw RegistryError("\(target.host ?? url) did not answer within \(Int(timeout)) s")
        }
        let (data, http, error) = box.get()
        let challenge = challenges.outcome(task.taskIdentifier)
        if challenge.refused { return Response(status: 0, headers: [:], body: Data()) }
        if let error {
            let host = (target.host ?? url) + (target.port.map { ":\($0)" } ?? "")
            switch (error as? URLError)?.code {
            case .timedOut?: throw RegistryError("\(host) did not answer within \(Int(timeout)) s")
            case .cannotConnectToHost?: throw RegistryError("cannot reach \(host): connection refused")
            case .cannotFindHost?, .dnsLookupFailed?: throw RegistryError("cannot reach \(host): unknown host")
            case .notConnectedToInternet?, .networkConnectionLost?: throw RegistryError("cannot reach \(host): no network")
            case .secureConnectionFailed?, .serverCertificateUntrusted?, .serverCertificateHasBadDate?:
                throw RegistryError("cannot reach \(host): TLS failed (\(error.localizedDescription))")
            default: throw RegistryError("cannot reach \(host): \(error.localizedDescription)")
            }
        }
        guard let http else { throw RegistryError("no HTTP answer from \(target.host ?? url)") }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers["\(key)"] = "\(value)" }
        return Response(status: http.statusCode, headers: headers, body: data ?? Data(), usedBasicLogin: challenge.answered)
    }
}

/// Answers each request's Basic or Digest challenge once with the credentials it was started with;
/// refuses otherwise (a second challenge means they were wrong).
private final class ChallengeAnswers: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    struct Outcome { var answered = false, refused = false }
    private let lock = NSLock()
    private var logins: [Int: RegistryCredentials] = [:]
    private var outcomes: [Int: Outcome] = [:]

    func expect(_ task: Int, login: RegistryCredentials?) {
        lock.withLock {
            logins[task] = login
            outcomes[task] = Outcome()
        }
    }

    func outcome(_ task: Int) -> Outcome { lock.withLock { outcomes[task] ?? Outcome() } }

    func forget(_ task: Int) {
        lock.withLock {
            logins[task] = nil
            outcomes[task] = nil
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
                    completionHandler: @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
        let login: RegistryCredentials? = lock.withLock {
            let login = challenge.previousFailureCount == 0 ? logins[task.taskIdentifier] : nil
            // Only tasks still awaited have an entry: one that timed out and was forgotten gets none back.
            if login == nil {
                outcomes[task.taskIdentifier]?.refused = true
            } else {
                outcomes[task.taskIdentifier]?.answered = true
            }
            return login
        }
        if let login {
            completionHandler(.useCredential, URLCredential(user: login.username, password: login.password, persistence: .none))
        } else {
            completionHandler(.cancelAuthenticationChallenge, nil)
        }
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    private var response: HTTPURLResponse?
    private var error: Error?
    func set(data: Data?, response: HTTPURLResponse?, error: Error?) {
        lock.withLock { (self.data, self.response, self.error) = (data, response, error) }
    }
    func get() -> (Data?, HTTPURLResponse?, Error?) { lock.withLock { (data, response, error) } }
}

public struct RegistryError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`.
struct AuthChallenge: Equatable {
    var scheme: String
    var parameters: [String: String]

    init(_ header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        let space = trimmed.firstIndex(of: " ") ?? trimmed.endIndex
        scheme = trimmed[..<space].lowercased()
        parameters = [:]
        var rest = trimmed[space...].drop { $0 == " " }
        while let equals = rest.firstIndex(of: "=") {
            let key = rest[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: " ,")).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let character = rest.first, character != "\"" {
                    if character == "\\", let next = rest.dropFirst().first { value.append(next); rest = rest.dropFirst(2); continue }
                    value.append(character)
                    rest = rest.dropFirst()
                }
                rest = rest.dropFirst()
            } else {
                value = String(rest.prefix { $0 != "," })
                rest = rest.dropFirst(value.count)
            }
            parameters[key] = value
            rest = rest.drop { $0 == "," || $0 == " " }
        }
    }
}
