import Foundation
import LinbuildSupport
import Testing

@testable import LinbuildModel

/// `linbuild outdated`'s judgements, each a pure function of what upstream answered.
@Suite struct DriftReportTests {
    static let old = "sha256:" + String(repeating: "a", count: 64)
    static let new = "sha256:" + String(repeating: "b", count: 64)
    static let index = "sha256:" + String(repeating: "1", count: 64)
    let pin = UpstreamLock.Image(image: "ubuntu:22.04", digest: old)

    func row(head: TagState, platform: LockUpdate.ImageAnswer? = nil, stillThere: TagState? = nil, pin: UpstreamLock.Image?)
        -> DriftReport.Row
    {
        DriftReport.image(
            arch: "ampere", stage: "base", reference: "ubuntu:22.04", pin: pin, pinnedBy: "lock", head: head, platformDigest: platform,
            pinnedStillThere: stillThere)
    }

    @Test func aTagThatStillNamesThePinIsCurrentFromOneHead() {
        let current = row(head: .present(Self.old), pin: pin)
        #expect(current.status == .current && !current.drifted)
        #expect(current.line == "outdated [ampere] image base ubuntu:22.04: locked sha256:aaaaaaaaaaaa… (current)")
    }

    @Test func aMovedTagIsDriftWithBothDigests() {
        let moved = row(head: .present(Self.new), platform: .digest(Self.new, tag: Self.new), stillThere: .present(nil), pin: pin)
        #expect(moved.status == .moved && moved.drifted)
        #expect(moved.pinned == Self.old && moved.now == Self.new)
        #expect(moved.line.contains("locked sha256:aaaaaaaaaaaa…, now sha256:bbbbbbbbbbbb…"))
        // The pinned digest gone as well: a build from the lock would fail, and the row says so.
        let lost = row(head: .present(Self.new), platform: .digest(Self.new, tag: Self.new), stillThere: .absent, pin: pin)
        #expect(lost.detail.contains("the pinned digest is gone too"))
    }

    @Test func anIndexThatChangedButNotForThisPlatformIsCurrent() {
        let pinned = UpstreamLock.Image(image: "ubuntu:22.04", digest: Self.old, tagDigest: Self.index)
        let other = row(head: .present(Self.new), platform: .digest(Self.old, tag: Self.new), pin: pinned)
        #expect(other.status == .current && !other.drifted)
    }

    @Test func aGoneTagIsDriftAndAnUnaskableOneIsUnknownNotCurrent() {
        let gone = row(head: .absent, stillThere: .present(nil), pin: pin)
        #expect(gone.status == .gone && gone.drifted)
        #expect(gone.detail.contains("the tag is gone; the pinned digest is still there"))
        let unknown = row(head: .unknown("HTTP 503"), pin: pin)
        #expect(unknown.status == .unknown && !unknown.drifted)
        #expect(DriftReport(rows: [unknown]).unknown.count == 1)
        // No pin at all: what the tag names now, not drift.
        let unpinned = row(head: .present(Self.new), pin: nil)
        #expect(unpinned.status == .unpinned && unpinned.now == Self.new && !unpinned.drifted)
    }

    @Test func newerPatchReleasesOfThePinnedLinesAreReported() {
        let page = LockUpdate.PageAnswer.files([
            (name: "torch-2.7.1+cu126-cp311-cp311-manylinux_2_28_x86_64.whl", sha256: nil),
            (name: "torch-2.7.2+cu126-cp311-cp311-manylinux_2_28_x86_64.whl", sha256: nil),
            (name: "torch-2.8.0+cu126-cp311-cp311-manylinux_2_28_x86_64.whl", sha256: nil),  // another line
            (name: "torch-2.7.3+cu126-cp312-cp312-manylinux_2_28_x86_64.whl", sha256: nil),  // another Python
        ])
        let torch = DriftReport.newerTorch(arch: "ampere", version: "2.7.1+cu126", page: page, python: "3.11", platform: "linux/amd64")
        #expect(torch?.now == "2.7.2+cu126" && torch?.status == .newer && torch?.subject == "torch 2.7")
        #expect(DriftReport.newerTorch(arch: "a", version: "2.7.2+cu126", page: page, python: "3.11", platform: "linux/amd64") == nil)
        #expect(
            DriftReport.cudaPatchCandidates(of: "12.8.0-cudnn-devel-ubuntu22.04", count: 2) == [
                "12.8.1-cudnn-devel-ubuntu22.04", "12.8.2-cudnn-devel-ubuntu22.04",
            ])
        let cuda = DriftReport.newerCuda(arch: "a", tag: "12.8.0-x", present: ["12.8.1-x", "12.8.2-x"])
        #expect(cuda?.now == "12.8.2-x" && cuda?.subject == "CUDA 12.8")
        #expect(DriftReport.newerCuda(arch: "a", tag: "12.8.0-x", present: []) == nil)
    }

    @Test func aWheelWhoseIndexDidNotAnswerIsUnknownInTheIndexsWords() {
        let targets = LockTargets(platform: "linux/amd64", python: "3.11", architectures: [])
        let wheel = LockTargets.Wheel(
            project: "torch", version: "2.7.1+cu126", index: "https://u:s3cret@mirror.example/whl/cu126", argument: "TORCH_SHA256")
        let unknown = DriftReport.wheel(
            arch: "a", wheel: wheel, pin: nil, pinnedBy: nil, page: .unknown("cannot reach mirror.example: unknown host"), targets: targets)
        #expect(unknown.status == .unknown && unknown.detail == "cannot reach mirror.example: unknown host")
        let silent = DriftReport.wheel(arch: "a", wheel: wheel, pin: nil, pinnedBy: nil, page: nil, targets: targets)
        #expect(silent.status == .unknown && silent.detail == "no answer from https://mirror.example/whl/cu126")
        // A page that lists other files than were pinned: moved.
        let pinned = UpstreamLock.Wheel(version: "2.7.1+cu126", index: "i", files: ["x.whl": Self.old])
        let page = LockUpdate.PageAnswer.files([
            (name: "torch-2.7.1+cu126-cp311-cp311-manylinux_2_28_x86_64.whl", sha256: String(repeating: "b", count: 64))
        ])
        let moved = DriftReport.wheel(arch: "a", wheel: wheel, pin: pinned, pinnedBy: "lock", page: page, targets: targets)
        #expect(moved.status == .moved && moved.drifted)
        #expect(moved.now == Self.new)
    }

    @Test func theJSONViewIsForScripts() throws {
        let report = DriftReport(rows: [
            row(head: .present(Self.old), pin: pin),
            row(head: .present(Self.new), platform: .digest(Self.new, tag: Self.new), pin: pin),
        ])
        let parsed = try JSONParser.parse(Array(report.json.utf8))
        guard case .object(let members) = parsed else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == ["drifted", "rows", "schemaVersion"])
        #expect(report.json.contains("\"drifted\": true"))
        #expect(report.json.contains("\"status\": \"moved\""))
    }

    @Test func aBaseRecordsWhatItWasPinnedToAndOutdatedReadsItBack() {
        let labels = [
            "dev.linbuild.base.pin.image.base": "22.04@\(Self.old)",
            "dev.linbuild.base.pin.wheel.torch": "2.7.1+cu126 sha256:\(String(repeating: "c", count: 64))",
            "dev.linbuild.base.arg.TORCH_VER": "2.7.1+cu126",
        ]
        let pins = DriftReport.pins(fromLabels: labels)
        #expect(pins?.images["base"]?.digest == Self.old)
        #expect(pins?.wheels["torch"]?.hashes == [String(repeating: "c", count: 64)])
        #expect(DriftReport.pins(fromLabels: ["dev.linbuild.base.arg.X": "1"]) == nil)
    }
}
