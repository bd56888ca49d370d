import Foundation
import LinbuildSupport

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

/// Answers a registry's 401 challenge (a bearer token from its realm, or Basic with the
/// engine's login) and remembers the answer per registry and scope, so one run asks the token
/// service once per repository.
final class RegistryAuthenticator: @unchecked Sendable {
    private let transport: HTTPTransport
    private let timeout: Double
    private let credentials: @Sendable (String) -> RegistryCredentials?
    private let lock = NSLock()
    private var answers: [String: String] = [:]

    init(transport: HTTPTransport, timeout: Double, credentials: @escaping @Sendable (String) -> RegistryCredentials?) {
        self.transport = transport
        self.timeout = timeout
        self.credentials = credentials
    }

    /// The `Authorization` value that worked before for this registry and scope.
    func cached(registry: String, scope: String) -> String? { lock.withLock { answers[registry + " " + scope] } }

    /// The `Authorization` value answering `challenge`, or nil when there is none to give (Basic
    /// without a login, an unknown scheme): the 401 then stands as the answer.
    func answer(_ challenge: AuthChallenge, registry: String, scope: String) throws -> String? {
        let login = credentials(registry)
        let authorization: String
        switch challenge.scheme {
        case "bearer": authorization = "Bearer " + (try token(challenge: challenge, scope: scope, login: login))
        case "basic":
            guard let login else { return nil }
            authorization = "Basic " + login.basic
        default: return nil
        }
        lock.withLock { answers[registry + " " + scope] = authorization }
        return authorization
    }

    private func token(challenge: AuthChallenge, scope: String, login: RegistryCredentials?) throws -> String {
        guard let realm = challenge.parameters["realm"], var components = URLComponents(string: realm) else {
            throw RegistryError("the registry's auth challenge has no realm")
        }
        var query = components.queryItems ?? []
        if let service = challenge.parameters["service"] { query.append(URLQueryItem(name: "service", value: service)) }
        query.append(URLQueryItem(name: "scope", value: challenge.parameters["scope"] ?? scope))
        components.queryItems = query
        guard let url = components.url?.absoluteString, url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw RegistryError("the registry's auth realm is not an http(s) URL")
        }
        var headers = [(name: "Accept", value: "application/json"), (name: "User-Agent", value: "linbuild/\(LinbuildVersion.current)")]
        if let login { headers.append((name: "Authorization", value: "Basic " + login.basic)) }
        let response: HTTPResponse
        do {
            response = try transport.send(HTTPRequest(method: "GET", url: url, headers: headers, timeout: timeout))
        } catch {
            throw RegistryError("\(error)")
        }
        guard response.status == 200, let answer = try? JSONDecoder().decode(TokenAnswer.self, from: Data(response.body)),
            let token = answer.token ?? answer.accessToken
        else {
            throw RegistryError("the registry's token service refused (HTTP \(response.status)); run 'docker login'")
        }
        return token
    }
}
