import Foundation
import LinbuildSupport

/// The credentials of an http(s) git URL, handed to git as an `Authorization` header for that
/// origin only (`http.<scheme://host:port>/.extraHeader`, through `GIT_CONFIG_*` in its
/// environment), with the URL to use without them. Left in the URL, a lone token makes git ask
/// for a password (it cannot, and fails) as soon as a `~/.netrc` names the host; a header is
/// sent as given, the way docker/Dockerfile gives FA3_GIT's credentials to its clone.
public struct GitAuthorization: Equatable, Sendable {
    /// The URL without its credentials.
    public var url: String
    /// `GIT_CONFIG_COUNT`, `GIT_CONFIG_KEY_0`, `GIT_CONFIG_VALUE_0` (git 2.31 and later).
    public var environment: [String: String]

    /// Nil when `url` is not http(s) or carries no credentials.
    public init?(url: String) {
        guard let info = Redaction.userInfo(of: url), let separator = url.range(of: "://") else { return nil }
        let scheme = url[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let stripped = Redaction.stripped(url)
        let rest = stripped[separator.upperBound...]
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        // A lone token is the user with an empty password, as curl and uv send it.
        var credentials = String(info).removingPercentEncoding ?? String(info)
        if !String(info).contains(":") { credentials += ":" }
        self.url = stripped
        environment = [
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "http.\(scheme)://\(host)/.extraHeader",
            "GIT_CONFIG_VALUE_0": "Authorization: Basic " + Data(credentials.utf8).base64EncodedString(),
        ]
    }
}
