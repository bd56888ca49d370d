import LinbuildSupport

/// The parts of the distribution and OCI documents linbuild reads, decoded with `Codable`
/// (unknown fields are ignored, as the specs ask of clients).

/// `application/vnd.oci.image.index.v1+json` or a Docker manifest list: one manifest per platform.
struct ManifestIndex: Decodable, Equatable {
    struct Entry: Decodable, Equatable {
        var digest: String
        /// Absent on some entries; attestations carry `unknown/unknown`.
        var platform: Platform?
    }
    struct Platform: Decodable, Equatable {
        var os: String
        var architecture: String
        var variant: String?
    }
    var manifests: [Entry]

    /// The entry for `os/architecture` (a variant in the wanted text is not compared, as before).
    func entry(for platform: String) -> Entry? {
        let wanted = platform.split(separator: "/").map(String.init)
        return manifests.first { $0.platform?.os == wanted.first && $0.platform?.architecture == wanted.dropFirst().first }
    }
}

/// An OCI image manifest or Docker manifest v2: only the config's digest is read.
struct ImageManifest: Decodable, Equatable {
    struct Descriptor: Decodable, Equatable { var digest: String }
    var config: Descriptor
}

/// What a GET of a tag returns: an index or a manifest, told apart by their fields (the
/// `mediaType` field is optional in both specs).
enum ManifestDocument: Decodable, Equatable {
    case index(ManifestIndex)
    case manifest(ImageManifest)

    private enum Keys: String, CodingKey { case manifests, config }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        if container.contains(.manifests) {
            self = .index(try ManifestIndex(from: decoder))
        } else {
            self = .manifest(try ImageManifest(from: decoder))
        }
    }
}

/// The image config blob: its platform and the labels (where the base's inputs are recorded).
struct ImageConfig: Decodable, Equatable {
    struct Container: Decodable, Equatable {
        var labels: [String: String]?
        private enum CodingKeys: String, CodingKey { case labels = "Labels" }
    }
    var os: String?
    var architecture: String?
    var variant: String?
    var config: Container?

    /// `os/architecture[/variant]`, or nil when the config names none.
    var platform: String? {
        let parts = [os, architecture, variant].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }
}

/// A token service's answer: `token`, or OAuth's `access_token`.
struct TokenAnswer: Decodable, Equatable {
    var token: String?
    var accessToken: String?
    private enum CodingKeys: String, CodingKey {
        case token
        case accessToken = "access_token"
    }
}
