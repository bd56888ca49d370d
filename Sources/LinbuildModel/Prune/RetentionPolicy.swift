import Foundation
import LinbuildSupport

/// What `linbuild prune` keeps and deletes in a registry, decided from the tags and their images'
/// labels alone (a pure value; the deletes are the registry client's):
///
/// - runtimes (`dev.linbuild.arch` and `dev.linbuild.ref` labels): the newest `keep` per branch
///   and architecture, by their `org.opencontainers.image.created` label (the commit's time);
/// - every image a kept image names (`org.opencontainers.image.base.name`, and any other label in
///   `linkLabels`), transitively: the base a kept runtime was built on, what that base was built from
///   (the Flash Attention wheels it names in `dev.linbuild.fa.image`);
/// - every readable tag of the base repository and of the wheels' (any tag without the `-in<12 hex>`
///   of an immutable one): wheels no kept base names (orphans, such as those of a base that was
///   never pushed) go, those a kept base names stay;
/// - every tag of an image linbuild did not make (no `dev.linbuild.arch` label), untouched;
/// - with `olderThan`, everything created after the cut-off (or with no created time).
///
/// A delete names a manifest digest, and the registry then drops every tag that points to it, so a
/// digest that a kept tag also points to is never deleted.
public struct RetentionPolicy: Sendable {
    /// Labels whose value is another image a kept image depends on.
    /// (`dev.linbuild.fa.image`: the Flash Attention wheels a base was made from.)
    public static let linkLabels = ["org.opencontainers.image.base.name", BaseInputs.flashAttentionImageLabel]
    public static let archLabel = "dev.linbuild.arch"
    public static let refLabel = "dev.linbuild.ref"
    public static let createdLabel = "org.opencontainers.image.created"

    /// One tag as the registry lists it: `repository` is `host/namespace/name`.
    public struct Tag: Equatable, Sendable {
        public var repository: String
        public var tag: String
        public var digest: String
        public var labels: [String: String]

        public init(repository: String, tag: String, digest: String, labels: [String: String]) {
            self.repository = repository
            self.tag = tag
            self.digest = digest
            self.labels = labels
        }

        public var reference: String { repository + ":" + tag }
        var created: Date? { labels[RetentionPolicy.createdLabel].flatMap(UTCTime.parseInternetDateTime) }
    }

    public struct Kept: Equatable, Sendable {
        public var tag: Tag
        public var reason: String
    }

    /// One manifest to delete, with every tag that points to it.
    public struct Deletion: Equatable, Sendable {
        public var repository: String
        public var digest: String
        public var tags: [String]
        public var reason: String
    }

    public struct Decision: Equatable, Sendable {
        public var kept: [Kept]
        /// In the order to delete: runtimes first, then what they named, so that at no point a kept
        /// runtime names an image already gone (an interrupted prune leaves a consistent registry).
        public var deletions: [Deletion]
    }

    public var runtimeRepository: String
    public var baseRepository: String
    public var keep: Int
    /// Only images created before this are deleted; nil: any age.
    public var cutOff: Date?

    public init(runtimeRepository: String, baseRepository: String, keep: Int, cutOff: Date?) {
        self.runtimeRepository = runtimeRepository
        self.baseRepository = baseRepository
        self.keep = keep
        self.cutOff = cutOff
    }

    /// `-in` and 12 hex digits at the end: a base's (or another artifact's) immutable tag.
    public static func isImmutable(_ tag: String) -> Bool {
        guard tag.count > 15 else { return false }
        let suffix = tag.suffix(15)
        return suffix.hasPrefix("-in") && suffix.dropFirst(3).allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    public func decide(_ tags: [Tag]) -> Decision {
        var reasons: [String: String] = [:]  // reference → why kept
        func keepTag(_ tag: Tag, _ why: String) { if reasons[tag.reference] == nil { reasons[tag.reference] = why } }

        // Runtimes: the newest `keep` of each branch and architecture.
        let runtimes = tags.filter { $0.repository == runtimeRepository }
        var groups: [String: [Tag]] = [:]
        for tag in runtimes {
            guard let arch = tag.labels[Self.archLabel], let ref = tag.labels[Self.refLabel] else {
                keepTag(tag, "not made by linbuild (no \(Self.archLabel)/\(Self.refLabel) labels)")
                continue
            }
            groups[ref + "\u{0}" + arch, default: []].append(tag)
        }
        for (key, members) in groups {
            let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false)
            let newestFirst = members.sorted { ($0.created ?? .distantPast, $0.tag) > ($1.created ?? .distantPast, $1.tag) }
            for (position, tag) in newestFirst.enumerated() where position < keep {
                keepTag(tag, "runtime \(position + 1) of the newest \(keep) of branch \(parts[0]) on \(parts[1])")
            }
        }
        for tag in tags where tag.repository != runtimeRepository {
            if tag.labels[Self.archLabel] == nil { keepTag(tag, "not made by linbuild (no \(Self.archLabel) label)") }
            // Only immutable tags are linbuild's to delete: the base's, and its artifacts' (the wheels).
            if !Self.isImmutable(tag.tag) {
                keepTag(tag, tag.repository == baseRepository ? "a readable base tag" : "not an immutable tag")
            }
        }
        if let cutOff {
            for tag in tags where (tag.created ?? .distantFuture) >= cutOff {
                keepTag(tag, tag.created == nil ? "no created label, so its age is unknown" : "newer than the cut-off")
            }
        }

        // What kept images name, transitively; then every tag sharing a digest with a kept tag.
        let byReference = Dictionary(tags.map { ($0.reference, $0) }) { first, _ in first }
        var pending = tags.filter { reasons[$0.reference] != nil }
        while let tag = pending.popLast() {
            for label in Self.linkLabels {
                guard let named = tag.labels[label], let target = byReference[named], reasons[target.reference] == nil else { continue }
                keepTag(target, "named by \(tag.reference) (\(label))")
                pending.append(target)
            }
        }
        let keptDigests = Dictionary(
            tags.filter { reasons[$0.reference] != nil }.map { ($0.repository + "@" + $0.digest, $0.reference) }
        ) { first, _ in first }
        for tag in tags where reasons[tag.reference] == nil {
            if let other = keptDigests[tag.repository + "@" + tag.digest] { keepTag(tag, "its digest is also \(other), which is kept") }
        }

        var kept: [Kept] = []
        var deletions: [String: Deletion] = [:]
        var order: [String] = []
        for tag in tags {
            if let reason = reasons[tag.reference] {
                kept.append(Kept(tag: tag, reason: reason))
                continue
            }
            let key = tag.repository + "@" + tag.digest
            if deletions[key] == nil {
                order.append(key)
                let what =
                    tag.repository == runtimeRepository
                    ? "an older runtime of its branch and architecture"
                    : tag.repository == baseRepository ? "named by no kept runtime" : "named by no kept base"
                deletions[key] = Deletion(repository: tag.repository, digest: tag.digest, tags: [], reason: what)
            }
            deletions[key]!.tags.append(tag.tag)
        }
        let rank: (Deletion) -> Int = { $0.repository == runtimeRepository ? 0 : $0.repository == baseRepository ? 1 : 2 }
        let sorted = order.compactMap { deletions[$0] }.sorted {
            (rank($0), $0.repository, $0.digest) < (rank($1), $1.repository, $1.digest)
        }
        return Decision(kept: kept, deletions: sorted)
    }
}
