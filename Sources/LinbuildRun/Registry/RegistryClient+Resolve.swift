import Foundation
import LinbuildModel
import LinbuildSupport

/// What a tag names for one platform: the digest of that platform's manifest, the digest an
/// engine pulls when a FROM line pins it.
public struct ResolvedManifest: Equatable, Sendable {
    /// `sha256:…` of the platform's manifest (an index's entry for it, or the tag's own manifest).
    public var digest: String
    /// The tag's own digest: the index's when the tag holds one, else the same as `digest`.
    public var tagDigest: String
}

extension RegistryClient {
    /// The manifest `reference` names for `platform`, or nil when the tag is absent (404); throws
    /// when the registry cannot say, or holds no image for the platform under the tag. A single
    /// manifest is checked against its config's platform: pinning another platform's image would
    /// build the wrong machine's base.
    public func resolve(_ reference: ImageReference, platform: String) throws -> ResolvedManifest? {
        guard let held = try tagManifest(reference) else { return nil }
        let tagDigest = held.digest
        let shown = "\(reference.registry)/\(reference.name):\(reference.tag)"
        switch held.document {
        case .index(let index):
            guard let entry = index.entry(for: platform) else {
                let offered = index.manifests.compactMap { $0.platform.map { "\($0.os)/\($0.architecture)" } }.filter {
                    $0 != "unknown/unknown"
                }
                throw RegistryError("\(shown) has no \(platform) image (it has \(offered.joined(separator: ", ")))")
            }
            return ResolvedManifest(digest: entry.digest, tagDigest: tagDigest)
        case .manifest(let manifest):
            let config = try get(
                ImageConfig.self, "/v2/\(reference.name)/blobs/\(manifest.config.digest)", reference: reference, accept: ["*/*"])
            if let found = config.platform, !ImagePlatform.matches(platform, found: found) {
                throw RegistryError("\(shown) is a \(found) image, not \(platform)")
            }
            return ResolvedManifest(digest: tagDigest, tagDigest: tagDigest)
        }
    }
}
