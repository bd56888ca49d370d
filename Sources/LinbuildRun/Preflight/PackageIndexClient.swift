import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
import LinbuildSupport
import LinbuildModel
#endif

/// What a package index said about one project.
public enum IndexAnswer: Equatable, Sendable {
    /// The names of the files the project page lists.
    case files([String])
    /// The index has no such project (404).
    case noProject
    case unknown(String)
}

/// Reads project pages of a simple package index: PEP 691 JSON when the index offers it, else
/// PEP 503 HTML (download.pytorch.org serves only HTML). One session for every request, so
/// pages of one host share a connection.
public final class PackageIndexClient: @unchecked Sendable {
    public static let accept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
    private let timeout: Double
    private let session: URLSession

    public init(timeout: Double) {
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// `index` is the simple root (`https://pypi.org/simple`); `project` any spelling of the name.
    public func files(of project: String, at index: String) -> IndexAnswer {
        let root = index.hasSuffix("/") ? String(index.dropLast()) : index
        let page = "\(root)/\(DistributionFile.normalise(project))/"
        guard let url = URL(string: page), url.scheme == "http" || url.scheme == "https" else {
            return .unknown("\(page) is not an http(s) URL")
        }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.setValue(Self.accept, forHTTPHeaderField: "Accept")
        request.setValue("linbuild/\(LinbuildVersion.current)", forHTTPHeaderField: "User-Agent")
        let done = DispatchSemaphore(value: 0)
        let box = IndexResultBox()
        let task = session.dataTask(with: request) { data, response, error in
            box.set(data, response as? HTTPURLResponse, error)
            done.signal()
        }
        task.resume()
        let host = (url.host ?? page) + (url.port.map { ":\($0)" } ?? "")
        if done.wait(timeout: .now() + timeout) == .timedOut {
            task.cancel()
            return .unknown("\(host) did not answer within \(Int(timeout)) s")
        }
        let (data, http, error) = box.get()
        if let error {
            switch (error as? URLError)?.code {
            case .timedOut?: return .unknown("\(host) did not answer within \(Int(timeout)) s")
            case .cannotConnectToHost?: return .unknown("cannot reach \(host): connection refused")
            case .cannotFindHost?, .dnsLookupFailed?: return .unknown("cannot reach \(host): unknown host")
            case .notConnectedToInternet?, .networkConnectionLost?: return .unknown("cannot reach \(host): no network")
            default: return .unknown("cannot reach \(host): \(error.localizedDescription)")
            }
        }
        guard let http else { return .unknown("no HTTP answer from \(host)") }
        switch http.statusCode {
        case 200: break
        case 404, 410: return .noProject
        case 401, 403: return .unknown("\(host) refused access (HTTP \(http.statusCode))")
        default: return .unknown("\(host) answered HTTP \(http.statusCode)")
        }
        let type = (http.value(forHTTPHeaderField: "Content-Type") ?? "").lowercased()
        let body = Array(data ?? Data())
        if type.contains("json") || (type.isEmpty && body.first == UInt8(ascii: "{")) {
            guard let names = Self.filesFromJSON(body) else { return .unknown("\(host) sent malformed JSON for \(url.path)") }
            return .files(names)
        }
        return .files(Self.filesFromHTML(String(decoding: body, as: UTF8.self)))
    }

    /// PEP 691: `{"files": [{"filename": "…"}, …]}`.
    static func filesFromJSON(_ bytes: [UInt8]) -> [String]? {
        guard let document = try? JSONParser.parse(bytes), case .object(let members) = document,
              case .array(let files)? = members.first(where: { $0.key == "files" })?.value else { return nil }
        var names: [String] = []
        for file in files {
            guard case .object(let fields) = file, case .string(let name)? = fields.first(where: { $0.key == "filename" })?.value else { return nil }
            names.append(name)
        }
        return names
    }

    /// PEP 503: one `<a href="…/name#sha256=…">name</a>` per file; the name is the last path
    /// component of the link (percent-decoded: `torch-2.7.1%2Bcu126-…`).
    static func filesFromHTML(_ html: String) -> [String] {
        var names: [String] = []
        var rest = Substring(html)
        while let open = rest.range(of: "<a ", options: .caseInsensitive) {
            rest = rest[open.upperBound...]
            guard let close = rest.firstIndex(of: ">") else { break }
            let attributes = rest[..<close]
            if let hrefStart = attributes.range(of: "href=", options: .caseInsensitive) {
                var value = attributes[hrefStart.upperBound...]
                let quote = value.first == "\"" || value.first == "'" ? value.first : nil
                if quote != nil { value = value.dropFirst() }
                let link = value.prefix { character in quote.map { character != $0 } ?? (character != " ") }
                let path = link.prefix { $0 != "#" && $0 != "?" }
                if let last = path.split(separator: "/").last {
                    let name = String(last).replacingOccurrences(of: "&amp;", with: "&")
                    names.append(name.removingPercentEncoding ?? name)
                }
            }
            rest = rest[close...]
        }
        return names
    }
}

private final class IndexResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (Data?, HTTPURLResponse?, Error?) = (nil, nil, nil)
    func set(_ data: Data?, _ response: HTTPURLResponse?, _ error: Error?) { lock.withLock { value = (data, response, error) } }
    func get() -> (Data?, HTTPURLResponse?, Error?) { lock.withLock { value } }
}
