import LinbuildSupport

/// The command line after validation: every value has the right shape, and environment
/// variables have filled in what the command line left out. Presets fill in the rest later,
/// when the plan is made.
public struct Options: Equatable, Sendable {
    public enum ArchSelection: Equatable, Sendable {
        case all
        case named([String])
    }

    public var subcommand: Subcommand = .build
    /// `nil`: the presets' default architecture.
    public var arches: ArchSelection?
    public var branch: String?
    /// `nil`: `--max-jobs auto`, sized to the engine's machine when the build runs.
    public var maxJobs: Int?
    /// `--no-preflight` (or `LINBUILD_NO_PREFLIGHT=1`): no upstream checks before a base build.
    public var noPreflight = false
    /// Without its leading dash: the tag adds exactly one.
    public var tagSuffix: String?
    public var source: String?
    public var registry: String?
    public var namespace: String?
    public var presetsPath: String?
    public var dockerfile: String?
    public var platform: String?
    public var engine: String = OptionTable.engine.builtInValue!
    public var dockerContext: String?
    public var builder: String?
    public var progress: String?
    public var logDirectory: String?
    public var gpus: String?
    /// `--network` for every build (`host` reaches a package index on the host's loopback).
    public var network: String?
    /// Upstream locations (build argument name → value) from `LINBUILD_*` variables; they override presets.
    public var locationOverrides: [String: String] = [:]
    /// Seconds an engine or registry question may take before it counts as unanswered.
    public var probeTimeout: Double = Double(OptionTable.probeTimeout.builtInValue!)!
    public var push = false
    public var dryRun = false
    public var json = false
    public var forceBase = false
    public var skipBase = false
    public var keepGoing = false
    /// Base builds: `--no-cache` and `--pull` passed on; moving the readable base tag off main.
    public var noCache = false
    public var pull = false
    public var moveBaseTag = false
    /// Go on when submodules or LFS objects cannot be put in the image (they stay empty/pointers).
    public var allowIncompleteSource = false
    public var quiet = false
    public var verbose = false
    public var help = false
    /// `linbuild help reference`: print the Markdown reference (docs/reference.md).
    public var reference = false
    public var version = false
    /// `prune --keep`: runtimes kept per branch and architecture.
    public var keep = Int(OptionTable.spec(named: "keep")!.builtInValue!)!
    /// `prune --older-than`: only images older than this many days are deleted; nil: any age.
    public var olderThanDays: Int?
    /// `prune --apply`: delete; without it prune only lists.
    public var apply = false
    public var positionals: [String] = []
    /// Options whose value came from an environment variable (`arch` → `LINBUILD_ARCH`), so a
    /// later error about the value can name where it came from.
    public var environmentSources: [String: String] = [:]

    public init() {}

    /// What is left of a tag after `<sha12>-<arch>-` with the longest architecture name.
    static let maximumSuffixLength = TagGrammar.maximumLength - 12 - 2 - ArchitectureName.maximumLength

    /// Validates `arguments`, taking absent options from `environment`, then from the defaults of
    /// `table` (option > environment > built-in default; presets come later, in the plan).
    public static func parse(_ arguments: [String], environment: [String: String], table: [OptionSpec] = OptionTable.all) throws -> Options
    {
        var parsed = try ArgumentParser.parse(arguments, table: table)
        var variables: [String: String] = [:]
        for spec in table where spec.takesValue && parsed.values[spec.name] == nil {
            guard let variable = spec.environment, let value = environment[variable], !value.isEmpty,
                spec.applies(to: parsed.subcommand), !spec.environmentIgnoredBy.contains(parsed.subcommand)
            else { continue }
            parsed.values[spec.name] = value
            variables[spec.name] = variable
        }
        for spec in table where spec.takesValue && parsed.values[spec.name] == nil && spec.applies(to: parsed.subcommand) {
            if let value = spec.builtInValue { parsed.values[spec.name] = value }
        }
        do {
            var options = try Options(parsed, table: table)
            if environment["LINBUILD_NO_PREFLIGHT"] == "1" { options.noPreflight = true }
            for key in UpstreamLocations.keys {
                guard let value = environment[key.environment], !value.isEmpty else { continue }
                if let problem = UpstreamLocations.problem(with: value) {
                    throw LinbuildError.usage("the environment variable \(key.environment) \(Sanitized.forMessage(value)) \(problem)")
                }
                options.locationOverrides[key.argument] = value
            }
            options.environmentSources = variables
            return options
        } catch LinbuildError.usage(let message) {
            // A value nobody typed on this command line: say where it came from.
            let variable = variables.first { message.hasPrefix("--\($0.key) ") }?.value
            throw LinbuildError.usage(message + (variable.map { " (from the environment variable \($0))" } ?? ""))
        }
    }

    init(_ parsed: ParsedArguments, table: [OptionSpec] = OptionTable.all) throws {
        subcommand = parsed.subcommand
        positionals = parsed.positionals
        help = parsed.has("help")
        reference = parsed.has("reference")
        version = parsed.has("version")
        if help || version {
            // --help shows the defaults and architectures of the presets it is pointed at.
            presetsPath = parsed.value("presets").flatMap { Self.pathProblem($0) == nil && !$0.isEmpty ? $0 : nil }
            return
        }

        push = parsed.has("push")
        dryRun = parsed.has("dry-run")
        json = parsed.has("json")
        forceBase = parsed.has("force-base")
        skipBase = parsed.has("skip-base")
        keepGoing = parsed.has("keep-going")
        noCache = parsed.has("no-cache")
        pull = parsed.has("pull")
        moveBaseTag = parsed.has("move-base-tag")
        noPreflight = parsed.has("no-preflight")
        allowIncompleteSource = parsed.has("allow-incomplete-source")
        quiet = parsed.has("quiet")
        verbose = parsed.has("verbose")
        apply = parsed.has("apply")
        if forceBase && skipBase {
            throw LinbuildError.usage("--force-base and --skip-base contradict each other; pass one of them")
        }
        if quiet && verbose {
            throw LinbuildError.usage("--quiet and --verbose contradict each other; pass one of them")
        }

        if let empty = table.first(where: { parsed.values[$0.name]?.isEmpty == true }) {
            throw LinbuildError.usage("--\(empty.name) needs a non-empty value: --\(empty.name) \(empty.valueName ?? "VALUE")")
        }
        if let value = parsed.value("arch") { arches = try Self.archSelection(value) }
        if let value = parsed.value("branch") { branch = try Self.checked(value, "branch", GitRefName.problem(with:)) }
        if let value = parsed.value("max-jobs"), value != "auto" { maxJobs = try Self.jobs(value, bounds: Self.bounds("max-jobs", table)) }
        if let value = parsed.value("tag-suffix") { tagSuffix = try Self.suffix(value) }
        if let value = parsed.value("source") { source = try Self.checked(value, "source", SourceLocation.problem(with:)) }
        if let value = parsed.value("registry") {
            registry = try Self.checked(value, "registry") { host in
                guard RegistryHost.isValid(host) else {
                    return "is not a registry host (HOST or HOST:PORT, e.g. registry.example.com:5000)"
                }
                return RegistryHost.isReadAsHost(host)
                    ? nil
                    : "would be read by Docker as a Docker Hub namespace, not a host; give its port or domain (e.g. \(host):5000)"
            }
        }
        if let value = parsed.value("namespace") {
            namespace = try Self.checked(value, "namespace") {
                ImageName.isValidNamespace($0) ? nil : "is not a valid image namespace (lowercase letters, digits, . _ - and /)"
            }
            if registry == nil, let first = value.split(separator: "/").first, RegistryHost.isReadAsHost(String(first)) {
                throw LinbuildError.usage(
                    "--namespace \(Sanitized.forMessage(value)) would be read by Docker as a registry host; pass the host with --registry")
            }
        }
        if let value = parsed.value("presets") { presetsPath = try Self.checked(value, "presets", Self.pathProblem) }
        if let value = parsed.value("dockerfile") { dockerfile = try Self.checked(value, "dockerfile", Self.pathProblem) }
        if let value = parsed.value("log-dir") { logDirectory = try Self.checked(value, "log-dir", Self.pathProblem) }
        if let value = parsed.value("platform") {
            platform = try Self.checked(value, "platform") { Platform.isValid($0) ? nil : "is not a platform (os/arch, e.g. linux/amd64)" }
        }
        if let value = parsed.value("engine") {
            engine = try Self.checked(value, "engine") {
                $0.hasPrefix("-") || $0.contains(where: \.isNewline) ? "is not a command name or path" : nil
            }
        }
        if let value = parsed.value("context") { dockerContext = try Self.checked(value, "context", Self.wordProblem) }
        if let value = parsed.value("builder") { builder = try Self.checked(value, "builder", Self.wordProblem) }
        if let value = parsed.value("network") { network = try Self.checked(value, "network", Self.wordProblem) }
        if let value = parsed.value("gpus") { gpus = try Self.checked(value, "gpus", Self.wordProblem) }
        if let value = parsed.value("probe-timeout") {
            let bounds = Self.bounds("probe-timeout", table)
            guard value.count <= String(bounds.upperBound).count, value.allSatisfy(\.isASCIIDigit), let seconds = Int(value),
                bounds.contains(seconds)
            else {
                throw LinbuildError.usage(
                    "--probe-timeout \(Sanitized.forMessage(value)) is not a whole number of seconds from \(bounds.lowerBound) to \(bounds.upperBound)"
                )
            }
            probeTimeout = Double(seconds)
        }
        if let value = parsed.value("keep") { keep = try Self.whole(value, "keep", bounds: Self.bounds("keep", table)) }
        if let value = parsed.value("older-than") {
            olderThanDays = try Self.whole(value, "older-than", bounds: Self.bounds("older-than", table))
        }
        if let value = parsed.value("progress") {
            progress = try Self.checked(value, "progress") {
                OptionTable.progressModes.contains($0) ? nil : "must be one of \(OptionTable.progressModes.joined(separator: ", "))"
            }
        }
        try checkPositionals()
    }

    private func checkPositionals() throws {
        switch subcommand {
        case .build, .check, .preflight, .prune:
            if let extra = positionals.first {
                let hint =
                    Subcommand.allCases.map(\.rawValue).contains(where: { EditDistance.between($0, extra) <= 2 })
                    ? " (subcommands: \(Subcommand.allCases.map(\.rawValue).joined(separator: ", ")))"
                    : " (options start with --; see linbuild --help)"
                throw LinbuildError.usage("unexpected argument \(Sanitized.forMessage(extra))\(hint)")
            }
        case .validate:
            guard positionals.count == 1 else {
                throw LinbuildError.usage("validate needs exactly one IMAGE: linbuild validate [--arch NAME] IMAGE")
            }
        case .completions:
            guard positionals.count == 1, ["bash", "zsh", "fish"].contains(positionals[0]) else {
                throw LinbuildError.usage("completions needs one shell: linbuild completions bash|zsh|fish")
            }
        }
    }

    private static func checked(_ value: String, _ option: String, _ problem: (String) -> String?) throws -> String {
        if let problem = problem(value) {
            throw LinbuildError.usage("--\(option) \(Sanitized.forMessage(value)) \(problem)")
        }
        return value
    }

    private static func pathProblem(_ value: String) -> String? {
        value.contains("\0") || value.contains(where: \.isNewline) ? "is not a usable path" : nil
    }

    private static func wordProblem(_ value: String) -> String? {
        value.hasPrefix("-") || value.contains(where: { $0.isWhitespace || $0.isNewline }) ? "is not a usable name" : nil
    }

    static func archSelection(_ value: String) throws -> ArchSelection {
        if value == "all" { return .all }
        let names = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for name in names where name.isEmpty || !ArchitectureName.isValid(name) {
            throw LinbuildError.usage(
                "--arch \(Sanitized.forMessage(value)) is not a list of architecture names (e.g. hopper or ampere,hopper or all)")
        }
        var unique: [String] = []
        for name in names where !unique.contains(name) { unique.append(name) }
        return .named(unique)
    }

    static func jobs(_ value: String, bounds: ClosedRange<Int> = OptionTable.jobBounds) throws -> Int {
        guard value.count <= 10, value.allSatisfy(\.isASCIIDigit), let jobs = Int(value), bounds.contains(jobs) else {
            throw LinbuildError.usage(
                "--max-jobs \(Sanitized.forMessage(value)) is not a whole number from \(bounds.lowerBound) to \(bounds.upperBound)")
        }
        return jobs
    }

    /// A whole number within `bounds`, or a usage error naming the option.
    static func whole(_ value: String, _ option: String, bounds: ClosedRange<Int>) throws -> Int {
        guard value.count <= String(bounds.upperBound).count, value.allSatisfy(\.isASCIIDigit), let number = Int(value),
            bounds.contains(number)
        else {
            throw LinbuildError.usage(
                "--\(option) \(Sanitized.forMessage(value)) is not a whole number from \(bounds.lowerBound) to \(bounds.upperBound)")
        }
        return number
    }

    /// A whole-number option's bounds, from its spec.
    private static func bounds(_ name: String, _ table: [OptionSpec]) -> ClosedRange<Int> {
        OptionTable.spec(named: name, in: table)?.bounds ?? OptionTable.spec(named: name)!.bounds!
    }

    /// One leading dash is the separator the user may have typed; the tag adds its own.
    static func suffix(_ value: String) throws -> String {
        let body = value.hasPrefix("-") ? String(value.dropFirst()) : value
        guard !body.isEmpty, TagGrammar.isValidTagFragment(body), !body.hasPrefix("-") else {
            throw LinbuildError.usage(
                "--tag-suffix \(Sanitized.forMessage(value)) cannot be part of a tag (letters, digits, . _ - only, e.g. myfeature)")
        }
        guard body.count <= maximumSuffixLength else {
            throw LinbuildError.usage(
                "--tag-suffix \(Sanitized.forMessage(value)) is longer than \(maximumSuffixLength) characters; the runtime tag <sha12>-<arch>-<suffix> must fit in \(TagGrammar.maximumLength)"
            )
        }
        return body
    }
}
