/// One disagreement between the Dockerfile and the plan, at a line of the Dockerfile.
public struct ContractProblem: Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String

    public var description: String { "\(file):\(line): \(message)" }
}

/// Checks that a Dockerfile and the plan agree, without an engine: the stages the plan targets
/// exist, every build argument the plan passes is declared where it is used, every argument the
/// Dockerfile needs (no default) is passed, and the runtime is built FROM the base argument.
public enum ContractCheck {
    /// Throws the first problem, so a build fails in a second rather than an hour in.
    public static func verify(dockerfile: Dockerfile, presets: Presets, architectures: [Presets.Architecture]) throws {
        let found = problems(dockerfile: dockerfile, presets: presets, architectures: architectures)
        guard let first = found.first else { return }
        let more = found.count > 1 ? " (and \(found.count - 1) more: run linbuild check)" : ""
        throw LinbuildError.contract(first.description + more)
    }

    public static func problems(dockerfile: Dockerfile, presets: Presets, architectures: [Presets.Architecture]) -> [ContractProblem] {
        var problems: [ContractProblem] = []
        func report(_ line: Int, _ message: String) {
            let problem = ContractProblem(file: dockerfile.path, line: line, message: message)
            if !problems.contains(problem) { problems.append(problem) }
        }
        guard let runtime = dockerfile.stage(named: DockerfileContract.runtimeStage),
              dockerfile.stage(named: DockerfileContract.baseStage) != nil else {
            for stage in [DockerfileContract.baseStage, DockerfileContract.runtimeStage] where dockerfile.stage(named: stage) == nil {
                report(1, "no stage named '\(stage)' (add 'FROM … AS \(stage)'; linbuild builds --target \(stage))")
            }
            return problems
        }

        let baseImage = DockerfileContract.baseImageArgument
        if !dockerfile.globalArgs.contains(where: { $0.name == baseImage }) {
            report(runtime.fromLine, "\(baseImage) is not declared before the first FROM (add 'ARG \(baseImage)' at the top)")
        }
        if runtime.baseImage != "${\(baseImage)}" && runtime.baseImage != "$\(baseImage)" {
            report(runtime.fromLine, "the runtime stage is FROM '\(runtime.baseImage)', not ${\(baseImage)}: it would not build on the base linbuild made")
        }

        let commit = CommitID(String(repeating: "0", count: 40))!
        for architecture in architectures {
            let base = BuildArguments.base(for: architecture, defaults: presets.defaults, maxJobs: presets.defaults.maxJobs)
            check(target: DockerfileContract.baseStage, passed: base.names + [baseImage], in: dockerfile, report: report)
        }
        let runtimeArguments = BuildArguments.runtime(baseImage: "", commit: commit)
        check(target: DockerfileContract.runtimeStage, passed: runtimeArguments.names, in: dockerfile, report: report)
        return problems
    }

    /// For one target: each passed argument is declared in a stage it needs (or globally, for a
    /// FROM line), and each argument those stages use without a default is passed.
    private static func check(target: String, passed: [String], in dockerfile: Dockerfile, report: (Int, String) -> Void) {
        let stages = dockerfile.closure(of: target)
        guard let targetStage = stages.last else { return }
        let declared = Set(stages.flatMap(\.args).map(\.name))
        let usedInFrom = Set(stages.flatMap { ArgumentReferences.names(in: $0.baseImage) })
        let globals = Set(dockerfile.globalArgs.map(\.name))
        let optional: Set<String> = target == DockerfileContract.baseStage ? [DockerfileContract.baseImageArgument] : []
        for name in passed where !optional.contains(name) {
            guard !declared.contains(name), !(globals.contains(name) && usedInFrom.contains(name)) else { continue }
            let hint = EditDistance.nearest(to: name, among: Array(declared.union(globals))).map { " (is 'ARG \($0)' a typo?)" } ?? ""
            report(targetStage.fromLine, "linbuild passes \(name) to --target \(target), but no stage it builds declares 'ARG \(name)'\(hint)")
        }
        let passedSet = Set(passed)
        for stage in stages {
            let used = Set(stage.instructions.flatMap { ArgumentReferences.names(in: $0.arguments) })
            for argument in stage.args where argument.defaultValue == nil && used.contains(argument.name) && !passedSet.contains(argument.name) {
                let hint = EditDistance.nearest(to: argument.name, among: passed).map { " (did you mean \($0)?)" } ?? ""
                report(argument.line, "ARG \(argument.name) has no default and linbuild does not pass it to --target \(target)\(hint)")
            }
        }
        for argument in dockerfile.globalArgs where argument.defaultValue == nil && usedInFrom.contains(argument.name) && !passedSet.contains(argument.name) {
            report(argument.line, "ARG \(argument.name) has no default, is used by a FROM of --target \(target), and linbuild does not pass it")
        }
    }
}

/// `$NAME`, `${NAME}`, `${NAME:-default}` references in instruction text.
enum ArgumentReferences {
    static func names(in text: String) -> [String] {
        var names: [String] = []
        var characters = Substring(text)
        while let dollar = characters.firstIndex(of: "$") {
            var rest = characters[characters.index(after: dollar)...]
            if rest.first == "{" { rest = rest.dropFirst() }
            let name = rest.prefix { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            if let first = name.first, !first.isNumber { names.append(String(name)) }
            characters = rest.dropFirst(max(1, name.count))
        }
        return names
    }
}
