import LinbuildSupport

/// One disagreement between the Dockerfile and the plan, at a line of the Dockerfile.
public struct ContractProblem: Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    /// What is wrong, then what to do in parentheses.
    public var message: String

    public var description: String { "\(file):\(line): \(message)" }
}

/// Checks that a Dockerfile and the plan agree, without an engine: the stages the plan targets
/// exist, every build argument the plan passes is declared where it is used, every argument the
/// Dockerfile needs (no default) is passed, and the runtime is built FROM the base argument.
/// A broken contract otherwise shows up as an empty variable an hour into a CUDA build.
public enum ContractCheck {
    /// Throws the first problem as a `.contract` error (exit 65), so a build fails in a second
    /// rather than an hour in.
    public static func verify(
        dockerfile: Dockerfile, presets: Presets, architectures: [Presets.Architecture], locations: UpstreamLocations? = nil
    ) throws {
        let found = problems(dockerfile: dockerfile, presets: presets, architectures: architectures, locations: locations)
        guard let first = found.first else { return }
        let more = found.count > 1 ? " [and \(found.count - 1) more: run linbuild check]" : ""
        throw LinbuildError.contract(first.description + more)
    }

    /// Every problem, in line order, each once. `locations` are the run's (presets' with the
    /// `LINBUILD_*` variables applied; presets' alone when nil): those that carry credentials must
    /// reach the Dockerfile's RUNs as build secrets.
    public static func problems(
        dockerfile: Dockerfile, presets: Presets, architectures: [Presets.Architecture], locations: UpstreamLocations? = nil
    ) -> [ContractProblem] {
        var found: [ContractProblem] = []
        func report(_ line: Int, _ message: String) {
            let problem = ContractProblem(file: dockerfile.path, line: line, message: message)
            if !found.contains(problem) { found.append(problem) }
        }
        let baseStage = DockerfileContract.baseStage, runtimeStage = DockerfileContract.runtimeStage
        let missing = [baseStage, runtimeStage].filter { dockerfile.stage(named: $0) == nil }
        guard missing.isEmpty, let runtime = dockerfile.stage(named: runtimeStage) else {
            for stage in missing {
                report(1, "no stage named '\(stage)' (add 'FROM … AS \(stage)'; linbuild builds --target \(stage))")
            }
            return found
        }

        let baseImage = DockerfileContract.baseImageArgument
        if !dockerfile.globalArgs.contains(where: { $0.name == baseImage }) {
            report(
                runtime.fromLine,
                "\(baseImage) is not declared before the first FROM (add 'ARG \(baseImage)' at the top: only those ARGs reach a FROM line)")
        }
        if runtime.baseImage != "${\(baseImage)}" && runtime.baseImage != "$\(baseImage)" {
            report(
                runtime.fromLine,
                "the runtime stage is FROM '\(runtime.baseImage)', not ${\(baseImage)} (make it 'FROM ${\(baseImage)} AS \(runtime.label)', so the runtime builds on the base linbuild chose)"
            )
        }

        // The plan also passes BASE_IMAGE to the base build (old frontends expand every FROM),
        // so the base may ignore it.
        // With a Flash Attention wheels stage, the base's arguments are shared between its build
        // and the wheels' (which also get the in-file FA_WHEELS): each may ignore what the other declares.
        let wheels = DockerfileContract.flashAttentionStage, wheelsArgument = DockerfileContract.flashAttentionArgument
        let hasWheels = dockerfile.stage(named: wheels) != nil
        let wheelsUse = hasWheels ? dockerfile.argumentsUsed(by: wheels) : []
        for architecture in architectures {
            let base = BuildArguments.base(for: architecture, defaults: presets.defaults, maxJobs: presets.defaults.maxJobs)
            let own = [baseImage] + (hasWheels ? [wheelsArgument] : [])
            TargetCheck(
                dockerfile: dockerfile, target: baseStage, passed: base.names + own,
                optional: BuildArguments.mayBeIgnored.union(own).union(wheelsUse), report: report
            ).run()
            if hasWheels {
                TargetCheck(
                    dockerfile: dockerfile, target: wheels, passed: base.names + own,
                    optional: BuildArguments.mayBeIgnored.union(own).union(dockerfile.argumentsUsed(by: baseStage)), report: report
                ).run()
            }
        }
        // The runtime's BASE_IMAGE is checked above, where the fix can be named exactly.
        let runtimeArguments = BuildArguments.runtime(
            baseImage: "", commit: CommitID(String(repeating: "0", count: 40))!, defaults: presets.defaults)
        TargetCheck(
            dockerfile: dockerfile, target: runtimeStage, passed: runtimeArguments.names,
            optional: BuildArguments.mayBeIgnored.union([baseImage]), report: report
        ).run()
        ContractRules.check(dockerfile, presets: presets, architectures: architectures, report: report)
        ContractRules.credentialsReachRunsAsSecrets(
            dockerfile, credentialed: (locations ?? presets.defaults.locations).credentialed.map(\.key.argument), report: report)
        return found.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
    }
}

/// The checks for one `--target`, over the stages BuildKit builds for it.
private struct TargetCheck {
    /// Always declared before the first FROM by BuildKit itself.
    static let automaticGlobals: Set<String> = [
        "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
        "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
    ]
    let dockerfile: Dockerfile
    let target: String
    let passed: [String]
    /// Passed, but the Dockerfile need not declare them.
    let optional: Set<String>
    let report: (Int, String) -> Void

    var stages: [Dockerfile.Stage] { dockerfile.closure(of: target) }
    var globals: [String: Dockerfile.ArgDeclaration] {
        Dictionary(dockerfile.globalArgs.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
    }

    func run() {
        checkPassedArgumentsAreDeclared()
        checkDeclaredArgumentsArePassed()
        for stage in stages {
            checkFrom(of: stage)
            checkScope(in: stage)
        }
        if target == DockerfileContract.baseStage { checkBaseIgnoresTheContext() }
    }

    /// A passed argument nothing declares is silently dropped by BuildKit (a warning at most).
    private func checkPassedArgumentsAreDeclared() {
        guard let targetStage = stages.last else { return }
        let declared = stages.flatMap(\.args)
        let usedInFrom = Set(stages.flatMap { ArgumentReference.names(in: $0.baseImage) })
        for name in passed where !optional.contains(name) {
            if declared.contains(where: { $0.name == name }) || (globals[name] != nil && usedInFrom.contains(name)) { continue }
            if let global = globals[name] {
                report(
                    global.line,
                    "ARG \(name) is declared before the first FROM, but no stage of --target \(target) declares it again, so only FROM lines see it (add 'ARG \(name)' to the stage that uses it)"
                )
                continue
            }
            let candidates = (declared + dockerfile.globalArgs).filter { $0.name != name }
            let hint =
                EditDistance.nearest(to: name, among: candidates.map(\.name)).flatMap { near in
                    candidates.first { $0.name == near }.map { "line \($0.line) declares \(near): a typo? If not, " }
                } ?? ""
            report(
                targetStage.fromLine,
                "linbuild passes \(name) to --target \(target), but no stage it builds declares it (\(hint)add 'ARG \(name)' to the stage that uses it)"
            )
        }
    }

    /// A used ARG with no default that the plan does not pass is empty in every build.
    private func checkDeclaredArgumentsArePassed() {
        let passedSet = Set(passed)
        for stage in stages {
            let references = stage.instructions.filter { $0.keyword != "ARG" }.flatMap(Self.references)
            for argument in stage.args
            where argument.defaultValue == nil && !passedSet.contains(argument.name)
                && !Self.automaticGlobals.contains(argument.name)
            {  // BuildKit fills these in itself
                // A bare `ARG X` in a stage takes the global X's default.
                if globals[argument.name]?.defaultValue != nil { continue }
                let uses = references.filter { $0.name == argument.name }
                guard !uses.isEmpty, !uses.allSatisfy(\.hasFallback) else { continue }
                let hint =
                    EditDistance.nearest(to: argument.name, among: passed).map { "did you mean \($0)?" }
                    ?? "give it a default, 'ARG \(argument.name)=…', or write ${\(argument.name):-…} where it is used"
                report(
                    argument.line,
                    "ARG \(argument.name) has no default and linbuild does not pass it to --target \(target), so it is empty (\(hint))")
            }
        }
        let fromReferences = stages.flatMap { ArgumentReference.all(in: $0.baseImage) }
        for argument in dockerfile.globalArgs
        where argument.defaultValue == nil && !passedSet.contains(argument.name)
            && !Self.automaticGlobals.contains(argument.name)
        {
            let uses = fromReferences.filter { $0.name == argument.name }
            guard !uses.isEmpty, !uses.allSatisfy(\.hasFallback) else { continue }
            report(
                argument.line,
                "ARG \(argument.name) has no default, a FROM of --target \(target) uses it, and linbuild does not pass it (give it a default: 'ARG \(argument.name)=…')"
            )
        }
    }

    /// A FROM line sees only the ARGs declared before the first FROM.
    private func checkFrom(of stage: Dockerfile.Stage) {
        for reference in ArgumentReference.all(in: stage.baseImage)
        where globals[reference.name] == nil && !Self.automaticGlobals.contains(reference.name) {
            report(
                stage.fromLine,
                "FROM uses ${\(reference.name)}, which is not an ARG before the first FROM, so it is empty there (declare 'ARG \(reference.name)' at the top of the file)"
            )
        }
    }

    /// An ARG reaches only the stage that declares it (and stages built FROM that stage): a
    /// build argument, global ARG or another stage's ARG used without its own `ARG` line is
    /// silently empty.
    private func checkScope(in stage: Dockerfile.Stage) {
        let contract = Set(passed).union(globals.keys)
        let argsElsewhere = Set(dockerfile.stages.flatMap { $0.args.map(\.name) })
        // An ENV anywhere may reach this stage through an image built from it (the runtime is FROM the base).
        let envAnywhere = Set(dockerfile.stages.flatMap(\.envNames))
        var visible = inherited(by: stage)
        for instruction in stage.instructions {
            var seen: Set<String> = []
            for reference in Self.references(instruction) where !visible.contains(reference.name) && seen.insert(reference.name).inserted {
                let name = reference.name
                if contract.contains(name) || (argsElsewhere.contains(name) && !envAnywhere.contains(name)) {
                    let later = stage.args.first { $0.name == name && $0.line > instruction.line }
                    let fix =
                        later.map { "move 'ARG \(name)' from line \($0.line) above line \(instruction.line)" }
                        ?? "add 'ARG \(name)' below the FROM on line \(stage.fromLine): an ARG reaches only the stage that declares it"
                    report(
                        instruction.line, "the \(stage.quotedLabel) stage uses $\(name) without declaring it there, so it is empty (\(fix))"
                    )
                } else if !argsElsewhere.contains(name), !envAnywhere.contains(name), Self.looksLikeAnArgument(name),
                    !Self.assigns(name, in: stage),
                    let near = Self.nearest(to: name, contract: contract, others: argsElsewhere.union(envAnywhere))
                {
                    report(
                        instruction.line,
                        "the \(stage.quotedLabel) stage uses $\(name), which no ARG or ENV defines (did you mean $\(near)?)")
                }
            }
            if instruction.keyword == "ARG" { visible.formUnion(Dockerfile.argDeclarations(in: instruction).map(\.name)) }
            if instruction.keyword == "ENV" { visible.formUnion(Dockerfile.envNames(in: instruction)) }
        }
    }

    /// ARGs and ENVs of the stages this one is FROM: BuildKit carries both into it.
    private func inherited(by stage: Dockerfile.Stage) -> Set<String> {
        var names: Set<String> = []
        var current = stage
        while let parent = dockerfile.stage(named: current.baseImage), parent.index < current.index {
            names.formUnion(parent.args.map(\.name) + parent.envNames)
            current = parent
        }
        return names
    }

    /// linbuild builds the base with an empty context: the base must not need the source tree,
    /// or application files would decide whether the (hours-long) base is rebuilt.
    private func checkBaseIgnoresTheContext() {
        for stage in stages {
            for instruction in stage.instructions where instruction.keyword == "COPY" || instruction.keyword == "ADD" {
                let words = ShellWords.split(instruction.arguments)
                guard !instruction.arguments.hasPrefix("["), !words.contains(where: { $0.hasPrefix("--from=") }) else { continue }
                let sources = words.filter { !$0.hasPrefix("--") }.dropLast()
                let local = sources.filter { !$0.hasPrefix("<<") && !$0.contains("://") && !$0.hasPrefix("git@") }
                guard let first = local.first else { continue }
                report(
                    instruction.line,
                    "the \(stage.quotedLabel) stage copies '\(first)' from the build context, but linbuild builds --target \(target) with an empty context (copy from a stage with --from, or fetch it in a RUN)"
                )
            }
        }
    }

    private static func references(_ instruction: Dockerfile.Instruction) -> [ArgumentReference] {
        ArgumentReference.all(in: ([instruction.arguments] + instruction.heredocs).joined(separator: "\n"))
    }

    /// The closest name within two edits, build arguments first.
    private static func nearest(to name: String, contract: Set<String>, others: Set<String>) -> String? {
        contract.union(others).filter { $0 != name }
            .map { (name: $0, rank: (contract.contains($0) ? 0 : 1, EditDistance.between($0, name))) }
            .filter { $0.rank.1 <= 2 }
            .min { ($0.rank.0, $0.rank.1, $0.name) < ($1.rank.0, $1.rank.1, $1.name) }?.name
    }

    /// Build arguments are upper case by convention; shell locals (`$index`) are not.
    private static func looksLikeAnArgument(_ name: String) -> Bool {
        name.count >= 5 && name.allSatisfy { $0 == "_" || $0.isNumber || $0.isUppercase }
    }

    /// `NAME=` in a RUN: a shell variable the stage sets itself.
    private static func assigns(_ name: String, in stage: Dockerfile.Stage) -> Bool {
        stage.instructions.contains { instruction in
            ([instruction.arguments] + instruction.heredocs).contains { $0.contains(name + "=") }
        }
    }
}
