import Foundation
import LinbuildModel
import LinbuildRun
import LinbuildSupport

/// `linbuild outdated [--arch NAME|all] [--json]`: per architecture and upstream, the locked digest
/// (or, without a lock, the one the base in the registry records it was built from) against what
/// the tag names now, tags that are gone, and newer patch releases of the pinned torch and CUDA
/// lines. Exit 0 when nothing drifted, 2 when something did, 69 when an upstream could not be asked.
/// Tags are asked with `HEAD` (Docker Hub does not count it as a pull); an index is read only when
/// the tag's digest changed.
struct OutdatedCommand: LinbuildCommand {
    var context: Context

    func run() throws {
        let options = context.options, presets = context.presets
        let architectures = try options.architectures(in: presets, whenAbsent: .all)
        let dockerfile = try context.dockerfile()
        let targets = context.lockTargets(architectures, dockerfile: dockerfile)
        let registry = context.registry, timeout = options.probeTimeout
        let index = PackageIndexClient(timeout: timeout)
        let lock = try context.lock()

        // What each architecture is pinned to: the lock, else what its base records.
        var baselines: [String: (pins: UpstreamLock.Pins, by: String)] = [:]
        var unpinnedBases: [String: String] = [:]
        for target in targets.architectures {
            if let pins = lock?.lock.pins(arch: target.name, platform: targets.platform) { baselines[target.name] = (pins, "lock") }
        }
        let bases = Dictionary(
            uniqueKeysWithValues: architectures.filter { baselines[$0.name] == nil }.map { architecture in
                (architecture.name, baseReference(architecture))
            })
        enum BaseLookup: Sendable {
            case labels([String: String])
            case absent
            case failed(String)
        }
        let baseLabels = Concurrently.answers(Set(bases.values), timeout: timeout) { reference -> BaseLookup in
            guard let parsed = ImageReference(reference) else { return .failed("not an image reference") }
            do {
                return try registry.image(of: parsed, platform: targets.platform).map { .labels($0.labels) } ?? .absent
            } catch {
                return .failed("\(error)")
            }
        }
        for (arch, reference) in bases {
            switch baseLabels[reference] {
            case .labels(let labels)?:
                if let pins = DriftReport.pins(fromLabels: labels) {
                    baselines[arch] = (pins, "base")
                } else {
                    unpinnedBases[arch] = "\(reference) records no pins (built without a lock)"
                }
            case .absent?: unpinnedBases[arch] = "no lock, and \(reference) is not in the registry"
            case .failed(let why)?: unpinnedBases[arch] = "no lock, and \(reference) could not be read: \(why)"
            case nil: unpinnedBases[arch] = "no lock, and \(reference) did not answer"
            }
        }

        // First round: every tag (HEAD), every index page, the next CUDA patch tags (HEAD).
        var heads: Set<String> = []
        var pages: Set<LockUpdate.Question> = []
        var cudaCandidates: [String: [String]] = [:]
        for target in targets.architectures {
            let images = target.images.filter { !$0.pinnedInDockerfile }
            heads.formUnion(images.map(\.reference))
            pages.formUnion(target.wheels.map { .page(index: $0.index, project: $0.project) })
            if let torch = torchPage(target, architectures, dockerfile) { pages.insert(torch.question) }
            if let cuda = cudaImage(target, architectures) {
                let candidates = DriftReport.cudaPatchCandidates(of: cuda.tag).map { cuda.repository + ":" + $0 }
                cudaCandidates[target.name] = candidates
                heads.formUnion(candidates)
            }
        }
        let headAnswers = Concurrently.answers(heads, timeout: timeout) { reference -> TagState in
            Self.state(ImageReference(reference).map(registry.manifest(of:)) ?? .unknown("not an image reference"))
        }
        let pageAnswers = UpstreamAnswers.ask(pages, platform: targets.platform, registry: registry, index: index, timeout: timeout).pages

        // Second round, only where a pinned tag's digest changed: its platform's manifest, and
        // whether the pinned digest is still there.
        var resolve: Set<LockUpdate.Question> = []
        var pinnedDigests: Set<String> = []
        for target in targets.architectures {
            guard let pins = baselines[target.name]?.pins else { continue }
            for image in target.images where !image.pinnedInDockerfile {
                guard let pin = pins.images[image.stage] else { continue }
                if case .present(let digest)? = headAnswers[image.reference], digest == (pin.tagDigest ?? pin.digest) { continue }
                resolve.insert(.image(reference: image.reference))
                pinnedDigests.insert(image.repository + "@" + pin.digest)
            }
        }
        let resolved = UpstreamAnswers.ask(resolve, platform: targets.platform, registry: registry, index: index, timeout: timeout).images
        let stillThere = Concurrently.answers(pinnedDigests, timeout: timeout) { reference -> TagState in
            Self.state(ImageReference(reference).map(registry.manifest(of:)) ?? .unknown("not an image reference"))
        }

        var rows: [DriftReport.Row] = []
        for target in targets.architectures {
            let baseline = baselines[target.name]
            for image in target.images where !image.pinnedInDockerfile {
                let pin = baseline?.pins.images[image.stage]
                var row = DriftReport.image(
                    arch: target.name, stage: image.stage, reference: image.reference, pin: pin, pinnedBy: baseline?.by,
                    head: headAnswers[image.reference] ?? .unknown("no answer within \(Int(timeout)) s"),
                    platformDigest: resolved[image.reference],
                    pinnedStillThere: pin.flatMap { stillThere[image.repository + "@" + $0.digest] })
                if row.status == .unpinned, let why = unpinnedBases[target.name] { row.detail = why }
                rows.append(row)
            }
            for wheel in target.wheels {
                rows.append(
                    DriftReport.wheel(
                        arch: target.name, wheel: wheel, pin: baseline?.pins.wheels[wheel.project], pinnedBy: baseline?.by,
                        page: pageAnswers[.page(index: wheel.index, project: wheel.project)], targets: targets))
            }
            if let torch = torchPage(target, architectures, dockerfile),
                let row = DriftReport.newerTorch(
                    arch: target.name, version: torch.version, page: pageAnswers[torch.question], python: targets.python,
                    platform: targets.platform)
            {
                rows.append(row)
            }
            if let cuda = cudaImage(target, architectures) {
                let present = (cudaCandidates[target.name] ?? []).filter {
                    if case .present? = headAnswers[$0] { true } else { false }
                }.map { String($0.dropFirst(cuda.repository.count + 1)) }
                if let row = DriftReport.newerCuda(arch: target.name, tag: cuda.tag, present: present) { rows.append(row) }
            }
        }

        let report = DriftReport(rows: rows)
        if options.json {
            context.console.out(report.json)
        } else {
            for row in rows { context.console.out(row.line + "\n") }
        }
        let drifted = rows.filter(\.drifted)
        if !drifted.isEmpty {
            throw LinbuildError.drifted(
                "\(drifted.count) upstream\(drifted.count == 1 ? "" : "s") drifted (\(drifted.map { "\($0.arch) \($0.subject)" }.joined(separator: "; "))): review, then linbuild lock --update"
            )
        }
        if let first = report.unknown.first {
            throw LinbuildError.registryUnavailable(
                "could not ask \(report.unknown.count) upstream\(report.unknown.count == 1 ? "" : "s") (first: \(first.subject): \(first.detail)); nothing else drifted"
            )
        }
    }

    static func state(_ answer: RegistryAnswer) -> TagState {
        switch answer {
        case .present(let digest): .present(digest)
        case .absent: .absent
        case .unknown(let why): .unknown(why)
        }
    }

    /// The readable base tag of `architecture` in `--registry`/`--namespace`: where a base built
    /// with a lock records its pins.
    private func baseReference(_ architecture: Presets.Architecture) -> String {
        let options = context.options, presets = context.presets
        return BaseImageTag(
            repository: ImageRepository(registry: options.registry, namespace: options.namespace(or: presets)),
            image: presets.defaults.baseImage, architecture: architecture, platform: options.platform(or: presets)
        ).reference
    }

    /// The torch page of an architecture, for its newer releases: the pinned wheel's, or (no hash
    /// arguments) the page the build installs from.
    private func torchPage(_ target: LockTargets.Architecture, _ architectures: [Presets.Architecture], _ dockerfile: Dockerfile)
        -> (question: LockUpdate.Question, version: String)?
    {
        if let torch = target.wheels.first(where: { $0.project == "torch" }) {
            return (.page(index: torch.index, project: "torch"), torch.version)
        }
        guard let architecture = architectures.first(where: { $0.name == target.name }) else { return nil }
        let preflight = PreflightTargets.make(
            presets: context.presets, architectures: [architecture], dockerfile: dockerfile,
            platform: context.options.platform(or: context.presets),
            locations: context.presets.defaults.locations.overridden(byArguments: context.options.locationOverrides))
        guard let torch = preflight.architectures.first?.packages.first(where: { $0.project == "torch" }),
            let version = torch.versions.first
        else { return nil }
        return (.page(index: torch.index, project: "torch"), version)
    }

    /// The image whose tag is the architecture's NVIDIA CUDA tag: the CUDA line to look for patches of.
    private func cudaImage(_ target: LockTargets.Architecture, _ architectures: [Presets.Architecture]) -> UpstreamImage? {
        guard let architecture = architectures.first(where: { $0.name == target.name }) else { return nil }
        let tag = architecture.nvidiaCudaTag ?? context.presets.defaults.nvidiaCudaTag
        return target.images.first { $0.tag == tag }
    }
}
