import Foundation
import LinbuildModel

/// What a build does around each base build: says how `MAX_JOBS` was chosen, runs the preflight
/// (unless `--no-preflight`), says how long the last build of the same inputs took on this
/// engine, shows the elapsed time while it runs, and records this one's time when it succeeds;
/// the same around the Flash Attention wheels' compile, against the last compile for the architecture.
///
/// The lock check and the preflight run once, at the first base build, for that architecture and every one after
/// it in the plan (their bases may still be built; the ones before were found cached): an input
/// missing for a later architecture stops the run before the first hour is spent.
public final class BaseBuildProgress: BaseBuildHooks, @unchecked Sendable {
    let console: Console
    /// Checks the upstream inputs of the architectures named, throwing when one is absent; nil
    /// with `--no-preflight`.
    let preflight: (@Sendable (_ architectures: [String]) throws -> Void)?
    /// Checks that the registries still hold what the lock pins, for the architectures named;
    /// nil without a lock. Not skipped by `--no-preflight`: a lost digest is the lock's own fact.
    let lockCheck: (@Sendable (_ architectures: [String]) throws -> Void)?
    let engineID: String
    let history: BuildHistory
    /// The plan's architectures, in order.
    let architectures: [String]
    private let lock = NSLock()
    private var checked = false
    private var ticker: DispatchSourceTimer?
    /// How often the elapsed time is shown: redrawn each second on a terminal, a plain line every
    /// five minutes in logs (CI).
    static let plainInterval = 300.0

    public init(
        console: Console, preflight: (@Sendable ([String]) throws -> Void)?, engineID: String, history: BuildHistory,
        architectures: [String], lockCheck: (@Sendable ([String]) throws -> Void)? = nil
    ) {
        self.console = console
        self.preflight = preflight
        self.lockCheck = lockCheck
        self.engineID = engineID
        self.history = history
        self.architectures = architectures
    }

    /// The checks come before the wheels' compile: it is the hours of a base build. The time is
    /// compared with the last compile for the architecture (a compile runs when the wheels' inputs
    /// changed, so the last one had other inputs: the same work, as far as a guess goes).
    public func willCompileWheels(_ target: TargetPlan) throws {
        if let reason = target.maxJobsReason { console.info("fa [\(target.arch)]: \(reason)") }
        try checkOnce(from: target)
        let last = history.last(engine: engineID, digest: BuildHistory.compileKey(arch: target.arch))
        if let last {
            console.info("fa [\(target.arch)]: the last compile for \(target.arch) on this engine took \(BuildHistory.duration(last))")
        } else {
            console.info("fa [\(target.arch)]: no earlier compile for \(target.arch) on this engine (hours, for real CUDA kernels)")
        }
        startTicker(label: "fa [\(target.arch)]", last: last.map { "the last compile took \(BuildHistory.duration($0))" })
    }

    public func didCompileWheels(_ target: TargetPlan, seconds: Double?) {
        stopTicker()
        if let seconds { history.record(engine: engineID, digest: BuildHistory.compileKey(arch: target.arch), seconds: seconds) }
    }

    public func willBuild(_ target: TargetPlan) throws {
        if let reason = target.maxJobsReason, target.faImage == nil { console.info("base [\(target.arch)]: \(reason)") }
        try checkOnce(from: target)
        let last = history.last(engine: engineID, digest: target.baseInputs.digest)
        if let last {
            console.info("base [\(target.arch)]: the last build of these inputs on this engine took \(BuildHistory.duration(last))")
        } else {
            console.info("base [\(target.arch)]: no earlier build of these inputs on this engine (hours, for a real CUDA base)")
        }
        startTicker(label: "base [\(target.arch)]", last: last.map { "the last build took \(BuildHistory.duration($0))" })
    }

    /// The lock check and the preflight, at the first call only, for `target` and every later architecture.
    private func checkOnce(from target: TargetPlan) throws {
        let first = lock.withLock { () -> Bool in
            defer { checked = true }
            return !checked
        }
        let remaining = Array(architectures.drop { $0 != target.arch })
        if first, let lockCheck { try lockCheck(remaining) }
        if first, let preflight { try preflight(remaining) }
    }

    public func didBuild(_ target: TargetPlan, seconds: Double?) {
        stopTicker()
        if let seconds { history.record(engine: engineID, digest: target.baseInputs.digest, seconds: seconds) }
    }

    private func stopTicker() {
        lock.withLock {
            ticker?.cancel(); ticker = nil
        }
        console.setStatus(nil)
    }

    /// `<label>: 1:02 elapsed (<last>)`, live on a terminal, every five minutes in a log.
    private func startTicker(label: String, last: String?) {
        let console = console
        guard console.verbosity != .quiet else { return }
        let started = Date()
        let timer = DispatchSource.makeTimerSource(queue: .global())
        let interval = console.liveStatus ? 1.0 : Self.plainInterval
        timer.schedule(deadline: .now() + (console.liveStatus ? 0 : interval), repeating: interval)
        timer.setEventHandler {
            let text = "\(label): \(Self.clock(Date().timeIntervalSince(started))) elapsed" + (last.map { " (\($0))" } ?? "")
            if console.liveStatus { console.setStatus(console.paint(text, code: "2")) } else { console.info(text) }
        }
        lock.withLock { ticker = timer }
        timer.resume()
    }

    /// `0:07`, `12:03`, `1:02:09`.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds)
        let (hours, minutes, rest) = (total / 3600, (total % 3600) / 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }
}
