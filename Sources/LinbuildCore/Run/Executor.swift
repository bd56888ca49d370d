import Foundation

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
        var localBaseMissing = false
        var registryHasBase: RegistryAnswer?
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
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)

        var states: [String: ArchState] = [:]
        var summary = RunSummary()
        var firstFailure: Error?
        defer { console.summary(summary.rendered().trimmingCharacters(in: .newlines)) }

        for step in plan.steps {
            if let signal = ChildProcesses.shared.receivedSignal { throw LinbuildError.interrupted(signal: signal) }
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
            } catch let error as LinbuildError where !error.endsEveryArchitecture {
                firstFailure = firstFailure ?? error
                states[arch, default: ArchState()].failed = true
                if step.arch == nil { throw error }
            }
        }
        if let firstFailure { throw firstFailure }
        return summary
    }

    private func rowName(_ step: Step) -> String {
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
            let decision = try decide(step, probe: probe, state: &state)
            state.decision = decision
            console.info(console.paint("base [\(arch)]: \(decision.reason)", code: "1"))
            if !decision.needsBuild {
                summary.rows.append(.init(step: rowName(step), outcome: decision == .skipped ? .skipped : .cached, seconds: seconds(),
                                          image: probe.imageID(of: step.image ?? ""), note: decision.reason))
            }
        case .buildBase:
            guard state.decision?.needsBuild ?? true else { return }
            try stream(step, summaryName: rowName(step), summary: &summary, note: state.decision?.reason, probe: probe)
            state.builtBase = true
        case .pullBase:
            guard state.decision == .inRegistry || (state.decision == .skipped && state.localBaseMissing) else { return }
            try stream(step, summaryName: rowName(step), summary: &summary, note: nil, probe: probe, outcome: .pulled)
        case .buildRuntime:
            try stream(step, summaryName: rowName(step), summary: &summary, note: nil, probe: probe)
        case .pushBase:
            if step.condition == .baseNeedsPush, !state.builtBase {
                let reference = try reference(step)
                let answer = state.registryHasBase ?? registry.manifest(of: reference)
                state.registryHasBase = answer
                switch answer {
                case .present:
                    summary.rows.append(.init(step: rowName(step), outcome: .skipped, seconds: seconds(), note: "already in the registry"))
                    return
                case .unknown(let why):
                    console.warning("cannot tell whether the registry has \(step.image ?? "the base") (\(why)); pushing it to be sure")
                case .absent:
                    break
                }
            }
            try stream(step, summaryName: rowName(step), summary: &summary, note: nil, probe: probe, outcome: .pushed)
        case .pushRuntime:
            try stream(step, summaryName: rowName(step), summary: &summary, note: nil, probe: probe, outcome: .pushed)
        }
    }

    private func reference(_ step: Step) throws -> ImageReference {
        guard let image = step.image, let reference = ImageReference(image) else {
            throw LinbuildError.usage("not an image reference: \(step.image ?? "")")
        }
        return reference
    }

    private func decide(_ step: Step, probe: EngineProbe, state: inout ArchState) throws -> BaseDecision {
        guard let target = plan.targets.first(where: { $0.arch == step.arch }), let image = step.image else { return .missing }
        switch plan.baseMode {
        case .force:
            return .forced
        case .skip:
            state.localBaseMissing = try probe.localLabels(of: image) == nil
            return .skipped
        case .auto:
            let reference = try reference(step)
            var registryAnswer: RegistryAnswer?
            let decision = try BaseDecision.decide(inputs: target.baseInputs, local: probe.localLabels(of: image)) {
                do {
                    let labels = try registry.labels(of: reference, platform: plan.platform)
                    registryAnswer = labels == nil ? .absent : .present(digest: nil)
                    return labels
                } catch {
                    // The error says which it was: the registry could not be asked, or the image is
                    // there but its config (where the inputs label is) could not be read.
                    throw LinbuildError.registryUnavailable(
                        "cannot decide about \(image) from the registry: \(error) (fix access and retry, or pass --force-base to build it here)")
                }
            }
            state.registryHasBase = registryAnswer
            return decision
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

    /// Runs a long step with its output live on the terminal and in its log.
    private func stream(_ step: Step, summaryName: String, summary: inout RunSummary, note: String?, probe: EngineProbe,
                        outcome: RunSummary.Outcome = .built) throws {
        let started = Date()
        let logPath = logDirectory + "/" + step.title.replacingOccurrences(of: " [", with: "-")
            .replacingOccurrences(of: "]", with: "").replacingOccurrences(of: " ", with: "-") + ".log"
        let output = try StepOutput(logPath: logPath, console: console, echo: console.verbosity != .quiet)
        if console.githubActions { console.out("::group::\(step.title)\n") }
        console.info(console.paint("==> \(step.title)" + (step.image.map { ": \($0)" } ?? ""), code: "1;34"))
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
            throw LinbuildError.interrupted(signal: signal)
        }
        guard termination.succeeded else {
            summary.rows.append(.init(step: summaryName, outcome: .failed, seconds: seconds, note: "log: \(logPath)"))
            if step.kind == .pushBase || step.kind == .pushRuntime {
                throw LinbuildError.pushFailed("pushing \(step.image ?? "") failed (\(termination)); see \(logPath); nothing after it was pushed (run 'docker login' if access was refused)")
            }
            throw LinbuildError.buildFailed(step: step.title, status: "\(termination)", log: logPath)
        }
        let image = outcome == .pushed ? output.pushedDigest : step.image.flatMap(probe.imageID(of:))
        summary.rows.append(.init(step: summaryName, outcome: outcome, seconds: seconds, image: image, note: note))
    }

    private func createPrivateDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o700])
            for context in [plan.sourceContext, plan.emptyContext] {
                try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: false)
            }
        } catch {
            throw LinbuildError.missingFile(path, what: "work folder (cannot create it: \(error.localizedDescription); check TMPDIR)")
        }
    }
}
