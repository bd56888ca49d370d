/// One HTTP exchange, as the registry and package-index clients need it: no cookies, no cache,
/// redirects followed (registries send blobs from elsewhere), a bound on the whole exchange.
public struct HTTPRequest: Equatable, Sendable {
    public var method: String
    public var url: String
    /// Sent as given; `Authorization` is not forwarded to another host on a redirect.
    public var headers: [(name: String, value: String)]
    /// Seconds for the whole exchange, connection included.
    public var timeout: Double

    public init(method: String, url: String, headers: [(name: String, value: String)], timeout: Double) {
        self.method = method
        self.url = url
        self.headers = headers
        self.timeout = timeout
    }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.timeout == rhs.timeout
            && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }
}

/// The final answer (after redirects): status, headers (names lowercased) and body.
public struct HTTPResponse: Equatable, Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Why an exchange got no HTTP answer, in words a user can act on.
public struct HTTPTransportError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Sends requests. The real one is `CurlTransport`; tests may answer from a table.
public protocol HTTPTransport: Sendable {
    /// Returns any HTTP status as an answer; throws `HTTPTransportError` only when there is none
    /// (refused, unknown host, timeout, TLS, libcurl missing).
    func send(_ request: HTTPRequest) throws -> HTTPResponse
}
