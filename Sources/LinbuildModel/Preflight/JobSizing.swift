import Foundation
import LinbuildSupport

public struct JobSizingError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// `MAX_JOBS` for the Flash Attention compile, and the sentence that says why.
public struct JobChoice: Equatable, Sendable {
    public var jobs: Int
    public var reason: String
}

/// `--max-jobs auto`: as many compile jobs as the engine's CPUs, but no more than its memory
/// holds at the per-job figure presets keep for the Flash Attention major.
public enum JobSizing {
    static let gibibyte = 1_073_741_824.0

    static func gib(_ bytes: Double) -> String {
        let value = bytes / gibibyte
        return value >= 10 ? "\(Int(value.rounded())) GiB" : String(format: "%.1f GiB", value)
    }

    /// The arithmetic, pure: `min(cpus, floor(memory / perJob))`, at least 1.
    public static func auto(resources: EngineResources, flashAttentionMajor: Int?, perJobGiB: Int?) -> JobChoice {
        let cpus = max(1, resources.cpus)
        guard let major = flashAttentionMajor else {
            return JobChoice(jobs: cpus, reason: "MAX_JOBS=\(cpus): \(cpus) CPUs (no Flash Attention to compile)")
        }
        guard let perJob = perJobGiB, perJob > 0 else {
            return JobChoice(jobs: cpus, reason: "MAX_JOBS=\(cpus): \(cpus) CPUs (presets have no per-job memory for flash-attn v\(major))")
        }
        let byMemory = Int((resources.memoryBytes / (Double(perJob) * gibibyte)).rounded(.down))
        let memory = "\(gib(resources.memoryBytes)) / \(perJob) GiB per job"
        if byMemory < cpus {
            let jobs = max(1, byMemory)
            return JobChoice(
                jobs: jobs,
                reason: "MAX_JOBS=\(jobs): \(memory)"
                    + (byMemory < 1 ? " (less than one job's worth: expect swapping or an out-of-memory kill)" : " (\(cpus) CPUs)"))
        }
        return JobChoice(jobs: cpus, reason: "MAX_JOBS=\(cpus): \(cpus) CPUs (\(memory) would allow \(byMemory))")
    }

    /// The warning for an explicit `--max-jobs N` the memory cannot hold, or nil.
    public static func warning(jobs: Int, resources: EngineResources, flashAttentionMajor: Int?, perJobGiB: Int?) -> String? {
        guard let major = flashAttentionMajor, let perJob = perJobGiB, perJob > 0 else { return nil }
        let needed = Double(jobs * perJob) * gibibyte
        guard needed > resources.memoryBytes else { return nil }
        return
            "--max-jobs \(jobs) needs about \(jobs * perJob) GiB (\(perJob) GiB per flash-attn v\(major) job) but the engine has \(gib(resources.memoryBytes)); the compile may run out of memory (--max-jobs auto would use \(auto(resources: resources, flashAttentionMajor: major, perJobGiB: perJob).jobs))"
    }

    /// One choice per architecture. `resources` is nil when the engine was not asked (dry run)
    /// or did not answer: then presets' `maxJobs` is used and the reason says so.
    public static func choices(
        requested: Int?, presets: Presets, architectures: [Presets.Architecture],
        resources: Result<EngineResources, JobSizingError>?
    ) -> [String: JobChoice] {
        var choices: [String: JobChoice] = [:]
        for architecture in architectures {
            let major = presets.jobSizingMajor(of: architecture)
            if let requested {
                choices[architecture.name] = JobChoice(jobs: requested, reason: "MAX_JOBS=\(requested): --max-jobs \(requested)")
                continue
            }
            switch resources {
            case .success(let machine)?:
                choices[architecture.name] = auto(
                    resources: machine, flashAttentionMajor: major, perJobGiB: major.flatMap { presets.jobMemoryGiB[$0] })
            case .failure(let error)?:
                choices[architecture.name] = JobChoice(
                    jobs: presets.defaults.maxJobs,
                    reason: "MAX_JOBS=\(presets.defaults.maxJobs): --max-jobs auto not resolved (\(error)); presets maxJobs")
            case nil:
                choices[architecture.name] = JobChoice(
                    jobs: presets.defaults.maxJobs,
                    reason:
                        "MAX_JOBS=\(presets.defaults.maxJobs): --max-jobs auto is resolved from the engine when the build runs; presets maxJobs shown"
                )
            }
        }
        return choices
    }
}
