import Foundation
import LinbuildModel
import LinbuildSupport

/// A tag as prune reads it: the digest it points to and the labels of its image.
public struct RegistryTag: Equatable, Sendable {
    public var tag: String
    /// The tag's own manifest (or index) digest: what a delete names.
    public var digest: String
    public var labels: [String: String]
}

/// What a registry said to `DELETE /v2/<name>/manifests/<digest>`.
public enum DeleteOutcome: Equatable, Sendable {
    /// 202: the manifest and every tag that pointed to it are gone.
    case deleted
    /// 404: nothing there any more (a run before this one, or someone else, deleted it).
    case alreadyGone
    /// 405 (deletes disabled: distribution's `UNSUPPORTED`), 401/403: the registry will not.
    case refused(String)
}

extension RegistryClient {
    /// Every tag of a repository (`GET /v2/<name>/tags/list`), following `Link: <…>; rel="next"`
    /// pages where the registry sends them; an absent repository has none.
    public func tags(of repository: ImageReference) throws -> [String] {
        struct Page: Decodable { var tags: [String]? }
        var tags: [String] = []
        var path: String? = "/v2/\(repository.name)/tags/list"
        var pages = 0
        while let next = path, pages < 1000 {
            pages += 1
            let response = try send("GET", path: next, reference: repository, accept: ["application/json"])
            switch response.status {
            case 200: break
            case 404: return tags
            default:
                if case .unknown(let why) = Self.answer(response, from: repository.registry) { throw RegistryError(why) }
                throw RegistryError("\(repository.registry) answered HTTP \(response.status) for \(next)")
            }
            tags += try Self.decode(Page.self, response, path: next, from: repository.registry).tags ?? []
            path = response.header("Link").flatMap(Self.nextPage)
        }
        return tags
    }

    /// `</v2/x/tags/list?last=b&n=100>; rel="next"` → `/v2/x/tags/list?last=b&n=100`.
    static func nextPage(_ link: String) -> String? {
        guard link.contains("rel=\"next\""), let open = link.firstIndex(of: "<"), let close = link.firstIndex(of: ">"), open < close else {
            return nil
        }
        let target = String(link[link.index(after: open)..<close])
        guard let components = URLComponents(string: target) else { return nil }
        return components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    /// The digest `reference`'s tag points to and its image's labels (an index: its first image
    /// for a real platform; linbuild's images are one platform each). Nil when the tag is gone.
    public func tagDetails(_ reference: ImageReference) throws -> RegistryTag? {
        guard let held = try tagManifest(reference) else { return nil }
        let digest = held.digest
        let manifest: ImageManifest
        switch held.document {
        case .manifest(let found):
            manifest = found
        case .index(let index):
            guard let entry = index.manifests.first(where: { $0.platform.map { $0.os != "unknown" } ?? true }) else {
                return RegistryTag(tag: reference.tag, digest: digest, labels: [:])
            }
            manifest = try get(
                ImageManifest.self, "/v2/\(reference.name)/manifests/\(entry.digest)", reference: reference, accept: Self.manifestTypes)
        }
        let config = try get(
            ImageConfig.self, "/v2/\(reference.name)/blobs/\(manifest.config.digest)", reference: reference, accept: ["*/*"])
        return RegistryTag(tag: reference.tag, digest: digest, labels: config.config?.labels ?? [:])
    }

    /// Deletes the manifest `digest` of `repository` (and with it every tag that points to it).
    /// Throws only when the registry cannot be asked.
    public func deleteManifest(_ digest: String, in repository: ImageReference) throws -> DeleteOutcome {
        let path = "/v2/\(repository.name)/manifests/\(digest)"
        let response = try send("DELETE", path: path, reference: repository, accept: Self.manifestTypes, actions: "delete")
        switch response.status {
        case 200...299: return .deleted
        case 404: return .alreadyGone
        case 405:
            let code = Self.errorCode(response.body).map { " \($0)" } ?? ""
            return .refused(
                "\(repository.registry) refuses deletes (HTTP 405\(code)): enable them (distribution's registry: storage.delete.enabled: true) or delete through the registry's own interface"
            )
        case 401, 403:
            return .refused(
                "\(repository.registry) does not let this login delete (HTTP \(response.status)); log in as an account that may delete")
        default:
            throw RegistryError("\(repository.registry) answered HTTP \(response.status) to the delete of \(repository.name)@\(digest)")
        }
    }

    /// The first `errors[].code` of a distribution error body (`UNSUPPORTED`).
    static func errorCode(_ body: [UInt8]) -> String? {
        struct Errors: Decodable {
            struct Entry: Decodable { var code: String? }
            var errors: [Entry]?
        }
        return (try? JSONDecoder().decode(Errors.self, from: Data(body)))?.errors?.first?.code
    }
}
