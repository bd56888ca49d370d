import LinbuildSupport

/// A lock applied to one architecture's base build: the build arguments that carry the pins
/// (`OS_TAG=22.04@sha256:…`, `TORCH_SHA256=…`) and the pins as base inputs. A lock that no longer
/// matches what the build pulls (another tag, a stage it lacks, a torch version it does not pin)
/// is an error, never a silent build from tags: the user asked for pinned upstreams.
public struct LockPins: Equatable, Sendable {
    /// Build arguments to set (replacing a value the plan already passes).
    public var arguments: [(name: String, value: String)]
    /// Base-input key → what is pinned: `image.base` → `ubuntu:22.04@sha256:…`, `wheel.torch` →
    /// `2.7.1+cu126 sha256:…`. Recorded as labels, compared by the base decision.
    public var inputs: [String: String]
    /// The locked images (stage → the run's reference with the digest): what the run checks the
    /// registry still has before a base build.
    public var images: [String: String]

    public static func == (lhs: LockPins, rhs: LockPins) -> Bool {
        lhs.arguments.map(\.name) == rhs.arguments.map(\.name) && lhs.arguments.map(\.value) == rhs.arguments.map(\.value)
            && lhs.inputs == rhs.inputs && lhs.images == rhs.images
    }

    /// Stages docker/Dockerfile renamed (new name → old), which a lock written before pins under
    /// the old name: `builder` became `torch` when the Flash Attention compile got stages of its own.
    static let renamedStages = ["torch": "builder"]

    /// The pins of `target` on `platform`; `file` names the lock in errors.
    public static func make(
        lock: UpstreamLock, file: String, target: LockTargets.Architecture, platform: String, dockerfile: String
    ) throws -> LockPins {
        let fix = "run linbuild lock to pin what changed (or remove \(file) to build from tags)"
        guard let pins = lock.pins(arch: target.name, platform: platform) else {
            throw LinbuildError.lock(
                "\(file) pins nothing for \(target.name) on \(platform) (\(fix.replacingOccurrences(of: "what changed", with: "it")))")
        }
        var result = LockPins(arguments: [], inputs: [:], images: [:])
        var values: [String: String] = [:]
        for image in target.images {
            guard !image.pinnedInDockerfile else { continue }
            guard let locked = pins.images[image.stage] else {
                if let old = renamedStages[image.stage], pins.images[old] != nil {
                    throw LinbuildError.lock(
                        "\(file) pins stage '\(old)' of \(target.name) (image.\(old)), which \(dockerfile) now calls '\(image.stage)' (image.\(image.stage)): run linbuild lock once to pin it under its new name (the other pins are kept)"
                    )
                }
                throw LinbuildError.lock(
                    "\(file) pins no image for stage '\(image.stage)' of \(target.name) (\(dockerfile):\(image.line) pulls \(image.reference)): \(fix)"
                )
            }
            guard locked.tag == image.tag else {
                throw LinbuildError.lock(
                    "\(file) pins stage '\(image.stage)' of \(target.name) to \(locked.image), but \(dockerfile):\(image.line) now pulls \(image.reference): \(fix)"
                )
            }
            guard let pin = image.pin else {
                throw LinbuildError.lock(
                    "\(dockerfile):\(image.line) pulls \(image.reference) with its tag written in the line, so linbuild cannot pin it (make the tag a build argument, as in FROM ubuntu:${OS_TAG}, or write the digest in the line)"
                )
            }
            let value = pin.value + "@" + locked.digest
            if let other = values[pin.argument], other != value {
                throw LinbuildError.lock(
                    "\(pin.argument) ends the image of two stages pinned to different digests (\(other), \(value)); give each stage its own argument"
                )
            }
            values[pin.argument] = value
            // The tag and digest, not the repository: a mirror of the same digest is the same base.
            result.inputs["image." + image.stage] = locked.tag + "@" + locked.digest
            result.images[image.stage] = image.repository + ":" + image.tag + "@" + locked.digest
        }
        for wheel in target.wheels {
            guard let locked = pins.wheels[wheel.project] else {
                throw LinbuildError.lock("\(file) pins no \(wheel.project) wheel for \(target.name): \(fix)")
            }
            guard locked.version == wheel.version else {
                throw LinbuildError.lock(
                    "\(file) pins \(wheel.project) \(locked.version) for \(target.name), but presets ask for \(wheel.version): \(fix)")
            }
            values[wheel.argument] = locked.hashes.joined(separator: " ")
            result.inputs["wheel." + wheel.project] = ([locked.version] + locked.hashes.map { "sha256:" + $0 }).joined(separator: " ")
        }
        // A lock with wheels for a Dockerfile that cannot check them would pin nothing.
        let unchecked = pins.wheels.keys.filter { project in !target.wheels.contains { $0.project == project } }.sorted()
        if let project = unchecked.first {
            throw LinbuildError.lock(
                "\(file) pins \(project) wheels for \(target.name), but the base's stages declare no \(LockTargets.hashArgument(of: project)), so the build could not check them (declare it where the wheels are installed, as docker/Dockerfile does, or run linbuild lock --update)"
            )
        }
        result.arguments = values.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        return result
    }
}
