import LinbuildSupport

/// What `linbuild lock` decides, as values: which upstream questions to ask, and, from the
/// answers, the new lock and one line per pin. Like `uv lock`: a pin that still fits what the build
/// pulls (same tag, same version) is kept; `--update` asks again for every pin of the selected
/// architectures; a pin that no longer fits (presets or the Dockerfile changed) is asked anew.
public enum LockUpdate {
    /// An upstream question: what a tag names for the platform, or which files a page lists.
    public enum Question: Hashable, Sendable {
        case image(reference: String)
        case page(index: String, project: String)
    }

    public enum ImageAnswer: Equatable, Sendable {
        /// The platform's manifest digest, and the tag's own (an index's, or the same).
        case digest(String, tag: String)
        case absent
        case unknown(String)
    }

    public enum PageAnswer: Equatable, Sendable {
        /// File name and the sha256 (hex) the index gives, if any.
        case files([(name: String, sha256: String?)])
        case noProject
        case unknown(String)

        public static func == (lhs: PageAnswer, rhs: PageAnswer) -> Bool {
            switch (lhs, rhs) {
            case (.files(let a), .files(let b)): a.map(\.name) == b.map(\.name) && a.map(\.sha256) == b.map(\.sha256)
            case (.noProject, .noProject): true
            case (.unknown(let a), .unknown(let b)): a == b
            default: false
            }
        }
    }

    /// What happened to one pin.
    public struct Change: Equatable, Sendable {
        public enum Kind: String, Sendable {
            case pinned, kept, unchanged, moved
        }
        public var arch: String
        /// `image base ubuntu:22.04`, `wheel torch 2.7.1+cu126`.
        public var subject: String
        public var kind: Kind
        public var old: String?
        public var new: String

        public var line: String {
            let value = kind == .moved ? "\(Self.short(old ?? "")) → \(Self.short(new))" : Self.short(new)
            return "lock [\(arch)] \(subject): \(value) (\(kind.rawValue))"
        }

        /// `sha256:` and 12 hex digits, enough to tell two digests apart in a line.
        static func short(_ digest: String) -> String { String(digest.prefix(19)) + (digest.count > 19 ? "…" : "") }
    }

    /// The questions a lock of `targets` needs answered: each pin that is missing, no longer fits,
    /// or (with `update`) every pin of the targets. Asked once each.
    public static func questions(existing: UpstreamLock?, targets: LockTargets, update: Bool) throws -> Set<Question> {
        var questions: Set<Question> = []
        for target in targets.architectures {
            let pins = update ? nil : existing?.pins(arch: target.name, platform: targets.platform)
            for image in try pinnable(target) where pins?.images[image.stage]?.tag != image.tag {
                questions.insert(.image(reference: image.reference))
            }
            for wheel in target.wheels where pins?.wheels[wheel.project]?.version != wheel.version {
                questions.insert(.page(index: wheel.index, project: wheel.project))
            }
        }
        return questions
    }

    /// The new lock (other architectures and platforms as they were) and what changed.
    public static func apply(
        existing: UpstreamLock?, targets: LockTargets, update: Bool, images: [String: ImageAnswer], pages: [Question: PageAnswer]
    ) throws -> (lock: UpstreamLock, changes: [Change]) {
        var lock = existing ?? UpstreamLock()
        var changes: [Change] = []
        for target in targets.architectures {
            let old = existing?.pins(arch: target.name, platform: targets.platform)
            var pins = UpstreamLock.Pins()
            for image in try pinnable(target) {
                let subject = "image \(image.stage) \(image.reference)"
                if !update, let kept = old?.images[image.stage], kept.tag == image.tag {
                    pins.images[image.stage] = kept
                    changes.append(Change(arch: target.name, subject: subject, kind: .kept, new: kept.digest))
                    continue
                }
                let digest: String, tagDigest: String
                switch images[image.reference] {
                case .digest(let found, let tag)?: (digest, tagDigest) = (found, tag)
                case .absent?:
                    throw LinbuildError.upstreamMissing(
                        "[\(target.name)] \(image.reference) is not in its registry (check the tag; stage '\(image.stage)')")
                case .unknown(let why)?: throw LinbuildError.registryUnavailable("cannot lock \(image.reference): \(why)")
                case nil: throw LinbuildError.registryUnavailable("cannot lock \(image.reference): no answer")
                }
                pins.images[image.stage] = UpstreamLock.Image(image: image.reference, digest: digest, tagDigest: tagDigest)
                let before = old?.images[image.stage]
                changes.append(change(target.name, subject, old: before?.digest, new: digest))
            }
            for wheel in target.wheels {
                let subject = "wheel \(wheel.project) \(wheel.version)"
                if !update, let kept = old?.wheels[wheel.project], kept.version == wheel.version {
                    pins.wheels[wheel.project] = kept
                    changes.append(Change(arch: target.name, subject: subject, kind: .kept, new: summary(kept)))
                    continue
                }
                let locked = try self.wheel(wheel, page: pages[.page(index: wheel.index, project: wheel.project)], targets: targets)
                pins.wheels[wheel.project] = locked
                let before = old?.wheels[wheel.project].map(summary)
                changes.append(change(target.name, subject, old: before, new: summary(locked)))
            }
            lock.architectures[target.name, default: [:]][targets.platform] = pins
        }
        return (lock, changes)
    }

    private static func change(_ arch: String, _ subject: String, old: String?, new: String) -> Change {
        guard let old else { return Change(arch: arch, subject: subject, kind: .pinned, new: new) }
        return Change(arch: arch, subject: subject, kind: old == new ? .unchanged : .moved, old: old, new: new)
    }

    /// The hashes of a wheel as one value: `sha256:…` for one file, or every one, sorted.
    static func summary(_ wheel: UpstreamLock.Wheel) -> String {
        wheel.hashes.map { "sha256:" + $0 }.joined(separator: " ")
    }

    /// The images linbuild can pin; a line whose tag is literal text cannot be, unless it names
    /// its digest itself.
    static func pinnable(_ target: LockTargets.Architecture) throws -> [UpstreamImage] {
        try target.images.filter { image in
            if image.pinnedInDockerfile { return false }
            guard image.pin != nil else {
                throw LinbuildError.lock(
                    "line \(image.line) pulls \(image.reference) with its tag written in the line, so linbuild cannot pin it (make the tag a build argument, as in FROM ubuntu:${OS_TAG}, or write the digest in the line)"
                )
            }
            return true
        }
    }

    /// The files of `wheel`'s exact version that fit the build's Python and platform, with the
    /// hashes the index gives for them.
    static func wheel(_ wheel: LockTargets.Wheel, page: PageAnswer?, targets: LockTargets) throws -> UpstreamLock.Wheel {
        // The index as the lock file and messages show it: without the credentials a mirror's URL
        // may carry (the lock is committed; the question itself was asked with them).
        let index = Redaction.stripped(wheel.index)
        let target = "Python \(targets.python) on \(targets.platform)"
        switch page {
        case .files(let files)?:
            let fitting = files.filter { file in
                guard let parsed = DistributionFile(filename: file.name) else { return false }
                return parsed.isWheel && DistributionFile.normalise(parsed.project) == DistributionFile.normalise(wheel.project)
                    && parsed.version == wheel.version && parsed.fits(python: targets.python, platform: targets.platform)
            }
            guard !fitting.isEmpty else {
                throw LinbuildError.upstreamMissing(
                    "\(index) has no \(wheel.project) \(wheel.version) wheel for \(target) (see linbuild preflight)")
            }
            var hashes: [String: String] = [:]
            for file in fitting {
                guard let hash = file.sha256 else {
                    throw LinbuildError.upstreamMissing(
                        "\(index) gives no sha256 for \(file.name); linbuild pins the hashes an index states (ask the index's maintainers, or mirror it with hashes)"
                    )
                }
                hashes[file.name] = "sha256:" + hash
            }
            return UpstreamLock.Wheel(version: wheel.version, index: index, files: hashes)
        case .noProject?:
            throw LinbuildError.upstreamMissing("\(index) has no project \(wheel.project) (check the index URL and the CUDA suffix)")
        case .unknown(let why)?:
            throw LinbuildError.registryUnavailable("cannot lock \(wheel.project) \(wheel.version): \(why)")
        case nil:
            throw LinbuildError.registryUnavailable("cannot lock \(wheel.project) \(wheel.version): no answer from \(index)")
        }
    }
}
