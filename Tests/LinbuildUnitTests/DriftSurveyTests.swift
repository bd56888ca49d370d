import Testing

@testable import LinbuildModel

/// `linbuild outdated`'s rounds: which questions each round asks, and how the answers are judged.
@Suite struct DriftSurveyTests {
    static let old = "sha256:" + String(repeating: "a", count: 64)
    static let new = "sha256:" + String(repeating: "b", count: 64)
    static let cuda = "nvidia/cuda:12.8.0-cudnn-devel-ubuntu22.04"

    static func architecture(_ name: String) -> DriftSurvey.Architecture {
        let images = [
            UpstreamImage(stage: "base", line: 3, reference: "ubuntu:22.04", pin: (argument: "OS_TAG", value: "22.04")),
            UpstreamImage(
                stage: "builder", line: 2, reference: cuda, pin: (argument: "NVIDIA_CUDA_TAG", value: "12.8.0-cudnn-devel-ubuntu22.04")),
        ]
        return DriftSurvey.Architecture(
            target: LockTargets.Architecture(name: name, images: images, wheels: []), torch: nil, cuda: images[1],
            baseReference: "registry.example/team/linnaeus-base:\(name)")
    }

    static func survey(lock: UpstreamLock?, architectures: [String] = ["ampere"]) -> DriftSurvey {
        let architectures = architectures.map(architecture)
        return DriftSurvey(
            targets: LockTargets(platform: "linux/amd64", python: "3.11", architectures: architectures.map(\.target)),
            architectures: architectures, lock: lock)
    }

    static let lock = UpstreamLock(architectures: [
        "ampere": [
            "linux/amd64": UpstreamLock.Pins(images: [
                "base": UpstreamLock.Image(image: "ubuntu:22.04", digest: old), "builder": UpstreamLock.Image(image: cuda, digest: old),
            ])
        ]
    ])

    @Test func onlyATagWhoseDigestChangedIsReadAgainWithItsPinnedDigest() {
        let survey = Self.survey(lock: Self.lock)
        // Round 1 asks both tags and the next CUDA patch tags; no base, as the lock pins the architecture.
        #expect(survey.bases.isEmpty)
        #expect(survey.heads.isSuperset(of: ["ubuntu:22.04", Self.cuda, "nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04"]))
        // The OS tag still names the pin, the CUDA tag moved: only the CUDA tag is read again.
        let moved = survey.moved(heads: ["ubuntu:22.04": .present(Self.old), Self.cuda: .present(Self.new)])
        #expect(moved.resolve == [.image(reference: Self.cuda)])
        #expect(moved.pinnedDigests == ["nvidia/cuda@" + Self.old])
    }

    @Test func withoutALockTheBaseLabelsAreThePinsAndABaseThatCannotBeReadSaysWhy() {
        var survey = Self.survey(lock: nil, architectures: ["ampere", "hopper"])
        #expect(survey.bases == ["registry.example/team/linnaeus-base:ampere", "registry.example/team/linnaeus-base:hopper"])
        survey.read(bases: [
            "registry.example/team/linnaeus-base:ampere": .labels([BaseInputs.pinLabelPrefix + "image.base": "ubuntu:22.04@" + Self.old]),
            "registry.example/team/linnaeus-base:hopper": .absent,
        ])
        #expect(survey.baselines["ampere"]?.by == "base" && survey.baselines["ampere"]?.pins.images["base"]?.digest == Self.old)
        let report = survey.report(
            heads: ["ubuntu:22.04": .present(Self.new), Self.cuda: .present(Self.new)], pages: [:],
            resolved: ["ubuntu:22.04": .digest(Self.new, tag: Self.new)], pinnedDigests: [:], timeout: 5)
        let ampere = report.rows.first { $0.arch == "ampere" && $0.subject == "base ubuntu:22.04" }
        #expect(ampere?.status == .moved && ampere?.pinnedBy == "base")
        let hopper = report.rows.first { $0.arch == "hopper" && $0.subject == "base ubuntu:22.04" }
        #expect(hopper?.status == .unpinned)
        #expect(hopper?.detail == "no lock, and registry.example/team/linnaeus-base:hopper is not in the registry")
    }

    @Test func aTagWithoutAnAnswerIsUnknownAndANewerCudaPatchIsReported() {
        let survey = Self.survey(lock: Self.lock)
        let report = survey.report(
            heads: [Self.cuda: .present(Self.old), "nvidia/cuda:12.8.2-cudnn-devel-ubuntu22.04": .present(nil)], pages: [:],
            resolved: [:], pinnedDigests: [:], timeout: 5)
        let base = report.rows.first { $0.subject == "base ubuntu:22.04" }
        #expect(base?.status == .unknown && base?.detail == "no answer within 5 s")
        let release = report.rows.first { $0.kind == .release }
        #expect(release?.subject == "CUDA 12.8" && release?.now == "12.8.2-cudnn-devel-ubuntu22.04" && release?.status == .newer)
    }
}
