import Foundation
import LinbuildSupport
import LinbuildProcess
import LinbuildModel

/// Runs a plan: probes the engine, decides about each base, runs the builds one after another
/// with live output and a log per step, pushes only once every build succeeded, and always
/// removes its work folder.
public struct Executor {
    public var plan: Plan
    public var runner: ProcessRunning
    public var console: Console
    public var registry: RegistryChecking
    public var logDirectory: String
    public var probeTimeout: Double
    /// Told before and after each base build (preflight, build-duration history); nil: nothing.
    public var baseBuildHooks: BaseBuildHooks? = nil

    public init(plan: Plan, runner: ProcessRunning, console: Console, registry: RegistryChecking,
                logDirectory: String, probeTimeout: Double = 20) {
        self.plan = plan
        self.runner = runner
        self.console = console
        self.registry = registry
        self.logDirectory = logDirectory
        self.probeTimeout = probeTimeout
    }

    /// What the run has learnt so far about one architecture.
    struct ArchState {
        var decision: BaseDecision?
        var finding: BaseFinding?
        var localBaseMissing = false
        /// The image ID of the base this run built or found: what it tags and pushes.
        var baseID: String?
        var builtBase = false
        var failed = false
    }

    /// Runs every step. The summary is returned, and printed, whether the run succeeded or not;
    /// a failure is thrown after it.
    @discardableResult
    public func run() throws -> RunSummary {
        let probe = EngineProbe(engine: plan.engine, runner: runner, timeout: probeTimeout)
        let versions = try probe.verify()
        console.info("engine: \(plan.engine.executable) \(versions.client) (server \(versions.server)); builder: \(plan.engine.builder.description)")
        console.info("source: \(plan.source) at \(plan.ref) = \(plan.commit.sha)")
        try createPrivateDirectory(plan.workDirectory)
        defer { try? FileManager.default.removeItem(atPath: plan.workDirectory) }
        for folder in WorkFolders.removeAbandoned(besides: plan.workDirectory) {
            console.detail("removed \(folder), left by a run that no longer exists")
        }
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)

        var states: [String: ArchState] = [:]
        var summary = RunSummary()
        var firstFailure: Error?
        defer { console.summary(summary.rendered().trimmingCharacters(in: .newlines)) }

        var interruption: LinbuildError?
        for step in plan.steps {
            if interruption == nil, let signal = ChildProcesses.shared.receivedSignal { interruption = .interrupted(signal: signal) }
            if interruption != nil {
                if Self.showsInSummary(step) { summary.rows.append(.init(step: rowName(step), outcome: .notRun, seconds: 0, note: "interrupted")) }
                continue
            }
            let arch = step.arch ?? ""
            let skipRest = firstFailure != nil && (!plan.keepGoing || step.kind == .pushBase || step.kind == .pushRuntime)
            if skipRest || states[arch]?.failed == true {
                if step.kind != .checkBase, step.kind != .cleanUp, step.condition == nil || step.kind == .buildBase {
                    summary.rows.append(.init(step: rowName(step), outcome: .notRun, seconds: 0,
                                              note: step.kind == .pushBase || step.kind == .pushRuntime ? "nothing is pushed after a failure" : nil))
                }
                continue
            }
            do {
                try perform(step, probe: probe, states: &states, summary: &summary)
            } catch let error as LinbuildError where error.isInterruption {
                interruption = error
            } catch let error as LinbuildError where !error.endsEveryArchitecture {
                firstFailure = firstFailure ?? error
                states[arch, default: ArchState()].failed = true
                if step.arch == nil { throw error }
            }
        }
        if let interruption { throw interruption }
        if let firstFailure { throw firstFailure }
        return summary
    }

    /// Steps that get a summary row when they run, so a "not run" row when they cannot.
    static func showsInSummary(_ step: Step) -> Bool {
        ![.prepare, .exportSource, .checkBase, .cleanUp].contains(step.kind) && (step.condition == nil || step.kind == .buildBase)
    }

    func rowName(_ step: Step) -> String {
        let name: String = switch step.kind {
        case .buildBase, .checkBase: "base"
        case .buildRuntime: "runtime"
        case .pullBase: "pull base"
        case .pushBase: "push base"
        case .pushRuntime: "push runtime"
        default: step.title
        }
        return step.arch.map { "\(name) [\($0)]" } ?? name
    }

    private func perform(_ step: Step, probe: EngineProbe, states: inout [String: ArchState], summary: inout RunSummary) throws {
        let arch = step.arch ?? ""
        var state = states[arch] ?? ArchState()
        defer { states[arch] = state }
        let started = Date()
        func seconds() -> Double { Date().timeIntervalSince(started) }

        switch step.kind {
        case .prepare, .cleanUp:
            return  // done in-process by `run`, so clean-up works even after a signal
        case .exportSource:
            try exportSource(step)
            console.info("source: exported \(plan.commit.short) (tracked files only)")
        case .checkBase:
            let finding = try decide(step, probe: probe, state: &state)
            let decision = finding.decision
            state.decision = decision
            state.finding = finding
            console.info(console.paint("base [\(arch)]: \(finding.reason)", code: "1"))
            if decision == .cachedLocally, let id = finding.localID {
                state.baseID = id
                try settleTags(of: id, step: step, probe: probe)
            }
            if !decision.needsBuild {
                let image = decision == .cachedLocally ? finding.localID : probe.imageID(of: step.image ?? "")
                summary.rows.append(.init(step: rowName(step), outcome: decision == .skipped ? .skipped : .cached, seconds: seconds(),
                                          image: decision == .inRegistry ? nil : image, note: finding.reason))
            }
        case .buildBase:
            guard state.decision?.needsBuild ?? true else { return }
            let target = plan.targets.first { $0.arch == step.arch }
            if let target { try baseBuildHooks?.willBuild(target) }
            var built = false, buildStarted = Date()  // after the preflight: the history times the build alone
            defer { if let target { baseBuildHooks?.didBuild(target, seconds: built ? Date().timeIntervalSince(buildStarted) : nil) } }
            try stream(step, summaryName: rowName(step), summary: &summary, note: state.decision?.reason, probe: probe)
            state.builtBase = true
            state.baseID = probe.imageID(of: step.image ?? "")
            if let id = state.baseID { try settleTags(of: id, step: step, probe: probe) }
            built = true
        case .pullBase:
            guard state.decision == .inRegistry || (state.decision == .skipped && state.localBaseMissing) else { return }
            let source = state.finding?.pull ?? step.image ?? ""
            if state.decision == .skipped { try requireInRegistry(source) }
            var pull = step
            pull.commands = [plan.engine.pull(source, platform: plan.platform)]
            try stream(pull, summaryName: rowName(step), summary: &summary, note: state.finding?.stale.map { "\($0) is stale" },
                       probe: probe, outcome: .pulled, shownImage: source)
            if state.decision == .inRegistry {
                state.baseID = probe.imageID(of: source)
                if let id = state.baseID { try settleTags(of: id, step: step, probe: probe) }
            }
        case .buildRuntime:
            try stream(step, summaryName: rowName(step), summary: &summary, note: nil, probe: probe)
        case .pushBase:
            try pushBase(step, state: state, probe: probe, summary: &summary, started: started)
        case .pushRuntime:
            try stream(step, summaryName: rowName(step), summary: &summary, note: nil, probe: probe, outcome: .pushed)
        }
    }

    private func decide(_ step: Step, probe: EngineProbe, state: inout ArchState) throws -> BaseFinding {
        guard let target = target(of: step), let image = step.image else { return BaseFinding(decision: .missing) }
        switch plan.baseMode {
        case .force:
            return BaseFinding(decision: .forced)
        case .skip:
            state.localBaseMissing = try probe.localImage(image) == nil
            return BaseFinding(decision: .skipped)
        case .auto:
            return try BaseFinding.find(inputs: target.baseInputs, references: [target.baseImmutableImage, image],
                                        local: probe.localImage, registry: { try registryImage($0) })
        }
    }

    func target(of step: Step) -> TargetPlan? { plan.targets.first { $0.arch == step.arch } }

    /// What the registry holds under `reference` for the run's platform; exit 69 when it cannot say.
    func registryImage(_ reference: String) throws -> RegistryImage? {
        guard let parsed = ImageReference(reference) else { throw InternalError("the plan holds \(reference), which is not an image reference") }
        do {
            return try registry.image(of: parsed, platform: plan.platform)
        } catch {
            // The error says which it was: the registry could not be asked, or the image is
            // there but its config (where the inputs label is) could not be read.
            throw LinbuildError.registryUnavailable(
                "cannot decide about \(reference) from the registry: \(error) (fix access and retry, or pass --force-base to build it here)")
        }
    }

    private func exportSource(_ step: Step) throws {
        for command in step.commands {
            console.detail(command.shellLine)
            let output = try runner.capture(command.revealed, timeout: nil, limit: 64 * 1024)
            if let signal = ChildProcesses.shared.receivedSignal { throw LinbuildError.interrupted(signal: signal) }
            guard output.termination.succeeded else {
                let detail = output.stderrSummary.isEmpty ? "\(command.executable) \(output.termination)" : output.stderrSummary
                throw LinbuildError.gitFailed(repository: plan.source, detail: "exporting \(plan.commit.short) failed: \(detail)")
            }
        }
        if let warning = try SourceExport.checkFetched(plan, runner: runner) { console.warning(warning) }
    }

    /// Runs a long step with its output live on the terminal and in its log; returns the image ID
    /// (or pushed digest), and records a summary row for it unless `record` is false.
    @discardableResult
    func stream(_ step: Step, summaryName: String, summary: inout RunSummary, note: String?, probe: EngineProbe,
                outcome: RunSummary.Outcome = .built, shownImage: String? = nil, record: Bool = true) throws -> String? {
        let started = Date()
        let logPath = logDirectory + "/" + step.title.replacingOccurrences(of: " [", with: "-")
            .replacingOccurrences(of: "]", with: "").replacingOccurrences(of: " ", with: "-") + ".log"
        let output = try StepOutput(logPath: logPath, console: console, echo: console.verbosity != .quiet)
        if console.githubActions { console.out("::group::\(step.title)\n") }
        console.info(console.paint("==> \(step.title)" + ((shownImage ?? step.image).map { ": \($0)" } ?? ""), code: "1;34"))
        var termination: Termination = .exited(0)
        for command in step.commands where termination.succeeded {
            console.detail(command.shellLine)
            do {
                termination = try runner.stream(command, to: output)
            } catch let failure as LaunchFailure {
                output.finish()
                throw LinbuildError.engineUnavailable("\(failure) (install docker or podman, or pass --engine PATH)")
            }
        }
        output.finish()
        if console.githubActions { console.out("::endgroup::\n") }
        let seconds = Date().timeIntervalSince(started)
        if let signal = ChildProcesses.shared.receivedSignal {
            summary.rows.append(.init(step: summaryName, outcome: .failed, seconds: seconds, note: "interrupted"))
            throw LinbuildError.interruptedDuring(signal: signal, step: step.title)
        }
        guard termination.succeeded else {
            summary.rows.append(.init(step: summaryName, outcome: .failed, seconds: seconds, note: "log: \(logPath)"))
            try requireEngine(probe, after: step, log: logPath)
            if step.kind == .pushBase || step.kind == .pushRuntime {
                throw LinbuildError.pushFailed("pushing \(step.image ?? "") failed (\(termination)); see \(logPath); nothing after it was pushed (run 'docker login' if access was refused)")
            }
            throw LinbuildError.buildFailed(step: step.title, status: "\(termination)", log: logPath)
        }
        let image = outcome == .pushed ? output.pushedDigest : (shownImage ?? step.image).flatMap(probe.imageID(of:))
        if record { summary.rows.append(.init(step: summaryName, outcome: outcome, seconds: seconds, image: image, note: note)) }
        return image
    }

    private func createPrivateDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o700])
            try WorkFolders.recordOwner(of: path)
            for context in [plan.sourceContext, plan.emptyContext] {
                try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: false)
            }
        } catch {
            throw LinbuildError.missingFile(path, what: "work folder (cannot create it: \(error.localizedDescription); check TMPDIR)")
        }
    }
}
