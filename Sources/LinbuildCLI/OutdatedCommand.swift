import LinbuildModel
import LinbuildRun
import LinbuildSupport

/// `linbuild outdated [--arch NAME|all] [--json]`: per architecture and upstream, the locked digest
/// (or, without a lock, the one the base in the registry records it was built from) against what
/// the tag names now, tags that are gone, and newer patch releases of the pinned torch and CUDA
/// lines (`DriftSurvey`). Exit 0 when nothing drifted, 2 when something did, 69 when an upstream
/// could not be asked.
struct OutdatedCommand: LinbuildCommand {
    var context: Context

    func run() throws {
        let options = context.options, presets = context.presets
        let architectures = try options.architectures(in: presets, whenAbsent: .all)
        let dockerfile = try context.dockerfile()
        let targets = context.lockTargets(architectures, dockerfile: dockerfile)
        let survey = DriftSurvey(
            targets: targets,
            architectures: zip(architectures, targets.architectures).map { architecture, target in
                DriftSurvey.Architecture(
                    target: target, torch: torchPage(target, architecture, dockerfile), cuda: cudaImage(target, architecture),
                    baseReference: baseReference(architecture))
            }, lock: try context.lock()?.lock)
        let report = survey.ask(
            registry: context.registry, index: PackageIndexClient(timeout: options.probeTimeout), timeout: options.probeTimeout)

        if options.json {
            context.console.out(report.json)
        } else {
            for row in report.rows { context.console.out(row.line + "\n") }
        }
        let drifted = report.rows.filter(\.drifted)
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
    private func torchPage(_ target: LockTargets.Architecture, _ architecture: Presets.Architecture, _ dockerfile: Dockerfile)
        -> (page: LockUpdate.Question, version: String)?
    {
        if let torch = target.wheels.first(where: { $0.project == "torch" }) {
            return (.page(index: torch.index, project: "torch"), torch.version)
        }
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
    private func cudaImage(_ target: LockTargets.Architecture, _ architecture: Presets.Architecture) -> UpstreamImage? {
        let tag = architecture.nvidiaCudaTag ?? context.presets.defaults.nvidiaCudaTag
        return target.images.first { $0.tag == tag }
    }
}
