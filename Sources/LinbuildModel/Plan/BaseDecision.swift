/// What to do about one architecture's base image, and why, in words the user reads.
public enum BaseDecision: Equatable, Sendable {
    case cachedLocally
    case inRegistry
    case rebuild(changed: [String], foundIn: String)
    case missing
    case forced
    case skipped

    public var needsBuild: Bool {
        switch self {
        case .rebuild, .missing, .forced: true
        case .cachedLocally, .inRegistry, .skipped: false
        }
    }

    public var reason: String {
        switch self {
        case .cachedLocally: "cached locally"
        case .inRegistry: "in registry"
        case .rebuild(let changed, let place): "rebuilding, \(changed.joined(separator: ", ")) changed (image found \(place))"
        case .missing: "missing"
        case .forced: "rebuilding (--force-base)"
        case .skipped: "not checked (--skip-base)"
        }
    }
}
