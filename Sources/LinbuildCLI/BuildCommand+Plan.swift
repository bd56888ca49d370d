import Foundation
import LinbuildModel
import LinbuildRun
import LinbuildSupport

/// The plan of a build, in two parts: what can be checked and resolved without an engine (the
/// architectures, the Dockerfile contract, the commit and what it holds), then the plan itself.
extension BuildCommand {
    /// Everything the plan needs from outside that no engine is asked for.
    struct Resolved {
        var dockerfile: Dockerfile
        var architectures: [Presets.Architecture]
        var source: ResolvedSource
    }

    func resolve(_ dockerfile: Dockerfile) throws -> Resolved {
        let options = context.options, presets = context.presets
        let architectures = try options.architectures(in: presets)
        try ContractCheck.verify(
            dockerfile: dockerfile, presets: presets, architectures: architectures,
            locations: presets.defaults.locations.overridden(byArguments: options.locationOverrides))
        let location = SourceLocation(options.source(or: presets))
        let resolver = CommitResolver(runner: context.runner, remoteTimeout: options.probeTimeout)
        var resolved: ResolvedSource
        do {
            resolved = try resolver.resolve(options.branch(or: presets), in: location)
        } catch LinbuildError.unknownRef(let repository, let ref) where options.branch == nil {
            // The ref nobody typed: name the presets file it came from, and what the repository has.
            guard let head = resolver.headBranch(of: location), head != ref else {
                throw LinbuildError.unknownRef(repository: repository, ref: ref)
            }
            throw LinbuildError.unknownRefWithHint(
                repository: repository, ref: ref,
                hint:
                    "'\(ref)' is defaults.branch in \(context.locations.presets), and the repository's HEAD branch is '\(head)' (pass --branch \(head), or change defaults.branch there)"
            )
        }
        // (A local commit's submodules and LFS files were found as it was resolved.)
        if case .path(let path) = resolved.location {
            if let refusal = resolved.contents.refusal(source: path) {
                guard options.allowIncompleteSource else { throw refusal }
                context.console.warning(
                    "\(refusal.description.split(separator: ";").first ?? ""); building without them (--allow-incomplete-source)")
            }
        }
        return Resolved(dockerfile: dockerfile, architectures: architectures, source: resolved)
    }

    /// `resources`: the engine's machine for `--max-jobs auto`; nil in a dry run, which never asks
    /// the engine (the plan then says auto was not resolved).
    func plan(_ resolved: Resolved, engine: EngineCLI, resources: Result<EngineResources, JobSizingError>? = nil) throws -> Plan {
        let options = context.options, presets = context.presets
        var builder = PlanBuilder(
            options: options, presets: presets, architectures: resolved.architectures, dockerfile: resolved.dockerfile,
            source: resolved.source, engine: engine, workDirectory: Self.workDirectory(environment: context.environment),
            // The commit's time, so two builds of one commit carry one created label.
            createdAt: Self.timestamp(resolved.source.commitTime.map { Date(timeIntervalSince1970: Double($0)) } ?? context.clock()))
        builder.jobChoices = JobSizing.choices(
            requested: options.maxJobs, presets: presets, architectures: resolved.architectures, resources: resources)
        if let requested = options.maxJobs, case .success(let machine)? = resources {
            for architecture in resolved.architectures {
                let major = context.presets.jobSizingMajor(of: architecture)
                if let warning = JobSizing.warning(
                    jobs: requested, resources: machine, flashAttentionMajor: major, perJobGiB: major.flatMap { presets.jobMemoryGiB[$0] })
                {
                    context.console.warning("[\(architecture.name)] \(warning)")
                }
            }
        }
        return try builder.make()
    }
}
