import LinbuildSupport

/// A `registry/name:tag` reference split the way Docker does: the first component is a
/// registry host when Docker reads it as one (`RegistryHost.isReadAsHost`); otherwise the image
/// is on Docker Hub.
public struct ImageReference: Equatable, Sendable {
    public var registry: String
    public var name: String
    public var tag: String

    public static let dockerHub = "docker.io"

    public init?(_ reference: String) {
        guard let colon = reference.lastIndex(of: ":"), !reference[colon...].contains("/") else { return nil }
        tag = String(reference[reference.index(after: colon)...])
        let path = reference[..<colon]
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
