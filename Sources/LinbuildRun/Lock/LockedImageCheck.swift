import Foundation
import LinbuildModel
import LinbuildSupport

/// Before a base build with a lock: does each registry still hold each pinned manifest? Upstreams
/// delete old digests (NVIDIA removes end-of-life CUDA images); a build from such a lock would fail
/// at its first pull, so the run stops first, naming the image and what to do. All at once, one
/// `HEAD` per distinct image, bounded by the probe timeout.
public enum LockedImageCheck {
    /// `images`: per architecture, stage → `repository:tag@sha256:…`. Throws for the first image a
    /// registry does not have (exit 65); returns the images it could not ask about.
    public static func run(
        _ images: [(arch: String, stage: String, reference: String)], registry: RegistryChecking, lockFile: String, timeout: Double
    ) throws -> [String] {
        let answers = Concurrently.answers(Set(images.map(\.reference)), timeout: timeout) { reference in
            ImageReference(reference).map(registry.manifest(of:)) ?? .unknown("not an image reference")
        }
        var unknown: [String] = []
        for image in images {
            switch answers[image.reference] {
            case .absent?:
                throw LinbuildError.lock(
                    "\(lockFile) pins stage '\(image.stage)' of \(image.arch) to \(image.reference), which its registry no longer has (run linbuild lock --update --arch \(image.arch) to pin what the tag holds now, and review the change)"
                )
            case .present?: continue
            case .unknown(let why)?: unknown.append("\(image.reference): \(why)")
            case nil: unknown.append("\(image.reference): no answer within \(Int(timeout)) s")
            }
        }
        return unknown
    }
}
