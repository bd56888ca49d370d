/// The lock of the upstreams a base is built from: per architecture and platform, the digest of
/// every image its stages pull and the hashes of the torch, torchvision and torchaudio wheels.
/// `linbuild lock` writes it beside the presets (`presets.lock.json` for `presets.json`); a build
/// that finds it uses the digests and hashes, and they are base inputs. Without it nothing changes.
public struct UpstreamLock: Equatable, Sendable {
    public static let version = 1

    /// An image pinned to the digest of its manifest for the platform.
    public struct Image: Equatable, Sendable {
        /// The reference it was resolved from (`ubuntu:22.04`): the tag is what a build must still
        /// pull for the pin to apply.
        public var image: String
        /// `sha256:…` of the platform's manifest (not of an index: see docs/design.md).
        public var digest: String
        /// The digest the tag itself named when it was locked, when it held an index (nil: the tag
        /// held the platform's manifest). `outdated` compares it with one `HEAD`, which Docker
        /// Hub does not count as a pull, and reads the index only when it changed.
        public var tagDigest: String?

        public init(image: String, digest: String, tagDigest: String? = nil) {
            self.image = image
            self.digest = digest
            self.tagDigest = tagDigest == digest ? nil : tagDigest
        }

        public var tag: String { UpstreamImage.tag(of: image) }
        /// `ubuntu:22.04@sha256:…`: what a base records it was built from.
        public var pinned: String { image + "@" + digest }
    }

    /// A wheel pinned to the hashes of its files that fit the build's Python and platform.
    public struct Wheel: Equatable, Sendable {
        /// `2.7.1+cu126`.
        public var version: String
        /// The index page it was read from (a location: not compared, a mirror may serve it).
        public var index: String
        /// File name → `sha256:…`.
        public var files: [String: String]

        public init(version: String, index: String, files: [String: String]) {
            self.version = version
            self.index = index
            self.files = files
        }

        /// The hex digests, sorted: what the build checks and the base records.
        public var hashes: [String] { files.values.map { $0.hasPrefix("sha256:") ? String($0.dropFirst(7)) : $0 }.sorted() }
    }

    /// What one architecture is pinned to on one platform.
    public struct Pins: Equatable, Sendable {
        /// Stage name → image.
        public var images: [String: Image]
        /// Project (`torch`) → wheel.
        public var wheels: [String: Wheel]

        public init(images: [String: Image] = [:], wheels: [String: Wheel] = [:]) {
            self.images = images
            self.wheels = wheels
        }
    }

    /// Architecture → platform → pins.
    public var architectures: [String: [String: Pins]]

    public init(architectures: [String: [String: Pins]] = [:]) { self.architectures = architectures }

    public func pins(arch: String, platform: String) -> Pins? { architectures[arch]?[platform] }

    /// The lock file that belongs to a presets file: `presets.json` → `presets.lock.json`, in the
    /// same folder.
    public static func path(forPresets presets: String) -> String {
        let slash = presets.lastIndex(of: "/")
        let folder = slash.map { String(presets[...$0]) } ?? ""
        let name = slash.map { String(presets[presets.index(after: $0)...]) } ?? presets
        let stem = name.hasSuffix(".json") ? String(name.dropLast(5)) : name
        return folder + stem + ".lock.json"
    }
}
