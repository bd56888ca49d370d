import Foundation
import LinbuildModel
import LinbuildSupport

/// Where a base with the right inputs was found, and what was found that was not right.
public struct BaseFinding: Equatable, Sendable {
    public var decision: BaseDecision
    /// The local image that has the right inputs (cached locally), or that `--skip-base` uses.
    public var localID: String?
    /// What to pull (in registry): the immutable tag, or the readable tag's manifest by digest.
    public var pull: String?
    /// A copy that was found with other inputs, in words: `the local copy (CUDA_ARCH_LIST changed)`.
    public var stale: String?
    /// Found by the immutable tag's name alone: the pulled image's recorded inputs are compared
    /// once it is local, before anything is built on it.
    public var confirmAfterPull = false

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
    ///
    /// In the registry the immutable tag (`references[0]`), whose name carries the inputs digest
    /// (platform included), is asked only whether it is there (`held`: one `HEAD`); the readable
    /// tag is read down to its image config (`registry`), where the inputs are recorded.
    public static func find(
        inputs: BaseInputs, references: [String], local: (String) throws -> LocalImage?,
        held: (String) throws -> RegistryAnswer, registry: (String) throws -> RegistryImage?
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
        let stale = staleLocal.map { "the local copy (\($0.joined(separator: ", ")) changed)" }
        if let immutable = references.first, case .present(let digest) = try held(immutable) {
            let pull = digest.map { Self.repository(of: immutable) + "@" + $0 } ?? immutable
            return BaseFinding(decision: .inRegistry, pull: pull, stale: stale, confirmAfterPull: true)
        }
        for reference in references.dropFirst() {
            guard let image = try registry(reference) else { continue }
            let changes = inputs.changes(comparedTo: image.labels, platform: image.platform)
            if changes.isEmpty {
                let pull = image.digest.map { Self.repository(of: reference) + "@" + $0 } ?? reference
                return BaseFinding(decision: .inRegistry, pull: pull, stale: stale)
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
