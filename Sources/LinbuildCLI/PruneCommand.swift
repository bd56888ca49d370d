import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildRun
import LinbuildSupport

/// `linbuild prune [--registry HOST] [--keep N] [--older-than DAYS] [--apply] [--json]`: lists what
/// `RetentionPolicy` would delete from the registry and why; with `--apply`, deletes it, one
/// manifest at a time, runtimes first. Ctrl-C stops it between two deletes (each is one request,
/// whole or not done), so an interrupted prune leaves a consistent registry, and the next run
/// carries on; a run after a complete one deletes nothing.
struct PruneCommand: LinbuildCommand {
    var context: Context

    func run() throws {
        let options = context.options, presets = context.presets, console = context.console
        let repository = ImageRepository(registry: options.registry, namespace: options.namespace(or: presets))
        let runtimes = repository.name(image: presets.defaults.runtimeImage)
        let bases = repository.name(image: presets.defaults.baseImage)
        // The wheels' repository too, so that wheels no base names (orphans) are seen at all.
        let wheels = repository.name(image: FlashAttentionImageTag.imageName(presets.defaults.baseImage))
        let interrupts = Interrupts.install()
        defer { interrupts.uninstall() }

        let tags: [RetentionPolicy.Tag]
        do {
            tags = try RegistryInventory(registry: context.registry).tags(of: [runtimes, bases, wheels])
        } catch {
            throw LinbuildError.registryUnavailable(
                "cannot list \(runtimes), \(bases) and \(wheels): \(error) (check --registry and your login)")
        }
        let now = context.clock()
        let policy = RetentionPolicy(
            runtimeRepository: runtimes, baseRepository: bases, keep: options.keep,
            cutOff: options.olderThanDays.map { now.addingTimeInterval(-Double($0) * 86_400) })
        let decision = policy.decide(tags)
        if options.json { console.out(Self.json(decision, applied: options.apply)) }
        for kept in decision.kept { console.detail("keep \(kept.tag.reference): \(kept.reason)") }
        let verb = options.apply ? "delete" : "would delete"
        for deletion in decision.deletions where !options.json {
            console.out(
                "\(verb) \(deletion.repository)@\(deletion.digest) (\(deletion.tags.sorted().joined(separator: ", "))): \(deletion.reason)\n"
            )
        }
        let tagCount = decision.deletions.reduce(0) { $0 + $1.tags.count }
        guard options.apply else {
            return console.info(
                "prune: \(decision.deletions.count) manifest\(decision.deletions.count == 1 ? "" : "s") (\(tagCount) tags) to delete, \(decision.kept.count) tags kept (-v lists them); nothing deleted: pass --apply to delete"
            )
        }

        var deleted = 0
        for deletion in decision.deletions {
            if let signal = ChildProcesses.shared.receivedSignal {
                console.info("prune: stopped after \(deleted) of \(decision.deletions.count) deletes; run it again to go on")
                throw LinbuildError.interrupted(signal: signal)
            }
            guard let parsed = ImageReference(deletion.repository + "@" + deletion.digest) else { continue }
            let outcome: DeleteOutcome
            do {
                outcome = try context.registry.deleteManifest(deletion.digest, in: parsed)
            } catch {
                throw LinbuildError.registryUnavailable(
                    "cannot delete \(deletion.repository)@\(deletion.digest): \(error) (\(deleted) deleted before it; run prune again to go on)"
                )
            }
            switch outcome {
            case .deleted:
                deleted += 1
                console.info(
                    "deleted \(deletion.repository)@\(deletion.digest.prefix(19))… (\(deletion.tags.sorted().joined(separator: ", ")))")
            case .alreadyGone:
                console.info("\(deletion.repository)@\(deletion.digest.prefix(19))… was already gone")
            case .refused(let why):
                throw LinbuildError.registryUnavailable(
                    "\(why); \(deleted == 0 ? "nothing was deleted" : "\(deleted) deleted before the refusal")")
            }
        }
        console.info(
            "prune: deleted \(deleted) manifest\(deleted == 1 ? "" : "s") (\(tagCount) tags), kept \(decision.kept.count) tags; the registry frees their layers at its next garbage collection"
        )
    }

    static func json(_ decision: RetentionPolicy.Decision, applied: Bool) -> String {
        JSONValue.sortedObject([
            "schemaVersion": .number(1, literal: "1"),
            "applied": .bool(applied),
            "deletions": .array(
                decision.deletions.map { deletion in
                    .sortedObject([
                        "repository": .string(deletion.repository), "digest": .string(deletion.digest),
                        "tags": .array(deletion.tags.sorted().map(JSONValue.string)), "reason": .string(deletion.reason),
                    ])
                }),
            "kept": .array(
                decision.kept.map { kept in
                    .sortedObject([
                        "reference": .string(kept.tag.reference), "digest": .string(kept.tag.digest), "reason": .string(kept.reason),
                    ])
                }),
        ]).text
    }
}
