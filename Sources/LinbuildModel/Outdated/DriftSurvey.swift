/// What `linbuild outdated` asks, round by round, and how the answers become its report. A value:
/// each round's questions and the judgement are pure functions of the answers; the round trips
/// (one `HEAD` per tag, index pages, manifests) are LinbuildRun's `DriftSurvey.ask`.
///
/// Round 0: the labels of the base an architecture without a lock records its pins in. Round 1:
/// every tag, every index page, the next CUDA patch tags. Round 2, only where a pinned tag's digest
/// changed: its platform's manifest, and whether the pinned digest is still there.
public struct DriftSurvey: Sendable {
    /// One architecture: what it pulls and installs, and the lines to look for newer releases of.
    public struct Architecture: Sendable {
        public var target: LockTargets.Architecture
        /// The torch page for newer releases (the pinned wheel's, or the page the build installs
        /// from), with the version the build takes.
        public var torch: (page: LockUpdate.Question, version: String)?
        /// The image whose tag is the architecture's CUDA tag.
        public var cuda: UpstreamImage?
        /// The readable base tag that records the pins when no lock has any.
        public var baseReference: String

        public init(
            target: LockTargets.Architecture, torch: (page: LockUpdate.Question, version: String)?, cuda: UpstreamImage?,
            baseReference: String
        ) {
            self.target = target
            self.torch = torch
            self.cuda = cuda
            self.baseReference = baseReference
        }

        var images: [UpstreamImage] { target.images.filter { !$0.pinnedInDockerfile } }
        var cudaCandidates: [String] {
            cuda.map { cuda in DriftReport.cudaPatchCandidates(of: cuda.tag).map { cuda.repository + ":" + $0 } } ?? []
        }
    }

    /// What the registry said of a base's labels.
    public enum BaseAnswer: Sendable {
        case labels([String: String])
        case absent
        case failed(String)
    }

    /// Where an architecture's pins were read: `lock`, or `base` (its labels).
    public struct Baseline: Sendable {
        public var pins: UpstreamLock.Pins
        public var by: String
    }

    public var targets: LockTargets
    public var architectures: [Architecture]
    public private(set) var baselines: [String: Baseline] = [:]
    /// Why an architecture has no pins at all (no lock, and no base that records them).
    public private(set) var unpinned: [String: String] = [:]

    public init(targets: LockTargets, architectures: [Architecture], lock: UpstreamLock?) {
        self.targets = targets
        self.architectures = architectures
        for architecture in architectures {
            if let pins = lock?.pins(arch: architecture.target.name, platform: targets.platform) {
                baselines[architecture.target.name] = Baseline(pins: pins, by: "lock")
            }
        }
    }

    /// Round 0: the bases to read, for the architectures the lock does not pin.
    public var bases: Set<String> {
        Set(architectures.filter { baselines[$0.target.name] == nil }.map(\.baseReference))
    }

    /// The pins the bases record (`answers` by base reference; a missing answer did not come in time).
    public mutating func read(bases answers: [String: BaseAnswer]) {
        for architecture in architectures where baselines[architecture.target.name] == nil {
            let arch = architecture.target.name, reference = architecture.baseReference
            switch answers[reference] {
            case .labels(let labels)?:
                if let pins = DriftReport.pins(fromLabels: labels) {
                    baselines[arch] = Baseline(pins: pins, by: "base")
                } else {
                    unpinned[arch] = "\(reference) records no pins (built without a lock)"
                }
            case .absent?: unpinned[arch] = "no lock, and \(reference) is not in the registry"
            case .failed(let why)?: unpinned[arch] = "no lock, and \(reference) could not be read: \(why)"
            case nil: unpinned[arch] = "no lock, and \(reference) did not answer"
            }
        }
    }

    /// Round 1: every tag and CUDA patch candidate (`HEAD`), every index page.
    public var heads: Set<String> {
        Set(architectures.flatMap { $0.images.map(\.reference) + $0.cudaCandidates })
    }
    public var pages: Set<LockUpdate.Question> {
        Set(
            architectures.flatMap {
                $0.target.wheels.map { .page(index: $0.index, project: $0.project) } + [$0.torch?.page].compactMap { $0 }
            })
    }

    /// Round 2: the tags whose digest is not the pinned one (their platform's manifest is read), and
    /// the pinned digests to look for (`repository@digest`).
    public func moved(heads: [String: TagState]) -> (resolve: Set<LockUpdate.Question>, pinnedDigests: Set<String>) {
        var resolve: Set<LockUpdate.Question> = [], pinnedDigests: Set<String> = []
        for architecture in architectures {
            guard let pins = baselines[architecture.target.name]?.pins else { continue }
            for image in architecture.images {
                guard let pin = pins.images[image.stage] else { continue }
                if case .present(let digest)? = heads[image.reference], digest == (pin.tagDigest ?? pin.digest) { continue }
                resolve.insert(.image(reference: image.reference))
                pinnedDigests.insert(image.repository + "@" + pin.digest)
            }
        }
        return (resolve, pinnedDigests)
    }

    /// The report, from every round's answers; a question without an answer is unknown, saying the
    /// `timeout` it ran out of.
    public func report(
        heads: [String: TagState], pages: [LockUpdate.Question: LockUpdate.PageAnswer], resolved: [String: LockUpdate.ImageAnswer],
        pinnedDigests: [String: TagState], timeout: Double
    ) -> DriftReport {
        var rows: [DriftReport.Row] = []
        for architecture in architectures {
            let target = architecture.target, baseline = baselines[target.name]
            for image in architecture.images {
                let pin = baseline?.pins.images[image.stage]
                var row = DriftReport.image(
                    arch: target.name, stage: image.stage, reference: image.reference, pin: pin, pinnedBy: baseline?.by,
                    head: heads[image.reference] ?? .unknown("no answer within \(Int(timeout)) s"),
                    platformDigest: resolved[image.reference],
                    pinnedStillThere: pin.flatMap { pinnedDigests[image.repository + "@" + $0.digest] })
                if row.status == .unpinned, let why = unpinned[target.name] { row.detail = why }
                rows.append(row)
            }
            for wheel in target.wheels {
                rows.append(
                    DriftReport.wheel(
                        arch: target.name, wheel: wheel, pin: baseline?.pins.wheels[wheel.project], pinnedBy: baseline?.by,
                        page: pages[.page(index: wheel.index, project: wheel.project)], targets: targets))
            }
            if let torch = architecture.torch,
                let row = DriftReport.newerTorch(
                    arch: target.name, version: torch.version, page: pages[torch.page], python: targets.python, platform: targets.platform)
            {
                rows.append(row)
            }
            if let cuda = architecture.cuda {
                let present = architecture.cudaCandidates.filter {
                    if case .present? = heads[$0] { true } else { false }
                }.map { String($0.dropFirst(cuda.repository.count + 1)) }
                if let row = DriftReport.newerCuda(arch: target.name, tag: cuda.tag, present: present) { rows.append(row) }
            }
        }
        return DriftReport(rows: rows)
    }
}
