import Foundation
import LinbuildSupport
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel

/// `linbuild lock` as values: what the Dockerfile pulls and how it is pinned, what a lock asks and
/// decides from the answers, the lock file, and what a lock does to the plan (and, absent, does not).
@Suite struct LockTests: PlanMaking {
    static let digestA = "sha256:" + String(repeating: "a", count: 64)
    static let digestB = "sha256:" + String(repeating: "b", count: 64)
    static let digestI = "sha256:" + String(repeating: "1", count: 64)
    static let hashT = String(repeating: "c", count: 64)
    static let hashV = String(repeating: "d", count: 64)

    static var shippedDockerfile: Dockerfile {
        get throws { try DockerfileParser.load(path: Repository.dockerfile) }
    }

    func targets(_ arch: String, dockerfile: Dockerfile, presets: Presets = shippedPresets) throws -> LockTargets {
        let architectures = try Options.parse(["--arch", arch], environment: [:]).architectures(in: presets)
        return LockTargets.make(
            presets: presets, architectures: architectures, dockerfile: dockerfile, platform: "linux/amd64",
            locations: presets.defaults.locations)
    }

    /// A plan of the contract fixture with `lock` beside the presets.
    func lockedPlan(_ arguments: [String], lock: UpstreamLock?, dockerfile: String = PlanFixture.dockerfileText) throws -> Plan {
        let options = try Options.parse(arguments, environment: [:])
        var builder = PlanBuilder(
            options: options, presets: shippedPresets, architectures: try options.architectures(in: shippedPresets),
            dockerfile: try DockerfileParser.parse(dockerfile, path: "/p/Dockerfile"),
            source: ResolvedSource(
                location: .path("/src"), ref: "main", refName: "refs/heads/main", commit: PlanFixture.commit,
                sourceLabel: "https://example.com/linnaeus.git"),
            engine: EngineCLI(executable: "docker", builder: .buildx), workDirectory: "/tmp/linbuild-test",
            createdAt: "2026-01-01T00:00:00Z")
        builder.lock = lock.map { ($0, "/p/presets.lock.json") }
        return try builder.make()
    }

    /// The contract fixture's one pulled image for ampere (`nvidia/cuda:<tag>`), pinned to `digest`.
    func fixtureLock(_ digest: String = digestA, tag: String? = nil) -> UpstreamLock {
        let cudaTag = tag ?? shippedPresets.architecture(named: "ampere")!.nvidiaCudaTag ?? shippedPresets.defaults.nvidiaCudaTag
        return UpstreamLock(architectures: [
            "ampere": ["linux/amd64": .init(images: ["base": .init(image: "nvidia/cuda:" + cudaTag, digest: digest)])]
        ])
    }

    // MARK: what the Dockerfile pulls

    @Test func theShippedBaseStagesPullCudaOsAndUvEachPinnableThroughItsTagArgument() throws {
        let ampere = try #require(try targets("ampere", dockerfile: Self.shippedDockerfile).architectures.first)
        let cudaTag = shippedPresets.architecture(named: "ampere")!.nvidiaCudaTag ?? shippedPresets.defaults.nvidiaCudaTag
        #expect(ampere.images.map(\.stage) == ["uv", "torch", "base"])
        #expect(ampere.images.map(\.reference) == ["ghcr.io/astral-sh/uv:0.7.2", "nvidia/cuda:" + cudaTag, "ubuntu:22.04"])
        #expect(ampere.images.map { $0.pin?.argument } == ["UV_VERSION", "NVIDIA_CUDA_TAG", "OS_TAG"])
        // The runtime's FROM ${BASE_IMAGE} is linbuild's own image: never an upstream.
        #expect(!ampere.images.contains { $0.reference.contains("linnaeus") })
        // And the three PyTorch wheels, at the exact versions the build asks for, with their hash arguments.
        #expect(ampere.wheels.map(\.project) == ["torch", "torchvision", "torchaudio"])
        #expect(ampere.wheels.map(\.argument) == ["TORCH_SHA256", "TORCHVISION_SHA256", "TORCHAUDIO_SHA256"])
        #expect(ampere.wheels.first?.version == "2.7.1+cu126")
    }

    @Test func aMirrorLocationIsWhatTheLockResolves() throws {
        var presets = shippedPresets
        presets.defaults.locations = presets.defaults.locations.overridden(byArguments: ["OS_IMAGE": "127.0.0.1:5000/mirror/ubuntu"])
        let ampere = try #require(try targets("ampere", dockerfile: Self.shippedDockerfile, presets: presets).architectures.first)
        #expect(ampere.images.last?.reference == "127.0.0.1:5000/mirror/ubuntu:22.04")
    }

    @Test func aTagWrittenInTheFromLineCannotBePinnedAndSaysHowToFixIt() throws {
        let literal = try DockerfileParser.parse(
            ContractFixture.edited((ContractFixture.baseFrom, "FROM nvidia/cuda:12.8.0-base AS base")), path: "/p/Dockerfile")
        let targets = try targets("ampere", dockerfile: literal)
        #expect(targets.architectures.first?.images.first?.pin == nil)
        #expect {
            try LockUpdate.questions(existing: nil, targets: targets, update: false)
        } throws: { error in
            guard case LinbuildError.lock(let message) = error else { return false }
            return message.contains("nvidia/cuda:12.8.0-base") && message.contains("make the tag a build argument")
        }
        // A digest written in the line is already pinned: nothing to ask.
        let pinned = try DockerfileParser.parse(
            ContractFixture.edited((ContractFixture.baseFrom, "FROM nvidia/cuda:12.8.0-base@\(Self.digestA) AS base")), path: "/p/D")
        #expect(try LockUpdate.questions(existing: nil, targets: try self.targets("ampere", dockerfile: pinned), update: false).isEmpty)
    }

    // MARK: deciding the lock

    @Test func aNewLockAsksEveryTagOnceAndPinsThePlatformsDigest() throws {
        let dockerfile = try DockerfileParser.parse(PlanFixture.dockerfileText, path: "/p/Dockerfile")
        let targets = try targets("ampere,hopper", dockerfile: dockerfile)
        let questions = try LockUpdate.questions(existing: nil, targets: targets, update: false)
        let references = targets.architectures.map { $0.images[0].reference }
        #expect(questions == Set(references.map { LockUpdate.Question.image(reference: $0) }))
        // ampere and hopper pull one CUDA tag: one question, one answer for both.
        let answers = Dictionary(references.map { ($0, LockUpdate.ImageAnswer.digest(Self.digestA, tag: Self.digestI)) }) { first, _ in
            first
        }

        let (lock, changes) = try LockUpdate.apply(existing: nil, targets: targets, update: false, images: answers, pages: [:])

        let ampere = try #require(lock.pins(arch: "ampere", platform: "linux/amd64")?.images["base"])
        #expect(ampere.digest == Self.digestA)
        // The tag held an index: its own digest is kept, so outdated can compare it with one HEAD.
        #expect(ampere.tagDigest == Self.digestI)
        #expect(changes.map(\.kind) == [.pinned, .pinned])
        #expect(changes[0].line.hasPrefix("lock [ampere] image base nvidia/cuda:"))
    }

    @Test func aPinThatStillFitsIsKeptUnlessUpdateMovesItOnPurpose() throws {
        let dockerfile = try DockerfileParser.parse(PlanFixture.dockerfileText, path: "/p/Dockerfile")
        let targets = try targets("ampere", dockerfile: dockerfile)
        let existing = fixtureLock(Self.digestA)
        // Without --update: nothing asked, nothing moved.
        #expect(try LockUpdate.questions(existing: existing, targets: targets, update: false).isEmpty)
        let kept = try LockUpdate.apply(existing: existing, targets: targets, update: false, images: [:], pages: [:])
        #expect(kept.lock == existing)
        #expect(kept.changes.map(\.kind) == [.kept])
        // With --update: asked again, and the move is said with both digests.
        let reference = targets.architectures[0].images[0].reference
        #expect(try LockUpdate.questions(existing: existing, targets: targets, update: true) == [.image(reference: reference)])
        let moved = try LockUpdate.apply(
            existing: existing, targets: targets, update: true, images: [reference: .digest(Self.digestB, tag: Self.digestB)], pages: [:])
        #expect(moved.lock.pins(arch: "ampere", platform: "linux/amd64")?.images["base"]?.digest == Self.digestB)
        #expect(moved.changes.map(\.kind) == [.moved])
        #expect(moved.changes[0].line.contains("sha256:aaaaaaaaaaaa… → sha256:bbbbbbbbbbbb…"))
        // A pin for another tag (presets moved to another CUDA) is asked anew even without --update.
        let other = fixtureLock(Self.digestA, tag: "12.6.0-other")
        #expect(try LockUpdate.questions(existing: other, targets: targets, update: false) == [.image(reference: reference)])
    }

    @Test func aTagTheRegistryLacksOrCannotSayAboutWritesNoLock() throws {
        let dockerfile = try DockerfileParser.parse(PlanFixture.dockerfileText, path: "/p/Dockerfile")
        let targets = try targets("ampere", dockerfile: dockerfile)
        let reference = targets.architectures[0].images[0].reference
        #expect(throws: LinbuildError.self) {
            try LockUpdate.apply(existing: nil, targets: targets, update: false, images: [reference: .absent], pages: [:])
        }
        do {
            _ = try LockUpdate.apply(existing: nil, targets: targets, update: false, images: [reference: .absent], pages: [:])
        } catch let error as LinbuildError {
            #expect(error.exitCode == .dataError)
            #expect(error.description.contains(reference) && error.description.contains("not in its registry"))
        }
        do {
            _ = try LockUpdate.apply(existing: nil, targets: targets, update: false, images: [reference: .unknown("HTTP 503")], pages: [:])
            Issue.record("an unanswered tag wrote a lock")
        } catch let error as LinbuildError {
            #expect(error.exitCode == .unavailable)
            #expect(error.description.contains("HTTP 503"))
        }
    }

    @Test func wheelsArePinnedToTheHashesOfTheFilesThatFitTheBuild() throws {
        let targets = try targets("ampere", dockerfile: Self.shippedDockerfile)
        let torch = try #require(targets.architectures.first?.wheels.first)
        let fitting = "torch-2.7.1+cu126-cp311-cp311-manylinux_2_28_x86_64.whl"
        let page = LockUpdate.PageAnswer.files([
            (name: fitting, sha256: Self.hashT),
            (name: "torch-2.7.1+cu126-cp312-cp312-manylinux_2_28_x86_64.whl", sha256: Self.hashV),  // another Python
            (name: "torch-2.7.0+cu126-cp311-cp311-manylinux_2_28_x86_64.whl", sha256: Self.hashV),  // another version
        ])
        let locked = try LockUpdate.wheel(torch, page: page, targets: targets)
        #expect(locked.files == [fitting: "sha256:" + Self.hashT])
        #expect(locked.hashes == [Self.hashT])
        // A mirror's credentials are used to ask, never written to the lock (a committed file) or a message.
        var credentialed = torch
        credentialed.index = "https://user:s3cret@mirror.example/whl/cu126"
        let fromMirror = try LockUpdate.wheel(credentialed, page: page, targets: targets)
        #expect(fromMirror.index == "https://mirror.example/whl/cu126")
        #expect(!UpstreamLock(architectures: ["a": ["linux/amd64": .init(wheels: ["torch": fromMirror])]]).text.contains("s3cret"))
        #expect {
            try LockUpdate.wheel(credentialed, page: .files([]), targets: targets)
        } throws: { error in
            "\(error)".contains("mirror.example") && !"\(error)".contains("s3cret")
        }
        // An index that states no hash cannot be pinned: said, not skipped.
        #expect(throws: LinbuildError.self) {
            try LockUpdate.wheel(torch, page: .files([(name: fitting, sha256: nil)]), targets: targets)
        }
        #expect(throws: LinbuildError.self) { try LockUpdate.wheel(torch, page: .files([]), targets: targets) }
    }

    // MARK: the lock file

    @Test func theLockFileRoundTripsSortedAndReviewable() throws {
        var lock = fixtureLock(Self.digestA)
        lock.architectures["ampere"]?["linux/amd64"]?.wheels["torch"] = .init(
            version: "2.7.1+cu126", index: "https://download.pytorch.org/whl/cu126",
            files: ["torch-2.7.1+cu126-cp311-cp311-manylinux_2_28_x86_64.whl": "sha256:" + Self.hashT])
        lock.architectures["hopper"] = [
            "linux/amd64": .init(images: ["base": .init(image: "nvidia/cuda:x", digest: Self.digestB, tagDigest: Self.digestI)])
        ]
        let text = lock.text
        #expect(try UpstreamLock.parse(Array(text.utf8), file: "l") == lock)
        // One member a line, keys sorted: a re-lock that moves one digest is a one-line diff.
        #expect(text.hasPrefix("{\n  \"lockVersion\": 1,\n  \"architectures\": {\n    \"ampere\": {"))
        #expect(text.contains("\"digest\": \"\(Self.digestA)\""))
        #expect(text.range(of: "\"ampere\"")!.lowerBound < text.range(of: "\"hopper\"")!.lowerBound)
        #expect(UpstreamLock.path(forPresets: "/r/presets.json") == "/r/presets.lock.json")
        #expect(UpstreamLock.path(forPresets: "team.json") == "team.lock.json")
    }

    @Test(arguments: [
        (
            #"{"lockVersion": 1, "architectures": {"ampere": {"linux/amd64": {"images": {"base": {"image": "a:b", "digest": "sha256:12"}}}}}}"#,
            "digest"
        ),
        (#"{"lockVersion": 2, "architectures": {}}"#, "lockVersion"),
        (#"{"lockVersion": 1, "architectures": {}, "extra": 1}"#, "extra"),
        (#"{"lockVersion": 1, "architectures": {"ampere": {"amd64": {}}}}"#, "amd64"),
        ("{", "not valid JSON"),
    ])
    func aBrokenLockFileIsOneLineNamingTheEntry(text: String, named: String) throws {
        do {
            _ = try UpstreamLock.parse(Array(text.utf8), file: "/r/presets.lock.json")
            Issue.record("accepted: \(text)")
        } catch let error as LinbuildError {
            #expect(error.exitCode == .dataError)
            #expect(error.description.contains("/r/presets.lock.json") && error.description.contains(named), "\(error)")
            #expect(!error.description.contains("\n"))
        }
    }

    // MARK: what a lock does to the plan

    @Test func aLockPinsTheBuildByDigestAndTheDigestIsABaseInput() throws {
        let plain = try #require(try lockedPlan(["--arch", "ampere"], lock: nil).targets.first)
        let locked = try #require(try lockedPlan(["--arch", "ampere"], lock: fixtureLock()).targets.first)
        let tag = plain.baseBuildArguments["NVIDIA_CUDA_TAG"]!
        // The build pulls nvidia/cuda:<tag>@<digest>: the tag is a name for people, the digest decides.
        #expect(locked.baseBuildArguments["NVIDIA_CUDA_TAG"] == tag + "@" + Self.digestA)
        #expect(locked.lockedImages == ["base": "nvidia/cuda:\(tag)@\(Self.digestA)"])
        // The pin is an input of its own (recorded as a label), and a base built without it differs.
        #expect(locked.baseInputs.pins == ["image.base": "\(tag)@\(Self.digestA)"])
        #expect(locked.baseInputs.labels["dev.linbuild.base.pin.image.base"] == "\(tag)@\(Self.digestA)")
        #expect(locked.baseInputs.digest != plain.baseInputs.digest)
        #expect(locked.baseInputs.changes(comparedTo: plain.baseInputs.labels) == ["the locked image.base"])
        // A moved pin is named as the input that changed.
        let moved = try #require(try lockedPlan(["--arch", "ampere"], lock: fixtureLock(Self.digestB)).targets.first)
        #expect(moved.baseInputs.digest != locked.baseInputs.digest)
        #expect(moved.baseInputs.changes(comparedTo: locked.baseInputs.labels) == ["the locked image.base"])
        // The build command carries the pinned argument.
        let build = try lockedPlan(["--arch", "ampere"], lock: fixtureLock()).steps.first { $0.kind == .buildBase }
        #expect(build?.commands.first?.arguments.contains("NVIDIA_CUDA_TAG=\(tag)@\(Self.digestA)") == true)
    }

    @Test func theDryRunScriptSaysWhatTheLockPinsAndPullsByDigest() throws {
        let plan = try lockedPlan(["--arch", "ampere"], lock: fixtureLock())
        let tag = try #require(plan.targets.first?.baseArguments["NVIDIA_CUDA_TAG"])
        let script = PlanRenderer.shellScript(plan)
        #expect(script.contains("# ampere: stage base pinned by the lock to nvidia/cuda:\(tag)@\(Self.digestA)"))
        #expect(script.contains("NVIDIA_CUDA_TAG=\(tag)@\(Self.digestA)"))
        #expect(!PlanRenderer.shellScript(try lockedPlan(["--arch", "ampere"], lock: nil)).contains("pinned by the lock"))
    }

    @Test func withoutALockThePlanAndTheInputsDigestAreWhatTheyWereBeforeLocksExisted() throws {
        let target = try #require(try lockedPlan(["--arch", "ampere"], lock: nil).targets.first)
        #expect(try lockedPlan(["--arch", "ampere"], lock: nil) == (try plan(["--arch", "ampere"])))
        #expect(target.lockedImages.isEmpty && target.baseInputs.pins.isEmpty)
        #expect(!target.baseInputs.labels.keys.contains { $0.hasPrefix(BaseInputs.pinLabelPrefix) })
        #expect(!target.baseBuildArguments.keys.contains { $0.hasSuffix("_SHA256") })
        // The digest is the form-2 formula of cfb802a (before locks), term for term.
        let inputs = target.baseInputs
        let argumentLines = inputs.arguments.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()
        #expect(
            inputs.digest
                == SHA256.hex(
                    "form=\(BaseInputs.form)\nplatform=\(inputs.platform)\n" + argumentLines + "dockerfile=\(inputs.dockerfileDigest)\n"))
    }

    @Test func aLockThatNoLongerFitsTheBuildStopsThePlanWithOneLine() throws {
        // Another tag than presets now ask for
        #expect {
            try lockedPlan(["--arch", "ampere"], lock: fixtureLock(tag: "12.6.0-other"))
        } throws: { error in
            guard case LinbuildError.lock(let message) = error else { return false }
            return message.contains("12.6.0-other") && message.contains("run linbuild lock") && !message.contains("\n")
        }
        // An architecture the lock does not pin
        #expect {
            try lockedPlan(["--arch", "hopper"], lock: fixtureLock())
        } throws: { error in
            guard case LinbuildError.lock(let message) = error else { return false }
            return message.contains("pins nothing for hopper")
        }
    }

    /// The stage `builder` became `torch` (the Flash Attention wheels' split): a lock written before
    /// pins `image.builder`, and the one line says what to run, once.
    @Test func aLockThatPinsTheStageBuilderSaysToUpdateItOnce() throws {
        let ampere = try #require(try targets("ampere", dockerfile: Self.shippedDockerfile).architectures.first)
        var images: [String: UpstreamLock.Image] = [:]
        for image in ampere.images {
            images[image.stage == "torch" ? "builder" : image.stage] = .init(image: image.reference, digest: Self.digestA)
        }
        let old = UpstreamLock(architectures: ["ampere": ["linux/amd64": .init(images: images)]])
        #expect {
            try lockedPlan(["--arch", "ampere"], lock: old, dockerfile: String(contentsOfFile: Repository.dockerfile, encoding: .utf8))
        } throws: { error in
            guard case LinbuildError.lock(let message) = error else { return false }
            return message.contains("pins stage 'builder' of ampere (image.builder)") && message.contains("now calls 'torch' (image.torch)")
                && message.contains("run linbuild lock once to pin it") && !message.contains("--update") && !message.contains("\n")
                && LinbuildError.lock(message).exitCode == .dataError
        }
    }

    @Test func wheelPinsRideOnTheHashArgumentsTheDockerfileDeclares() throws {
        var lock = fixtureLock()
        lock.architectures["ampere"]?["linux/amd64"]?.wheels["torch"] = .init(
            version: "2.7.1+cu126", index: "i", files: ["a.whl": "sha256:" + Self.hashT, "b.whl": "sha256:" + Self.hashV])
        let declaring = ContractFixture.edited(
            (ContractFixture.baseRun, "ARG TORCH_SHA256=\n" + ContractFixture.baseRun + " $TORCH_SHA256"))
        let target = try #require(try lockedPlan(["--arch", "ampere"], lock: lock, dockerfile: declaring).targets.first)
        #expect(target.baseBuildArguments["TORCH_SHA256"] == "\(Self.hashT) \(Self.hashV)")
        #expect(target.baseInputs.pins["wheel.torch"] == "2.7.1+cu126 sha256:\(Self.hashT) sha256:\(Self.hashV)")
        // A Dockerfile that cannot check the hashes is told so, rather than building unchecked.
        #expect(throws: LinbuildError.self) { try lockedPlan(["--arch", "ampere"], lock: lock) }
    }
}
