import Foundation
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// What `linbuild prune` keeps and deletes, decided from tags and labels alone.
@Suite struct RetentionPolicyTests {
    static let runtimes = "reg:5000/ns/dev", bases = "reg:5000/ns/base"

    static func runtime(_ tag: String, digest: String, ref: String, arch: String, day: Int, base: String) -> RetentionPolicy.Tag {
        RetentionPolicy.Tag(
            repository: runtimes, tag: tag, digest: digest,
            labels: [
                "dev.linbuild.arch": arch, "dev.linbuild.ref": ref,
                "org.opencontainers.image.created": String(format: "2026-01-%02dT00:00:00Z", day),
                "org.opencontainers.image.base.name": bases + ":" + base,
            ])
    }

    static func base(_ tag: String, digest: String, arch: String) -> RetentionPolicy.Tag {
        RetentionPolicy.Tag(
            repository: bases, tag: tag, digest: digest,
            labels: ["dev.linbuild.arch": arch, "org.opencontainers.image.created": "2025-12-01T00:00:00Z"])
    }

    /// Runtimes of two branches and two archs on three bases, an alias tag, a foreign tag.
    static let seeded: [RetentionPolicy.Tag] = [
        runtime("a1-alpha", digest: "sha256:r1", ref: "main", arch: "alpha", day: 1, base: "alpha-in000000000001"),
        runtime("a2-alpha", digest: "sha256:r2", ref: "main", arch: "alpha", day: 2, base: "alpha-in000000000002"),
        runtime("a3-alpha", digest: "sha256:r3", ref: "main", arch: "alpha", day: 3, base: "alpha-in000000000002"),
        // an old tag of the same image as a kept one: deleting it would delete the kept one
        runtime("a0-alpha", digest: "sha256:r3", ref: "main", arch: "alpha", day: 0, base: "alpha-in000000000002"),
        runtime("f1-alpha", digest: "sha256:f1", ref: "feat/x", arch: "alpha", day: 1, base: "alpha-in000000000001"),
        runtime("b1-beta", digest: "sha256:b1", ref: "main", arch: "beta", day: 1, base: "beta-in000000000003"),
        runtime("b2-beta", digest: "sha256:b2", ref: "main", arch: "beta", day: 2, base: "beta-in000000000003"),
        RetentionPolicy.Tag(repository: runtimes, tag: "latest", digest: "sha256:foreign", labels: [:]),
        base("alpha", digest: "sha256:ba2", arch: "alpha"),
        base("alpha-in000000000001", digest: "sha256:ba1", arch: "alpha"),
        base("alpha-in000000000002", digest: "sha256:ba2", arch: "alpha"),
        base("beta-in000000000003", digest: "sha256:bb3", arch: "beta"),
        base("beta-in000000000004", digest: "sha256:bb4", arch: "beta"),
    ]

    func policy(keep: Int, cutOff: Date? = nil) -> RetentionPolicy {
        RetentionPolicy(runtimeRepository: Self.runtimes, baseRepository: Self.bases, keep: keep, cutOff: cutOff)
    }

    /// A base names the Flash Attention wheels it was made from: they are kept while it is, and go with it.
    @Test func theWheelsAKeptBaseNamesAreKeptAndAnotherBasesGoWithIt() {
        let wheels = "reg:5000/ns/fa"
        func fa(_ tag: String, digest: String) -> RetentionPolicy.Tag {
            RetentionPolicy.Tag(
                repository: wheels, tag: tag, digest: digest,
                labels: ["dev.linbuild.arch": "alpha", "org.opencontainers.image.created": "2025-11-01T00:00:00Z"])
        }
        var tags = Self.seeded.map { tag -> RetentionPolicy.Tag in
            var tag = tag
            if tag.tag == "alpha-in000000000002" { tag.labels["dev.linbuild.fa.image"] = wheels + ":alpha-fa-in00000000000a" }
            if tag.tag == "beta-in000000000004" { tag.labels["dev.linbuild.fa.image"] = wheels + ":beta-fa-in00000000000b" }
            return tag
        }
        tags += [fa("alpha-fa-in00000000000a", digest: "sha256:fa"), fa("beta-fa-in00000000000b", digest: "sha256:fb")]
        // wheels no base names (a base never pushed), and a tag of the wheels' that is not immutable
        tags += [fa("alpha-fa-in00000000000c", digest: "sha256:fc"), fa("mine", digest: "sha256:fd")]
        let decision = policy(keep: 1).decide(tags)
        let kept = Dictionary(uniqueKeysWithValues: decision.kept.map { ($0.tag.tag, $0.reason) })
        #expect(kept["alpha-fa-in00000000000a"]?.contains("named by \(Self.bases):alpha-in000000000002 (dev.linbuild.fa.image)") == true)
        #expect(kept["mine"] == "not an immutable tag")
        // the deleted base's wheels go after it, and the orphans with them
        #expect(
            decision.deletions.suffix(3).map { "\($0.repository)@\($0.digest)" } == [
                "\(Self.bases)@sha256:bb4", "\(wheels)@sha256:fb", "\(wheels)@sha256:fc",
            ])
        #expect(decision.deletions.last?.reason == "named by no kept base")
    }

    @Test func keepsTheNewestPerBranchAndArchAndWhatTheyNameAndDeletesTheRest() {
        let decision = policy(keep: 1).decide(Self.seeded)
        // THEN the older runtimes of main/alpha and main/beta go; a2 is a tag of its own image
        #expect(
            decision.deletions.map { "\($0.repository)@\($0.digest) \($0.tags)" } == [
                "\(Self.runtimes)@sha256:b1 [\"b1-beta\"]",
                "\(Self.runtimes)@sha256:r1 [\"a1-alpha\"]",
                "\(Self.runtimes)@sha256:r2 [\"a2-alpha\"]",
                "\(Self.bases)@sha256:bb4 [\"beta-in000000000004\"]",
            ])
        let kept = Dictionary(uniqueKeysWithValues: decision.kept.map { ($0.tag.tag, $0.reason) })
        // the newest of each branch and arch
        #expect(kept["a3-alpha"]?.contains("newest 1 of branch main on alpha") == true)
        #expect(kept["f1-alpha"]?.contains("branch feat/x on alpha") == true)
        #expect(kept["b2-beta"] != nil)
        // a tag that shares a kept image's digest, a tag linbuild did not make
        #expect(kept["a0-alpha"]?.contains("also \(Self.runtimes):a3-alpha") == true)
        #expect(kept["latest"]?.contains("not made by linbuild") == true)
        // every base a kept runtime names, and the readable base tag
        #expect(kept["alpha-in000000000001"]?.contains("named by \(Self.runtimes):f1-alpha") == true)
        #expect(kept["alpha-in000000000002"] != nil && kept["beta-in000000000003"] != nil)
        #expect(kept["alpha"]?.contains("readable base tag") == true)
        #expect(decision.kept.count + decision.deletions.reduce(0) { $0 + $1.tags.count } == Self.seeded.count)
    }

    @Test func aBaseNamedOnlyByDeletedRuntimesGoesAfterThem() {
        // GIVEN feat/x gone: alpha-in…1 is named only by a1, which keep 1 deletes
        let decision = policy(keep: 1).decide(Self.seeded.filter { $0.tag != "f1-alpha" })
        let order = decision.deletions.map { $0.tags.first! }
        #expect(order.contains("alpha-in000000000001"))
        // runtimes first: an interrupted prune never leaves a kept runtime without its base
        let firstBase = order.firstIndex { $0.contains("-in") }!
        #expect(order[..<firstBase].allSatisfy { !$0.contains("-in") } && order[firstBase...].allSatisfy { $0.contains("-in") })
    }

    @Test func aSecondPruneDeletesNothing() {
        let first = policy(keep: 1).decide(Self.seeded)
        let gone = Set(first.deletions.map(\.digest))
        let second = policy(keep: 1).decide(Self.seeded.filter { !gone.contains($0.digest) })
        #expect(second.deletions.isEmpty)
    }

    @Test func keepingMoreDeletesLessAndOlderThanSparesTheNewer() {
        #expect(policy(keep: 3).decide(Self.seeded).deletions.map(\.digest) == ["sha256:bb4"])
        // only what was created before Jan 2 may go: b1 and a1 (day 1) and the December base
        let cutOff = UTCTime.parseInternetDateTime("2026-01-02T00:00:00Z")!
        #expect(
            policy(keep: 1, cutOff: cutOff).decide(Self.seeded).deletions.map(\.digest) == ["sha256:b1", "sha256:r1", "sha256:bb4"])
        let early = UTCTime.parseInternetDateTime("2025-01-01T00:00:00Z")!
        #expect(policy(keep: 1, cutOff: early).decide(Self.seeded).deletions.isEmpty)
    }

    @Test func immutableTagsAreTheOnesEndingInTwelveHex() {
        #expect(RetentionPolicy.isImmutable("hopper-cu128-torch2.8.0-fav3-in0123456789ab"))
        #expect(!RetentionPolicy.isImmutable("hopper-cu128-torch2.8.0-fav3"))
        #expect(!RetentionPolicy.isImmutable("x-in0123456789AB"))
        #expect(!RetentionPolicy.isImmutable("-in0123456789ab"))
    }
}
