import Foundation
import LinbuildModel
import LinbuildSupport

/// An image in the engine's local store: what the base decision needs to know of it.
public struct LocalImage: Equatable, Sendable {
    public var id: String
    public var labels: [String: String]
    /// `os/architecture[/variant]`.
    public var platform: String
}

extension EngineProbe {
    /// The local image `reference`, or nil when the store does not have it. One `image inspect`
    /// answers labels, ID and platform (docker and podman both give `Os` and `Architecture`).
    public func localImage(_ reference: String) throws -> LocalImage? {
        guard let output = try inspect(reference, format: "{{json .}}") else { return nil }
        // docker prints the object; podman 4 ignores `{{json .}}` and prints its usual array.
        let data = Data(output.utf8), decoder = JSONDecoder()
        guard
            let image = (try? decoder.decode(InspectedImage.self, from: data))
                ?? (try? decoder.decode([InspectedImage].self, from: data))?.first
        else {
            throw LinbuildError.engineUnavailable("cannot read what the engine says about \(reference)")
        }
        let platform = [image.os, image.architecture, image.variant].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "/")
        return LocalImage(id: image.id ?? "", labels: image.config?.labels ?? [:], platform: platform)
    }
}

/// The fields of `image inspect --format '{{json .}}'` the base decision reads (others are ignored).
private struct InspectedImage: Decodable {
    struct Config: Decodable {
        var labels: [String: String]?
        private enum CodingKeys: String, CodingKey { case labels = "Labels" }
    }
    var id: String?
    var os: String?
    var architecture: String?
    var variant: String?
    var config: Config?
    private enum CodingKeys: String, CodingKey {
        case id = "Id"
        case os = "Os"
        case architecture = "Architecture"
        case variant = "Variant"
        case config = "Config"
    }
}

extension BaseInputs {
    /// What differs in a copy with `labels` built for `platform` (`os/architecture[/variant]`);
    /// another platform is all there is to say about it. Empty when the copy has these inputs.
    func changes(comparedTo labels: [String: String], platform: String) -> [String] {
        ImagePlatform.matches(self.platform, found: platform) ? changes(comparedTo: labels) : ["the platform (\(platform))"]
    }
}

extension ImagePlatform {
    /// `found` (`linux/arm64/v8`) is the platform asked for (`linux/arm64`).
    public static func matches(_ wanted: String, found: String) -> Bool {
        let fields = found.split(separator: "/").map(String.init)
        guard fields.count >= 2 else { return false }
        return matches(wanted, os: fields[0], architecture: fields[1], variant: fields.count > 2 ? fields[2] : nil)
    }
}

/// Where a base with the right inputs was found, and what was found that was not right.
public struct BaseFinding: Equatable, Sendable {
    public var decision: BaseDecision
    /// The local image that has the right inputs (cached locally), or that `--skip-base` uses.
    public var localID: String?
    /// What to pull (in registry): the immutable tag, or the readable tag's manifest by digest.
    public var pull: String?
    /// A copy that was found with other inputs, in words: `the local copy (CUDA_ARCH_LIST changed)`.
    public var stale: String?

    /// The line the user reads.
    public var reason: String {
        switch decision {
        case .cachedLocally, .inRegistry:
            guard let stale else { return decision.reason }
            let used = decision == .cachedLocally ? "the local one" : "the registry's"
            return decision.reason + "; \(stale) is stale, \(used) is used"
        default:
            return decision.reason
        }
    }

    /// Looks for a base with `inputs` under the immutable tag, then the readable one: locally
    /// first (no network), then in the registry. A copy with other inputs or for another platform
    /// does not end the search: a stale local copy falls through to the registry.
    public static func find(
        inputs: BaseInputs, references: [String], local: (String) throws -> LocalImage?,
        registry: (String) throws -> RegistryImage?
    ) throws -> BaseFinding {
        var staleLocal: [String]?, staleRemote: [String]?
        for reference in references {
            guard let image = try local(reference) else { continue }
            let changes = inputs.changes(comparedTo: image.labels, platform: image.platform)
            if changes.isEmpty {
                return BaseFinding(decision: .cachedLocally, localID: image.id)
            }
            staleLocal = staleLocal ?? changes
        }
        for reference in references {
            guard let image = try registry(reference) else { continue }
            let changes = inputs.changes(comparedTo: image.labels, platform: image.platform)
            if changes.isEmpty {
                let pull = image.digest.map { Self.repository(of: reference) + "@" + $0 } ?? reference
                return BaseFinding(
                    decision: .inRegistry, pull: pull,
                    stale: staleLocal.map { "the local copy (\($0.joined(separator: ", ")) changed)" })
            }
            staleRemote = staleRemote ?? changes
        }
        if let staleLocal { return BaseFinding(decision: .rebuild(changed: staleLocal, foundIn: "locally")) }
        if let staleRemote { return BaseFinding(decision: .rebuild(changed: staleRemote, foundIn: "in the registry")) }
        return BaseFinding(decision: .missing)
    }

    /// `host/ns/image:tag` → `host/ns/image` (a port's colon comes before the last slash).
    static func repository(of reference: String) -> String {
        guard let colon = reference.lastIndex(of: ":"), !reference[colon...].contains("/") else { return reference }
        return String(reference[..<colon])
    }
}
