import LinbuildSupport

/// A `registry/name:tag` reference split the way Docker does: the first component is a
/// registry host when Docker reads it as one (`RegistryHost.isReadAsHost`); otherwise the image
/// is on Docker Hub.
public struct ImageReference: Equatable, Sendable {
    public var registry: String
    public var name: String
    /// What the manifests endpoint is asked for: the tag, or the digest when the reference pins one
    /// (`ubuntu:22.04@sha256:…` is asked by its digest, as the engines pull it).
    public var tag: String

    public static let dockerHub = "docker.io"

    public init?(_ reference: String) {
        var named = Substring(reference)
        var digest: String?
        if let at = reference.firstIndex(of: "@") {
            digest = String(reference[reference.index(after: at)...])
            named = reference[..<at]
        }
        let path: Substring
        if let colon = named.lastIndex(of: ":"), !named[colon...].contains("/") {
            tag = digest ?? String(named[named.index(after: colon)...])
            path = named[..<colon]
        } else {
            guard let digest else { return nil }
            tag = digest
            path = named
        }
        let components = path.split(separator: "/", maxSplits: 1)
        if components.count == 2, RegistryHost.isReadAsHost(String(components[0])) {
            registry = String(components[0])
            name = String(components[1])
        } else {
            registry = Self.dockerHub
            name = path.contains("/") ? String(path) : "library/" + path
        }
        guard !name.isEmpty, !tag.isEmpty else { return nil }
    }

    /// Docker Hub's API lives on another host than its name.
    public var apiHost: String { registry == Self.dockerHub ? "registry-1.docker.io" : registry }

    /// Plain HTTP only on loopback, as the Docker daemon itself allows by default.
    public var scheme: String {
        let host = registry.hasPrefix("[") ? String(registry.prefix { $0 != "]" }.dropFirst()) : String(registry.prefix { $0 != ":" })
        return host == "localhost" || host.hasPrefix("127.") || host == "::1" ? "http" : "https"
    }
}
