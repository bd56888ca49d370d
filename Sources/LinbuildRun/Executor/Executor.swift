import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildSupport

/// Runs a plan: probes the engine, then each step in order, running the step's own commands and
/// no others. Whether a conditional step runs is the plan's rule (`Step.runs(given:)`): the
/// executor only gathers the facts (what the local store and the registry hold, the base's image
/// ID) and fills in the run values the commands name. Builds run one after another with live output
/// and a log per step, pushes only once every build succeeded, and the work folder is always removed.
public struct Executor {
    public var plan: Plan
    public var runner: ProcessRunning
    public var console: Console
    public var registry: RegistryChecking
    public var logDirectory: String
    public var probeTimeout: Double
    /// Where a Ctrl-C or SIGTERM is learnt; tests pass one that "receives" a signal when they say.
    public var interrupts: InterruptSource
    /// Told before and after each base build (preflight, build-duration history); nil: nothing.
    public var baseBuildHooks: BaseBuildHooks? = nil

    public init(
        plan: Plan, runner: ProcessRunning, console: Console, registry: RegistryChecking,
        logDirectory: String, probeTimeout: Double = 20, interrupts: InterruptSource = ChildProcesses.shared
    ) {
        self.plan = plan
        self.runner = runner
        self.console = console
        self.registry = registry
        self.logDirectory = logDirectory
        self.probeTimeout = probeTimeout
        self.interrupts = interrupts
    }

    /// What the run has learnt so far about one architecture.
    struct ArchState {
        var facts = BaseFacts()
        var finding: BaseFinding?
        /// The image ID of the base this run built or found: what its tags name.
        var baseID: String?
        var failed = false
        /// What the registry holds under each tag of the base, asked once, before its push.
        var registryCopies: [String: RegistryLookup] = [:]
        /// The push of the base so far, tag by tag: one summary row once its last tag is done.
        var basePush: BasePushProgress?
        /// Why the Flash Attention wheels are compiled (the note of their summary row).
        var faReason: String?

        /// The facts `step`'s condition is decided on: what the registry holds under its image.
        func facts(for step: Step) -> BaseFacts {
            var facts = facts
            facts.registryCopy = step.image.flatMap { registryCopies[$0]?.copy }
            return facts
        }
    }

    /// How a run ended: its summary, and the failure to report after it (nil: success).
    public struct Outcome {
        public var summary: RunSummary
        public var failure: Error?
    }

    /// Runs every step. The summary is printed whether the run succeeded or not; a failure is
    /// thrown after it.
    @discardableResult
    public func run() throws -> RunSummary {
        let outcome = try execute()
        console.summary(outcome.summary.rendered().trimmingCharacters(in: .newlines))
        if let failure = outcome.failure { throw failure }
        return outcome.summary
    }

    /// Runs every step and says how it went. Throws only when nothing could start (no engine, no
    /// work folder); a failure of a step is in the outcome, with the summary up to it.
    public func execute() throws -> Outcome {
        let probe = EngineProbe(engine: plan.engine, runner: runner, timeout: probeTimeout)
        let versions = try probe.verify()
        console.info(
            "engine: \(plan.engine.executable) \(versions.client) (server \(versions.server)); builder: \(plan.engine.builder.description)")
        console.info("source: \(plan.source) at \(plan.ref) = \(plan.commit.sha)")
        // Said once: the labels match between builds of one commit, the image digest may not.
        if let problem = plan.timestampProblem { console.info("runtime: \(problem)") }
        try createWorkFolder()
        defer { try? FileManager.default.removeItem(atPath: plan.workDirectory) }
        for folder in WorkFolders.removeAbandoned(besides: plan.workDirectory) {
            console.detail("removed \(folder), left by a run that no longer exists")
        }
        try create("log folder", fix: "check that --log-dir is a folder you can write to", at: logDirectory) {
            try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        }

        var states: [String: ArchState] = [:]
        var summary = RunSummary()
        var firstFailure: Error?
        var interruption: LinbuildError?
        var wheelsDecided = false
        for (index, step) in plan.steps.enumerated() {
            if interruption == nil, let signal = interrupts.receivedSignal { interruption = .interrupted(signal: signal) }
            let arch = step.arch ?? ""
            if let held = hold(
                step, interrupted: interruption != nil, failed: firstFailure != nil, archFailed: states[arch]?.failed == true)
            {
                let row = step.name(.summaryRow)
                if Self.rowWhenNotRun(step, facts: states[arch]?.facts(for: step) ?? BaseFacts()),
                    !summary.rows.contains(where: { $0.step == row })
                {
                    summary.rows.append(.init(step: row, outcome: .notRun, seconds: 0, note: held.note))
                }
                continue
            }
            do {
                let context = StepContext(probe: probe, isLastOfItsKind: isLastOfItsKind(index))
                if step.kind.isPush && !wheelsDecided {
                    wheelsDecided = true
                    try decideWheelsPushes(probe: probe, states: &states)
                }
                try perform(step, context, state: &states[arch, default: ArchState()], summary: &summary)
            } catch let error as LinbuildError where error.isInterruption {
                interruption = error
            } catch let error as LinbuildError where !error.endsEveryArchitecture && step.arch != nil {
                firstFailure = firstFailure ?? error
                states[arch, default: ArchState()].failed = true
            } catch {
                return Outcome(summary: summary, failure: error)
            }
        }
        return Outcome(summary: summary, failure: interruption ?? firstFailure)
    }

    /// What a step runs with besides its own fields.
    struct StepContext {
        var probe: EngineProbe
        /// No later step of the plan has the same kind and architecture (the base's last tag to push).
        var isLastOfItsKind: Bool
    }

    private func isLastOfItsKind(_ index: Int) -> Bool {
        let step = plan.steps[index]
        return !plan.steps[(index + 1)...].contains { $0.kind == step.kind && $0.arch == step.arch }
    }

    /// Why a step cannot run now: the note of its "not run" row.
    struct Held { var note: String? }

    /// Nil when `step` may run: nothing starts after a signal, nothing is pushed after a failure,
    /// and nothing else runs after one unless `--keep-going` lets the other architectures go on.
    func hold(_ step: Step, interrupted: Bool, failed: Bool, archFailed: Bool) -> Held? {
        if interrupted { return Held(note: "interrupted") }
        if failed && step.kind.isPush { return Held(note: "nothing is pushed after a failure") }
        if failed && !plan.keepGoing || archFailed { return Held(note: nil) }
        return nil
    }

    /// A step that cannot run gets a "not run" row when it would have run, as far as the run
    /// knows, and its row has none yet. The base always has a row (found, built or not run), so an
    /// undecided build of it gets one; tags have no row of their own.
    static func rowWhenNotRun(_ step: Step, facts: BaseFacts) -> Bool {
        guard ![.exportSource, .checkBase, .tagBase, .tagBaseForPush, .checkFA].contains(step.kind) else { return false }
        return step.runs(given: facts) ?? (step.kind == .buildBase)
    }

    private func perform(_ step: Step, _ context: StepContext, state: inout ArchState, summary: inout RunSummary) throws {
        let started = Date()
        switch step.kind {
        case .exportSource:
            try exportSource(step)
            console.info("source: exported \(plan.commit.short) (tracked files only)")
        case .checkBase:
            try check(step, probe: context.probe, state: &state, summary: &summary, started: started)
        case .buildBase:
            guard try decided(step, state.facts) else { return }
            try buildBase(step, probe: context.probe, state: &state, summary: &summary)
        case .pullBase:
            guard try decided(step, state.facts) else { return }
            try pullBase(step, probe: context.probe, state: &state, summary: &summary)
        case .tagBase:
            try tagBase(step, probe: context.probe, state: state)
        case .buildRuntime:
            try stream(step, summary: &summary, note: nil, probe: context.probe)
        case .tagBaseForPush:
            try tagBaseForPush(step, probe: context.probe, state: &state, started: started)
        case .pushBase:
            try pushBase(step, context, state: &state, summary: &summary, started: started)
        case .pushRuntime:
            try stream(step, summary: &summary, note: nil, probe: context.probe, outcome: .pushed)
        case .checkFA:
            try checkFA(step, probe: context.probe, state: &state, summary: &summary, started: started)
        case .buildFA:
            try buildFA(step, probe: context.probe, state: &state, summary: &summary)
        case .pullFA:
            try pullFA(step, probe: context.probe, state: &state, summary: &summary)
        case .pushFA:
            try pushFA(step, probe: context.probe, state: &state, summary: &summary)
        }
    }

    /// Whether a conditional step runs; the facts its condition needs are known by then (the check
    /// comes first; a push asks the registry first), so no verdict is a bug.
    func decided(_ step: Step, _ facts: BaseFacts) throws -> Bool {
        guard let runs = step.runs(given: facts) else {
            throw InternalError("\(step.title) came before the facts its condition depends on")
        }
        return runs
    }

    func target(of step: Step) -> TargetPlan? { plan.targets.first { $0.arch == step.arch } }

    /// What the registry holds under `reference` for the run's platform; exit 69 when it cannot say.
    func registryImage(_ reference: String) throws -> RegistryImage? {
        guard let parsed = ImageReference(reference) else {
            throw InternalError("the plan holds \(reference), which is not an image reference")
        }
        do {
            return try registry.image(of: parsed, platform: plan.platform)
        } catch {
            // The error says which it was: the registry could not be asked, or the image is
            // there but its config (where the inputs label is) could not be read.
            throw LinbuildError.registryUnavailable(
                "cannot decide about \(reference) from the registry: \(error) (fix access and retry, or pass --force-base to build it here)"
            )
        }
    }

    /// The work folder and its two build contexts, private to this run.
    private func createWorkFolder() throws {
        try create("work folder", fix: "check TMPDIR", at: plan.workDirectory) {
            try FileManager.default.createDirectory(
                atPath: plan.workDirectory, withIntermediateDirectories: false,
                attributes: [.posixPermissions: 0o700])
            try WorkFolders.recordOwner(of: plan.workDirectory)
            for context in [plan.sourceContext, plan.emptyContext] {
                try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: false)
            }
        }
    }

    private func create(_ what: String, fix: String, at path: String, _ make: () throws -> Void) throws {
        do {
            try make()
        } catch {
            throw LinbuildError.cannotCreate(path: path, what: what, reason: error.localizedDescription, fix: fix)
        }
    }
}
