import Foundation

/// `HTTPTransport` over libcurl, loaded on the first request (`CurlLibrary`). Easy handles are
/// kept and reused, so that requests to one host share a connection and TLS session; requests
/// from several threads (preflight asks every question at once) each get a handle of their own.
public final class CurlTransport: HTTPTransport, @unchecked Sendable {
    /// Larger answers are refused rather than held: manifests and configs are kilobytes, the
    /// largest package-index page (torch on download.pytorch.org) a few megabytes.
    public static let bodyLimit = 128 << 20

    private let library: () -> Result<CurlLibrary, HTTPTransportError>
    private let lock = NSLock()
    /// Handles not in use; a request takes one (or makes one) and gives it back.
    private var idle: [CurlLibrary.Handle] = []
    private var loaded: CurlLibrary?

    public convenience init() { self.init(library: CurlLibrary.soname) }

    /// `library` other than libcurl's soname is for tests of a machine without it.
    public init(library name: String) {
        library = name == CurlLibrary.soname ? { CurlLibrary.system } : { CurlLibrary.load(name) }
    }

    deinit {
        if let loaded { idle.forEach(loaded.cleanup) }
    }

    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        let curl = try library().get()
        let reused: CurlLibrary.Handle? = lock.withLock {
            loaded = curl
            return idle.popLast()
        }
        guard let handle = reused ?? curl.initHandle() else {
            throw HTTPTransportError("libcurl could not start a request (curl_easy_init failed)")
        }
        defer { lock.withLock { idle.append(handle) } }
        curl.reset(handle)
        return try exchange(request, curl: curl, handle: handle)
    }

    private func exchange(_ request: HTTPRequest, curl: CurlLibrary, handle: CurlLibrary.Handle) throws -> HTTPResponse {
        let sink = Sink()
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        var headerList: OpaquePointer?
        for header in request.headers { headerList = curl.slistAppend(headerList, "\(header.name): \(header.value)") }
        defer { curl.slistFreeAll(headerList) }
        var errorBuffer = [CChar](repeating: 0, count: CurlOption.errorSize)

        let code: Int32 = withExtendedLifetime(sink) {
            request.url.withCString { url in
                request.method.withCString { method in
                    errorBuffer.withUnsafeMutableBufferPointer { errors in
                        _ = curl.setPointer(handle, CurlOption.url, url)
                        _ = curl.setPointer(handle, CurlOption.errorBuffer, errors.baseAddress)
                        switch request.method {
                        case "HEAD": _ = curl.setLong(handle, CurlOption.noBody, 1)
                        case "GET": _ = curl.setLong(handle, CurlOption.httpGet, 1)
                        default: _ = curl.setPointer(handle, CurlOption.customRequest, method)
                        }
                        _ = curl.setPointer(handle, CurlOption.httpHeader, UnsafeRawPointer(headerList))
                        // Registries send blobs from a storage host; Authorization is not
                        // forwarded there (libcurl keeps custom auth headers to the first host).
                        _ = curl.setLong(handle, CurlOption.followLocation, 1)
                        _ = curl.setLong(handle, CurlOption.maxRedirects, 10)
                        _ = curl.setLong(handle, CurlOption.protocols, CurlOption.httpAndHTTPS)
                        _ = curl.setLong(handle, CurlOption.redirectProtocols, CurlOption.httpAndHTTPS)
                        // No SIGALRM for name lookups: linbuild has threads and its own signal handling.
                        _ = curl.setLong(handle, CurlOption.noSignal, 1)
                        _ = curl.setLong(handle, CurlOption.timeoutMilliseconds, max(1, Int(request.timeout * 1000)))
                        _ = curl.setCallback(
                            handle, CurlOption.writeFunction,
                            { data, size, count, context in
                                Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue().body(data, size * count)
                            })
                        _ = curl.setPointer(handle, CurlOption.writeData, sinkPointer)
                        _ = curl.setCallback(
                            handle, CurlOption.headerFunction,
                            { data, size, count, context in
                                Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue().header(data, size * count)
                            })
                        _ = curl.setPointer(handle, CurlOption.headerData, sinkPointer)
                        return curl.perform(handle)
                    }
                }
            }
        }
        // The handle outlives this call: leave it no pointer into this frame.
        _ = curl.setPointer(handle, CurlOption.errorBuffer, nil)
        _ = curl.setPointer(handle, CurlOption.httpHeader, nil)
        guard code == 0 else {
            var osError = 0
            _ = curl.getLong(handle, CurlOption.osErrno, &osError)
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw HTTPTransportError(
                Self.message(
                    code: code, detail: detail.isEmpty ? curl.strerror(code).map { String(cString: $0) } ?? "" : detail,
                    url: request.url, timeout: request.timeout, overLimit: sink.overLimit, osError: Int32(osError)))
        }
        var status = 0
        _ = curl.getLong(handle, CurlOption.responseCode, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.bytes)
    }

    /// A CURLcode as the one line a user reads (numbers from curl/curl.h).
    static func message(code: Int32, detail: String, url: String, timeout: Double, overLimit: Bool, osError: Int32 = 0) -> String {
        let components = URLComponents(string: url)
        let host = (components?.host ?? url) + (components?.port.map { ":\($0)" } ?? "")
        switch code {
        case 3: return "not a URL: \(url)"
        case 6: return "cannot reach \(host): unknown host"
        case 7 where osError == ECONNREFUSED: return "cannot reach \(host): connection refused"
        case 7 where osError == EHOSTUNREACH || osError == ENETUNREACH: return "cannot reach \(host): no route to the host"
        case 23 where overLimit: return "\(host) sent more than \(bodyLimit >> 20) MiB for \(components?.path ?? url)"
        case 28: return "\(host) did not answer within \(Int(timeout.rounded(.up))) s"
        case 35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91:
            return "cannot reach \(host): TLS failed (\(detail))"
        case 47: return "\(host) redirected too many times"
        case 52: return "\(host) closed the connection without answering"
        case 55, 56: return "cannot reach \(host): connection lost (\(detail))"
        default: return "cannot reach \(host): \(detail) (libcurl error \(code))"
        }
    }
}

/// Collects one answer's headers and body from libcurl's callbacks.
private final class Sink {
    var bytes: [UInt8] = []
    var headers: [String: String] = [:]
    var overLimit = false

    func body(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let data, count > 0 else { return 0 }
        guard bytes.count + count <= CurlTransport.bodyLimit else { overLimit = true; return 0 }
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: count))
        return count
    }

    /// One header line per call; a status line starts the headers of a new answer (after a
    /// redirect or a `100 Continue`), so only the last answer's headers are kept.
    func header(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let data else { return 0 }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headers = [:]
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return count
    }
}
