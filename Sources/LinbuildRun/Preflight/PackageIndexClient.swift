import Foundation
import LinbuildModel
import LinbuildSupport

/// One file a project page lists: its name, and the sha256 the index gives for it (PEP 691's
/// `hashes`, or PEP 503's `#sha256=` URL fragment), if any.
public struct IndexFile: Equatable, Sendable {
    public var name: String
    public var sha256: String?
}

/// What a package index said about one project, with each file's hash.
public enum IndexPage: Equatable, Sendable {
    case files([IndexFile])
    case noProject
    case unknown(String)
}

/// What a package index said about one project.
public enum IndexAnswer: Equatable, Sendable {
    /// The names of the files the project page lists.
    case files([String])
    /// The index has no such project (404).
    case noProject
    case unknown(String)
}

/// Reads project pages of a simple package index: PEP 691 JSON when the index offers it, else
/// PEP 503 HTML (download.pytorch.org serves only HTML). One transport for every request, so
/// pages of one host share a connection.
public final class PackageIndexClient: Sendable {
    public static let accept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
    private let timeout: Double
    private let transport: HTTPTransport

    public init(timeout: Double, transport: HTTPTransport = CurlTransport()) {
        self.timeout = timeout
        self.transport = transport
    }

    /// `index` is the simple root (`https://pypi.org/simple`); `project` any spelling of the name.
    public func files(of project: String, at index: String) -> IndexAnswer {
        switch page(of: project, at: index) {
        case .files(let files): .files(files.map(\.name))
        case .noProject: .noProject
        case .unknown(let why): .unknown(why)
        }
    }

    /// The project page's files with their hashes: what a lock pins.
    public func page(of project: String, at index: String) -> IndexPage {
        let root = index.hasSuffix("/") ? String(index.dropLast()) : index
        let page = "\(root)/\(DistributionFile.normalise(project))/"
        guard let url = URLComponents(string: page), url.scheme == "http" || url.scheme == "https" else {
            return .unknown("\(page) is not an http(s) URL")
        }
        let host = (url.host ?? page) + (url.port.map { ":\($0)" } ?? "")
        let response: HTTPResponse
        do {
            response = try transport.send(
                HTTPRequest(
                    method: "GET", url: page,
                    headers: [
                        (name: "Accept", value: Self.accept), (name: "User-Agent", value: "linbuild/\(LinbuildVersion.current)"),
                    ], timeout: timeout))
        } catch {
            return .unknown("\(error)")
        }
        switch response.status {
        case 200: break
        case 404, 410: return .noProject
        case 401, 403: return .unknown("\(host) refused access (HTTP \(response.status))")
        default: return .unknown("\(host) answered HTTP \(response.status)")
        }
        let type = (response.header("Content-Type") ?? "").lowercased()
        let body = response.body
        if type.contains("json") || (type.isEmpty && body.first == UInt8(ascii: "{")) {
            guard let files = Self.filesFromJSON(body) else { return .unknown("\(host) sent malformed JSON for \(url.path)") }
            return .files(files)
        }
        return .files(Self.filesFromHTML(String(decoding: body, as: UTF8.self)))
    }

    /// PEP 691: `{"files": [{"filename": "…", "hashes": {"sha256": "…"}}, …]}`.
    static func filesFromJSON(_ bytes: [UInt8]) -> [IndexFile]? {
        struct Page: Decodable {
            struct File: Decodable {
                var filename: String
                var hashes: [String: String]?
            }
            var files: [File]
        }
        return (try? JSONDecoder().decode(Page.self, from: Data(bytes)))?.files.map {
            IndexFile(name: $0.filename, sha256: $0.hashes?["sha256"].flatMap(Self.sha256))
        }
    }

    /// 64 hex digits, lowercased; nil for anything else.
    static func sha256(_ text: String) -> String? {
        let lower = text.lowercased()
        return lower.count == 64 && lower.allSatisfy(\.isHexDigit) ? lower : nil
    }

    /// PEP 503: one `<a href="…/name#sha256=…">name</a>` per file; the name is the last path
    /// component of the link (percent-decoded: `torch-2.7.1%2Bcu126-…`), the hash its fragment.
    static func filesFromHTML(_ html: String) -> [IndexFile] {
        var names: [IndexFile] = []
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
                let fragment = link.firstIndex(of: "#").map { link[link.index(after: $0)...] } ?? ""
                let hash = fragment.hasPrefix("sha256=") ? sha256(String(fragment.dropFirst(7))) : nil
                if let last = path.split(separator: "/").last {
                    let name = String(last).replacingOccurrences(of: "&amp;", with: "&")
                    names.append(IndexFile(name: name.removingPercentEncoding ?? name, sha256: hash))
                }
            }
            rest = rest[close...]
        }
        return names
    }
}
