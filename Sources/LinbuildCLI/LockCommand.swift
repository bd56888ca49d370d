import Foundation
import LinbuildModel
import LinbuildRun
import LinbuildSupport

/// `linbuild lock [--arch NAME|all] [--update]`: pins every image the base's stages pull, for the
/// platform, to its manifest digest, and the torch, torchvision and torchaudio wheels to their
/// hashes, in the lock file beside the presets. Pins that still fit are kept; `--update` asks
/// again. One line per pin; the file is written only when it changed.
struct LockCommand: LinbuildCommand {
    var context: Context

    func run() throws {
        let options = context.options, presets = context.presets, console = context.console
        let architectures = try options.architectures(in: presets, whenAbsent: .all)
        let dockerfile = try context.dockerfile()
        try ContractCheck.verify(dockerfile: dockerfile, presets: presets, architectures: architectures)
        let file = context.locations.lock
        let existing = try UpstreamLock.load(path: file)
        let targets = context.lockTargets(architectures, dockerfile: dockerfile)
        let questions = try LockUpdate.questions(existing: existing, targets: targets, update: options.update)
        let answers = UpstreamAnswers.ask(
            questions, platform: targets.platform, registry: context.registry, index: PackageIndexClient(timeout: options.probeTimeout),
            timeout: options.probeTimeout)
        let (lock, changes) = try LockUpdate.apply(
            existing: existing, targets: targets, update: options.update, images: answers.images, pages: answers.pages)
        for change in changes { console.out(change.line + "\n") }
        for target in targets.architectures where target.wheels.isEmpty {
            console.info(
                "lock [\(target.name)]: no wheels pinned: the base's stages declare none of \(LockTargets.hashArguments.joined(separator: ", ")) (docker/Dockerfile shows how)"
            )
        }
        guard existing != lock else { return console.info("\(file) is up to date") }
        try write(lock.text, to: file)
        let moved = changes.filter { $0.kind == .moved }.count, pinned = changes.filter { $0.kind == .pinned }.count
        console.info("wrote \(file) (\(pinned) pinned, \(moved) moved): review and commit it; builds now use these digests")
    }

    /// Through a temporary file beside it and a rename: an interrupted lock leaves the old file whole.
    private func write(_ text: String, to file: String) throws {
        let temporary = file + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            try text.write(toFile: temporary, atomically: false, encoding: .utf8)
            if rename(temporary, file) != 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw LinbuildError.cannotCreate(
                path: file, what: "lock file", reason: error.localizedDescription, fix: "check that the presets folder is writable")
        }
    }
}

extension Context {
    /// What a lock pins for `architectures`, read as the plan reads presets and locations.
    func lockTargets(_ architectures: [Presets.Architecture], dockerfile: Dockerfile) -> LockTargets {
        LockTargets.make(
            presets: presets, architectures: architectures, dockerfile: dockerfile, platform: options.platform(or: presets),
            locations: presets.defaults.locations.overridden(byArguments: options.locationOverrides))
    }
}
