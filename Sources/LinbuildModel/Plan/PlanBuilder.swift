import LinbuildSupport

/// Turns options, presets, the parsed Dockerfile and the resolved commit into a `Plan`.
/// Pure: every input that came from the outside world is a parameter.
public struct PlanBuilder: Sendable {
    public var options: Options
    public var presets: Presets
    /// What `--arch` selected (`Options.architectures(in:)`), resolved once by the caller.
    public var architectures: [Presets.Architecture]
    public var dockerfile: Dockerfile
    public var source: ResolvedSource
    public var engine: EngineCLI
    public var workDirectory: String
    /// `org.opencontainers.image.created`, RFC 3339.
    public var createdAt: String
    /// `MAX_JOBS` per architecture and why (`JobSizing.choices`); absent: options or presets.
    public var jobChoices: [String: JobChoice] = [:]
    /// The lock of the upstreams beside the presets, and its path (for messages); nil: none, and
    /// the plan is exactly what it was before locks existed.
    public var lock: (lock: UpstreamLock, file: String)? = nil

    public init(
        options: Options, presets: Presets, architectures: [Presets.Architecture], dockerfile: Dockerfile, source: ResolvedSource,
        engine: EngineCLI, workDirectory: String, createdAt: String
    ) {
        self.options = options
        self.presets = presets
        self.architectures = architectures
        self.dockerfile = dockerfile
        self.source = source
        self.engine = engine
        self.workDirectory = workDirectory
        self.createdAt = createdAt
    }

    public func make() throws -> Plan {
        let repository = ImageRepository(registry: options.registry, namespace: options.namespace(or: presets))
        let maxJobs = options.maxJobs(or: presets)
        let platform = options.platform(or: presets)
        let legacyBaseText = dockerfile.text(of: DockerfileContract.baseStage)
        // Build arguments carry each location without its credentials; the credentials reach the
        // builds that need them as build secrets, which no image records.
        let runLocations = presets.defaults.locations.overridden(byArguments: options.locationOverrides)
        let locations = runLocations.withoutCredentials, secrets = BuildSecret.of(runLocations)
        var plan = Plan(
            source: Redaction.stripped(source.location.text), ref: source.ref, commit: source.commit, engine: engine, platform: platform,
            dockerfile: dockerfile.path, push: options.push,
            baseMode: options.forceBase ? .force : options.skipBase ? .skip : .auto,
            keepGoing: options.keepGoing, workDirectory: workDirectory, targets: [], steps: [])
        // The readable base tag moves only from the presets' branch (the ref it resolved to, not the
        // text typed: `refs/heads/main` and `origin/main` are main), or when asked: a feature branch
        // that changes the base must not evict the default branch's.
        plan.movesBaseTag = options.moveBaseTag || source.isBranch(presets.defaults.branch)
        plan.allowIncompleteSource = options.allowIncompleteSource
        plan.refName = source.refName
        plan.createdAt = createdAt
        plan.sourceDateEpoch = source.commitTime
        if source.commitTime != nil { plan.timestampProblem = engine.timestampProblem }
        // The images the base's stages pull: what a lock pins, and what --pull pulls itself when the
        // base takes its wheels from the artifact.
        let lockTargets =
            lock == nil && !options.pull
            ? nil
            : LockTargets.make(
                presets: presets, architectures: architectures, dockerfile: dockerfile, platform: platform, locations: locations)
        let sourceContext = plan.sourceContext, emptyContext = plan.emptyContext

        var targets: [TargetPlan] = []
        var buildSteps: [Step] = []
        var pushSteps: [Step] = []
        for architecture in architectures {
            let base = BaseImageTag(
                repository: repository, image: presets.defaults.baseImage, architecture: architecture, platform: platform)
            guard TagGrammar.isValidTag(base.tag) else {
                throw LinbuildError.usage(
                    "--platform \(platform) makes the base tag longer than \(TagGrammar.maximumLength) characters (\(base.tag.prefix(40))…)"
                )
            }
            let runtime = RuntimeImageTag(
                repository: repository, image: presets.defaults.runtimeImage, commit: source.commit,
                architecture: architecture.name, suffix: options.tagSuffix, platform: platform)
            let jobs = jobChoices[architecture.name]
            let baseArguments = BuildArguments.base(
                for: architecture, defaults: presets.defaults, maxJobs: jobs?.jobs ?? maxJobs, locations: locations)
            // With a lock, the build gets the pinned digests and hashes as build arguments
            // (`OS_TAG=22.04@sha256:…`, `TORCH_SHA256=…`), and the pins are base inputs of their own;
            // the arguments the inputs record stay the unpinned ones, so without a lock nothing changes.
            var pins: LockPins?
            if let lock, let target = lockTargets?.architectures.first(where: { $0.name == architecture.name }) {
                pins = try LockPins.make(lock: lock.lock, file: lock.file, target: target, platform: platform, dockerfile: dockerfile.path)
            }
            let pulledArguments = pins.map { baseArguments.setting($0.arguments) } ?? baseArguments
            // Older Dockerfile frontends (docker 20.10) expand every FROM line, even of stages the
            // target does not need, and refuse an empty `FROM ${BASE_IMAGE}`: the base build gets it too.
            let ownImages = [(DockerfileContract.baseImageArgument, base.reference)]
            // A location that makes a choice and is not passed makes the one of its Dockerfile default,
            // so pointing it at a mirror later compares the same choice.
            let defaulted = UpstreamLocations.choiceArguments.sorted().compactMap { name -> (name: String, value: String)? in
                guard baseArguments[name] == nil, let value = PreflightTargets.defaultValue(of: name, in: dockerfile) else { return nil }
                return (name, value)
            }
            let wheels = wheelsPlan(
                for: architecture, repository: repository, arguments: BuildArguments(baseArguments.pairs + defaulted),
                pulled: pulledArguments, ownImages: ownImages, pins: pins, platform: platform)
            let baseBuildArguments = BuildArguments(pulledArguments.pairs + ownImages + wheels.baseArguments)
            // `--pull` makes BuildKit ask the registry for every FROM, the wheels' too, which may be
            // only in the local store (compiled by this run, pushed after every build): with the
            // artifact, the base build pulls its upstream images itself instead, as pinned.
            let pullsItsUpstreams = options.pull && wheels.image != nil
            let upstreamPulls: [Command] =
                pullsItsUpstreams
                ? (lockTargets?.architectures.first { $0.name == architecture.name }?.images ?? []).map { image in
                    engine.pull(pins?.images[image.stage] ?? image.reference, platform: platform)
                }
                : []
            // The base is made from the wheels: their digest is one of its inputs (whichever way it
            // gets them), so a change to what the compile sees rebuilds the base too.
            // A stage named through an ARG is followed to the stage the passed value (or the default)
            // names; one whose value cannot be told would leave a stage out of the key: stop.
            let passed = baseBuildArguments.values
            for target in [DockerfileContract.baseStage] + (wheels.inputs == nil ? [] : [DockerfileContract.flashAttentionStage]) {
                let values = target == DockerfileContract.baseStage ? passed : wheels.buildArguments.values
                if let reference = dockerfile.unresolvedReferences(of: target, passing: values).first {
                    throw LinbuildError.contract(
                        "\(dockerfile.path): the \(target) stage's closure names '\(reference)', whose value linbuild cannot tell (give its ARG a default before the first FROM, or name the stage or image directly)"
                    )
                }
            }
            let inputs = BaseInputs(
                arguments: BuildArguments(baseArguments.pairs + defaulted),
                declared: dockerfile.argumentsUsed(by: DockerfileContract.baseStage, passing: passed), platform: platform,
                normalForm: dockerfile.normalForm(
                    of: DockerfileContract.baseStage, passedArguments: Set(baseBuildArguments.names), values: passed),
                legacyText: legacyBaseText, pins: pins?.inputs ?? [:],
                artifacts: wheels.inputs.map { [BaseInputs.flashAttentionScope: $0.digest] } ?? [:])
            // The runtime is built FROM the immutable tag: the base this run decided on, whatever
            // another run does to the readable tag meanwhile. `--skip-base` uses the readable tag
            // as it is, unchecked, as asked.
            let immutable = base.immutableReference(inputs: inputs)
            let runtimeBase = options.skipBase ? base.reference : immutable
            let runtimeArguments = BuildArguments.runtime(
                baseImage: runtimeBase, commit: source.commit, defaults: presets.defaults,
                locations: locations)
            var targetPlan = TargetPlan(
                arch: architecture.name, baseImage: base.reference, runtimeImage: runtime.reference,
                baseArguments: Dictionary(uniqueKeysWithValues: baseArguments.pairs.map { ($0.name, $0.value) }),
                runtimeArguments: Dictionary(uniqueKeysWithValues: runtimeArguments.pairs.map { ($0.name, $0.value) }),
                baseInputs: inputs, maxJobsReason: jobs?.reason)
            targetPlan.baseImmutableImage = immutable
            targetPlan.lockedImages = pins?.images ?? [:]
            targetPlan.baseBuildArguments = Dictionary(uniqueKeysWithValues: baseBuildArguments.pairs.map { ($0.name, $0.value) })
            if wheels.image != nil {
                targetPlan.faInputs = wheels.inputs
                targetPlan.faImage = wheels.image
            }
            targetPlan.faRepository = wheels.tag.map { repository.name(image: $0.image) }
            targets.append(targetPlan)

            let arch = architecture.name
            var baseLabels = provenance(title: presets.defaults.baseImage, version: base.tag, arch: arch)
            baseLabels.merge(inputs.labels) { $1 }
            if let image = wheels.image { baseLabels[BaseInputs.flashAttentionImageLabel] = image }
            var runtimeLabels = provenance(title: presets.defaults.runtimeImage, version: runtime.tag, arch: arch)
            runtimeLabels["org.opencontainers.image.revision"] = source.commit.sha
            runtimeLabels["org.opencontainers.image.base.name"] = runtimeBase
            if !options.skipBase { runtimeLabels[BaseInputs.digestLabel] = inputs.digest }
            runtimeLabels["dev.linbuild.ref"] = source.ref

            buildSteps.append(Step(kind: .checkBase, arch: arch, commands: [], image: base.reference))
            buildSteps += wheelsBuildSteps(of: wheels, arch: arch, secrets: secrets, platform: platform, context: emptyContext)
            if options.skipBase == false {
                buildSteps.append(
                    Step(
                        kind: .buildBase, arch: arch,
                        commands: upstreamPulls + [
                            build(
                                target: DockerfileContract.baseStage, arguments: baseBuildArguments, secrets: secrets,
                                labels: baseLabels, tag: immutable, platform: platform, context: emptyContext,
                                fresh: options.noCache, pull: options.pull && !pullsItsUpstreams)
                        ],
                        condition: options.forceBase ? nil : .baseNeedsBuild, image: immutable))
            }
            buildSteps.append(
                Step(
                    kind: .pullBase, arch: arch, commands: [engine.pull(runtimeBase, platform: platform)],
                    condition: .baseOnlyInRegistry, image: runtimeBase))
            // The readable tag moves only from the presets' branch (or when asked); --skip-base
            // uses the image as it is and tags nothing.
            let baseTags = options.skipBase ? [] : [immutable] + (plan.movesBaseTag ? [base.reference] : [])
            if !baseTags.isEmpty {
                buildSteps.append(Step(kind: .tagBase, arch: arch, commands: baseTags.map(tagBaseID), image: immutable))
            }
            buildSteps.append(
                Step(
                    kind: .buildRuntime, arch: arch,
                    commands: [
                        build(
                            target: DockerfileContract.runtimeStage, arguments: runtimeArguments, secrets: secrets,
                            labels: runtimeLabels, tag: runtime.reference, platform: platform, context: sourceContext,
                            timestamp: source.commitTime)
                    ],
                    image: runtime.reference))
            if options.push {
                // The wheels first, then each tag of the base on its own, decided on what the registry
                // holds under it. --skip-base pushes the image it used, as it is: the readable tag (no
                // immutable tag is made).
                if let push = wheelsPushStep(of: wheels, arch: arch, base: base) { pushSteps.append(push) }
                let condition: Step.Condition? = options.forceBase ? nil : .baseNeedsPush
                for reference in options.skipBase ? [base.reference] : baseTags {
                    if !options.skipBase {
                        pushSteps.append(
                            Step(
                                kind: .tagBaseForPush, arch: arch, commands: [tagBaseID(reference)], condition: condition, image: reference)
                        )
                    }
                    pushSteps.append(
                        Step(kind: .pushBase, arch: arch, commands: [engine.push(reference)], condition: condition, image: reference))
                }
                pushSteps.append(
                    Step(
                        kind: .pushRuntime, arch: arch, commands: [engine.push(runtime.reference)],
                        image: runtime.reference))
            }
        }

        let export = Step(kind: .exportSource, commands: SourceExport.commands(for: source, into: sourceContext, scratch: workDirectory))
        plan.targets = targets
        plan.steps = [export] + buildSteps + pushSteps
        return plan
    }

    /// `tag $LINBUILD_BASE_ID reference`: the run fills in the ID of the base it built, found or pulled.
    private func tagBaseID(_ reference: String) -> Command {
        var command = engine.command(["tag", Command.runValue(Step.RunValue.baseImageID), reference])
        command.runValues = [Step.RunValue.baseImageID]
        return command
    }

    /// A build of `target`. Each secret whose location the build gets as an argument comes with it
    /// (`--secret`), read from a file in the work folder. (Internal, as `provenance`: the wheels'
    /// part of the plan, PlanBuilder+FlashAttention.swift, builds with it too.)
    func build(
        target: String, arguments: BuildArguments, secrets: [BuildSecret], labels: [String: String], tag: String,
        platform: String, context: String, fresh: Bool = false, pull: Bool = false, timestamp: Int? = nil
    ) -> Command {
        var words = ["--platform", platform, "--file", dockerfile.path, "--target", target]
        if fresh { words.append("--no-cache") }
        if pull { words.append("--pull") }
        if let network = options.network { words += ["--network", network] }
        for pair in arguments.pairs { words += ["--build-arg", "\(pair.name)=\(pair.value)"] }
        let passed = secrets.filter { arguments[$0.id] != nil }
        for secret in passed { words += secret.flag(workDirectory: workDirectory) }
        for (name, value) in labels.sorted(by: { $0.key < $1.key }) { words += ["--label", "\(name)=\(value)"] }
        words += ["--tag", tag, context]
        var command = engine.build(words, timestamp: timestamp)
        for secret in passed { secret.attach(to: &command, workDirectory: workDirectory) }
        return command
    }

    func provenance(title: String, version: String, arch: String) -> [String: String] {
        [
            "org.opencontainers.image.title": title,
            "org.opencontainers.image.version": version,
            "org.opencontainers.image.created": createdAt,
            "org.opencontainers.image.source": source.sourceLabel,
            "dev.linbuild.arch": arch,
        ]
    }
}
