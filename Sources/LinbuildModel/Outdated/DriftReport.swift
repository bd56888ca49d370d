import LinbuildSupport

/// `linbuild outdated`'s findings, as values: per architecture and upstream, what the lock (or the
/// base, from its labels) is pinned to against what upstream holds now, and the newer patch
/// releases of the pinned torch and CUDA lines. Each judgement is a pure function of the answers.
public struct DriftReport: Equatable, Sendable {
    public struct Row: Equatable, Sendable {
        public enum Kind: String, Sendable { case image, wheel, release }
        public enum Status: String, Sendable {
            /// The pin is what upstream holds now.
            case current
            /// The tag (or the index page) now names other bytes.
            case moved
            /// The tag, or the pinned digest or file, is gone.
            case gone
            /// A newer patch release of the pinned line exists.
            case newer
            /// Nothing pins it (no lock, and no base that records its pins): only what is there now.
            case unpinned
            /// Upstream could not be asked.
            case unknown
        }
        public var arch: String
        public var kind: Kind
        /// `base ubuntu:22.04`, `torch 2.7.1+cu126`, `torch 2.7`, `CUDA 12.8`.
        public var subject: String
        /// `lock` or `base` (the labels of the base in the registry): where the pin was read.
        public var pinnedBy: String?
        public var pinned: String?
        public var now: String?
        public var status: Status
        public var detail: String = ""

        public var drifted: Bool { [.moved, .gone, .newer].contains(status) }

        public var line: String {
            var parts: [String] = []
            if let pinned { parts.append("\(pinnedBy == "base" ? "built from" : "locked") \(Self.short(pinned))") }
            if let now, status != .current || pinned == nil { parts.append("now \(Self.short(now))") }
            if !detail.isEmpty { parts.append(detail) }
            return "outdated [\(arch)] \(kind.rawValue) \(subject): \(parts.joined(separator: ", ")) (\(status.rawValue))"
        }

        static func short(_ text: String) -> String {
            text.split(separator: " ").map { word in
                word.hasPrefix("sha256:") && word.count > 19 ? String(word.prefix(19)) + "…" : String(word)
            }.joined(separator: " ")
        }
    }

    public var rows: [Row]

    public init(rows: [Row]) { self.rows = rows }

    public var drifted: Bool { rows.contains(where: \.drifted) }
    public var unknown: [Row] { rows.filter { $0.status == .unknown } }

    /// For scripts: `{"schemaVersion": 1, "drifted": …, "rows": [{…}]}`, keys sorted.
    public var json: String {
        let rows = rows.map { row -> JSONValue in
            var members: [String: JSONValue] = [
                "arch": .string(row.arch), "kind": .string(row.kind.rawValue), "subject": .string(row.subject),
                "status": .string(row.status.rawValue), "drifted": .bool(row.drifted),
            ]
            if let value = row.pinnedBy { members["pinnedBy"] = .string(value) }
            if let value = row.pinned { members["pinned"] = .string(value) }
            if let value = row.now { members["now"] = .string(value) }
            if !row.detail.isEmpty { members["detail"] = .string(row.detail) }
            return .sortedObject(members)
        }
        return JSONValue.sortedObject([
            "schemaVersion": .number(1, literal: "1"), "drifted": .bool(drifted), "rows": .array(rows),
        ]).text
    }
}

/// What a registry said about a tag or a digest, for the drift judgement.
public enum TagState: Equatable, Sendable {
    /// Present; the digest the registry gives it (the tag's own: an index's for a multi-platform tag).
    case present(String?)
    case absent
    case unknown(String)
}

extension DriftReport {
    /// One image: `head` is what the tag names now (one `HEAD`); `platformDigest` the platform's
    /// manifest under it when that had to be read (the tag's digest differs from the pinned one);
    /// `pinnedStillThere` whether the registry still has the pinned digest (asked when the tag moved or went).
    public static func image(
        arch: String, stage: String, reference: String, pin: UpstreamLock.Image?, pinnedBy: String?, head: TagState,
        platformDigest: LockUpdate.ImageAnswer?, pinnedStillThere: TagState?
    ) -> Row {
        var row = Row(
            arch: arch, kind: .image, subject: "\(stage) \(reference)", pinnedBy: pin == nil ? nil : pinnedBy,
            pinned: pin?.digest, status: .unknown)
        let lost: String? = {
            guard case .absent? = pinnedStillThere else { return nil }
            return "the pinned digest is gone too: a build from it fails"
        }()
        switch head {
        case .unknown(let why):
            row.detail = why
            return row
        case .absent:
            row.status = .gone
            row.detail = "the tag is gone" + (lost.map { "; " + $0 } ?? (pin == nil ? "" : "; the pinned digest is still there"))
            return row
        case .present(let tagDigest):
            guard let pin else {
                row.status = .unpinned
                row.now = { if case .digest(let digest, _)? = platformDigest { return digest } else { return tagDigest } }()
                return row
            }
            // The tag names what it named when it was pinned: nothing to read further.
            if let tagDigest, tagDigest == (pin.tagDigest ?? pin.digest) {
                row.status = .current
                row.now = pin.digest
                return row
            }
            switch platformDigest {
            case .digest(let digest, _)?:
                row.now = digest
                row.status = digest == pin.digest ? .current : .moved
                if row.status == .current { row.detail = "the tag's index changed, not its \(stage) image for this platform" }
                if let lost, row.status == .moved { row.detail = lost }
            case .absent?:
                row.status = .gone
                row.detail = "the tag is gone"
            case .unknown(let why)?:
                row.detail = why
            case nil:
                row.detail = "the tag's digest changed and its manifest was not read"
            }
            return row
        }
    }

    /// One wheel: the files the index page lists for the pinned version against the pinned hashes.
    public static func wheel(
        arch: String, wheel: LockTargets.Wheel, pin: UpstreamLock.Wheel?, pinnedBy: String?, page: LockUpdate.PageAnswer?,
        targets: LockTargets
    ) -> Row {
        var row = Row(
            arch: arch, kind: .wheel, subject: "\(wheel.project) \(wheel.version)", pinnedBy: pin == nil ? nil : pinnedBy,
            pinned: pin.map(LockUpdate.summary), status: .unknown)
        // An index that did not answer says why, in its own words (not as a failed lock).
        switch page {
        case .unknown(let why)?:
            row.detail = Redaction.scrubbed(why)
            return row
        case nil:
            row.detail = "no answer from \(Redaction.stripped(wheel.index))"
            return row
        default: break
        }
        do {
            let now = try LockUpdate.wheel(wheel, page: page, targets: targets)
            row.now = LockUpdate.summary(now)
            guard let pin else {
                row.status = .unpinned
                return row
            }
            row.status = now.hashes == pin.hashes ? .current : .moved
            if row.status == .moved { row.detail = "the index serves other files for \(wheel.version) than were pinned" }
        } catch LinbuildError.upstreamMissing(let why) {
            row.status = .gone
            row.detail = why
        } catch {
            row.detail = "\(error)"
        }
        return row
    }

    /// The newest release of the pinned torch line (same major.minor and local label) above the
    /// pinned version, on the index page; nil when there is none or the page could not be read.
    public static func newerTorch(
        arch: String, version: String, page: LockUpdate.PageAnswer?, python: String, platform: String
    ) -> Row? {
        guard case .files(let files)? = page, let pinned = PackageVersion(version), pinned.release.count >= 2 else { return nil }
        let line = pinned.release.prefix(2)
        let newer = files.compactMap { DistributionFile(filename: $0.name) }.filter {
            DistributionFile.normalise($0.project) == "torch" && $0.isWheel && $0.fits(python: python, platform: platform)
        }.compactMap { PackageVersion($0.version) }.filter { $0.release.prefix(2) == line && $0.local == pinned.local && pinned < $0 }
        guard let newest = newer.max() else { return nil }
        return Row(
            arch: arch, kind: .release, subject: "torch \(line.map(String.init).joined(separator: "."))", pinned: version,
            now: newest.text, status: .newer, detail: "a newer patch release of the pinned line exists")
    }

    /// `12.8.0-cudnn-devel-ubuntu22.04` → the next patch tags to ask for (`12.8.1-…` … `12.8.5-…`).
    public static func cudaPatchCandidates(of tag: String, count: Int = 5) -> [String] {
        let parts = tag.split(separator: "-", maxSplits: 1)
        let numbers = parts.first.map { $0.split(separator: ".").compactMap { Int($0) } } ?? []
        guard numbers.count == 3 else { return [] }
        let rest = parts.count == 2 ? "-" + parts[1] : ""
        return (1...count).map { "\(numbers[0]).\(numbers[1]).\(numbers[2] + $0)\(rest)" }
    }

    /// The newest existing candidate, as a release row.
    public static func newerCuda(arch: String, tag: String, present: [String]) -> Row? {
        let candidates = cudaPatchCandidates(of: tag)
        guard let newest = candidates.last(where: present.contains) else { return nil }
        let line = tag.split(separator: "-").first.map { $0.split(separator: ".").prefix(2).joined(separator: ".") } ?? tag
        return Row(
            arch: arch, kind: .release, subject: "CUDA \(line)", pinned: tag, now: newest, status: .newer,
            detail: "a newer patch release of the pinned line exists")
    }

    /// What a base recorded it was built from (`dev.linbuild.base.pin.*` labels), as pins.
    public static func pins(fromLabels labels: [String: String]) -> UpstreamLock.Pins? {
        var pins = UpstreamLock.Pins()
        for (key, value) in labels where key.hasPrefix(BaseInputs.pinLabelPrefix) {
            let name = String(key.dropFirst(BaseInputs.pinLabelPrefix.count))
            if name.hasPrefix("image."), let at = value.lastIndex(of: "@") {
                pins.images[String(name.dropFirst(6))] = UpstreamLock.Image(
                    image: String(value[..<at]), digest: String(value[value.index(after: at)...]))
            } else if name.hasPrefix("wheel.") {
                let words = value.split(separator: " ").map(String.init)
                guard let version = words.first else { continue }
                let hashes = words.dropFirst()
                pins.wheels[String(name.dropFirst(6))] = UpstreamLock.Wheel(
                    version: version, index: "", files: Dictionary(hashes.map { ($0, $0) }) { first, _ in first })
            }
        }
        return pins.images.isEmpty && pins.wheels.isEmpty ? nil : pins
    }
}
