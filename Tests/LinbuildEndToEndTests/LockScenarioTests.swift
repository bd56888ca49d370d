import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

extension EndToEnd {
    /// `linbuild lock` and `linbuild outdated` against the real registry and engine: the base's OS
    /// image is pulled from the loopback registry, whose tag the tests move and whose digests they delete.
    @Suite struct Lock {
        /// The fixture with its base pulled as the shipped recipe pulls it: `FROM ${OS_IMAGE}:${OS_TAG}`.
        static let dockerfile =
            "ARG OS_IMAGE=ubuntu\nARG OS_TAG=22.04\n"
            + ContractFixture.edited(
                ("FROM linbuild-fixture/busybox:latest AS base", "FROM ${OS_IMAGE}:${OS_TAG} AS base"), in: FixtureProject.dockerfileText)

        /// The project's OS image in the anonymous registry, and the location variable that points the build at it.
        static func osImage(_ project: FixtureProject) -> (repository: String, environment: [String: String]) {
            let repository = "\(project.environment.registry)/\(project.namespace)/os"
            return (repository, ["LINBUILD_OS_IMAGE": repository])
        }

        /// Pushes an image under `reference`: busybox itself, or busybox with `/marker` in it
        /// (another digest under the same tag: an upstream that moved its tag).
        static func push(_ reference: String, marker: String? = nil) throws {
            let environment = EndToEnd.environment
            if let marker {
                let build = try environment.docker(
                    ["build", "-q", "--tag", reference, "-"], extraEnvironment: ["DOCKER_BUILDKIT": "1"],
                    input: "FROM linbuild-fixture/busybox:latest\nRUN echo \(marker) > /marker\n")
                #expect(build.status == 0, "\(build.output)")
            } else {
                #expect(try environment.docker(["tag", "linbuild-fixture/busybox:latest", reference]).status == 0)
            }
            let push = try environment.docker(["push", reference])
            #expect(push.status == 0, "\(push.output)")
        }

        /// The digest the registry gives a tag (its `Docker-Content-Digest`), asked with curl.
        static func digest(registry: String, name: String, tag: String) throws -> String {
            let accept =
                "Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
            let head = try Run.command("curl", ["-sI", "-H", accept, "http://\(registry)/v2/\(name)/manifests/\(tag)"])
            let line = head.stdout.split(whereSeparator: \.isNewline).first { $0.lowercased().hasPrefix("docker-content-digest:") }
            return line.map { String($0.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces) } ?? ""
        }

        func lockText(_ project: FixtureProject) throws -> String {
            try String(contentsOfFile: project.root + "/presets.lock.json", encoding: .utf8)
        }

        @Test func aLockPinsATagThatMovesAndOutdatedReportsTheMove() throws {
            let environment = EndToEnd.environment
            let project = try FixtureProject(environment, dockerfile: Self.dockerfile)
            defer { project.remove() }
            let (repository, locations) = Self.osImage(project)
            let name = "\(project.namespace)/os"
            // GIVEN the OS image under its tag, and a lock of it
            try Self.push(repository + ":22.04")
            let locked = try Self.digest(registry: environment.registry, name: name, tag: "22.04")
            #expect(locked.hasPrefix("sha256:"))
            let lock = try project.linbuild(["lock", "--arch", "alpha"], extraEnvironment: locations)
            #expect(lock.status == 0, "\(lock.output)")
            #expect(lock.stdout.contains("lock [alpha] image base \(repository):22.04: \(locked.prefix(19))… (pinned)"), "\(lock.stdout)")
            #expect(try lockText(project).contains("\"digest\": \"\(locked)\""))
            // A second lock keeps the pin and leaves the file as it was.
            let before = try lockText(project)
            let again = try project.linbuild(["lock", "--arch", "alpha"], extraEnvironment: locations)
            #expect(again.status == 0 && again.stdout.contains("(kept)"), "\(again.output)")
            #expect(try lockText(project) == before)
            let quiet = try project.linbuild(["outdated", "--arch", "alpha"], extraEnvironment: locations)
            #expect(quiet.status == 0, "\(quiet.output)")
            #expect(quiet.stdout.contains("outdated [alpha] image base \(repository):22.04: locked \(locked.prefix(19))… (current)"))

            // WHEN upstream moves the tag to another image
            try Self.push(repository + ":22.04", marker: "moved")
            let moved = try Self.digest(registry: environment.registry, name: name, tag: "22.04")
            #expect(moved.hasPrefix("sha256:") && moved != locked)

            // THEN outdated reports the move, with both digests, and exits 2
            let report = try project.linbuild(["outdated", "--arch", "alpha"], extraEnvironment: locations)
            #expect(report.status == 2, "\(report.output)")
            #expect(
                report.stdout.contains("image base \(repository):22.04: locked \(locked.prefix(19))…, now \(moved.prefix(19))… (moved)"),
                "\(report.stdout)")
            #expect(report.errorLines.count == 1 && report.stderr.contains("drifted"), "\(report.stderr)")
            let json = try project.linbuild(["outdated", "--arch", "alpha", "--json"], extraEnvironment: locations)
            #expect(json.status == 2)
            #expect(json.stdout.contains("\"drifted\": true") && json.stdout.contains("\"now\": \"\(moved)\""), "\(json.stdout)")

            // AND the locked build still uses the old digest: no /marker in its base, the pin recorded
            let build = try project.linbuild(["--arch", "alpha", "--verbose"], extraEnvironment: locations)
            #expect(build.status == 0, "\(build.output)")
            #expect(build.stderr.contains("OS_TAG=22.04@\(locked)"), "\(build.stderr)")
            let base = project.baseReference()
            #expect(try project.inside(base, ["test", "-e", "/marker"]).status == 1)
            #expect(try project.label("dev.linbuild.base.pin.image.base", of: base) == "22.04@\(locked)")

            // AND lock --update moves the pin on purpose; the next build rebuilds the base on the new image
            let update = try project.linbuild(["lock", "--update", "--arch", "alpha"], extraEnvironment: locations)
            #expect(update.status == 0, "\(update.output)")
            #expect(update.stdout.contains("\(locked.prefix(19))… → \(moved.prefix(19))… (moved)"), "\(update.stdout)")
            let rebuilt = try project.linbuild(["--arch", "alpha"], extraEnvironment: locations)
            #expect(rebuilt.status == 0, "\(rebuilt.output)")
            #expect(rebuilt.stderr.contains("the locked image.base"), "\(rebuilt.stderr)")
            #expect(try project.inside(base, ["cat", "/marker"]).stdout == "moved\n")
        }

        @Test func withoutALockOutdatedReadsWhatThePushedBaseWasBuiltFrom() throws {
            let environment = EndToEnd.environment
            let project = try FixtureProject(environment, dockerfile: Self.dockerfile)
            defer { project.remove() }
            let (repository, locations) = Self.osImage(project)
            let name = "\(project.namespace)/os"
            // GIVEN a base built from a lock and pushed (it records its pins), and the lock gone since
            try Self.push(repository + ":22.04")
            let locked = try Self.digest(registry: environment.registry, name: name, tag: "22.04")
            #expect(try project.linbuild(["lock", "--arch", "alpha"], extraEnvironment: locations).status == 0)
            let push = try project.linbuild(["--arch", "alpha", "--push"], extraEnvironment: locations)
            #expect(push.status == 0, "\(push.output)")
            try FileManager.default.removeItem(atPath: project.root + "/presets.lock.json")
            let current = try project.linbuild(["outdated", "--arch", "alpha"], extraEnvironment: locations)
            #expect(current.status == 0, "\(current.output)")
            #expect(
                current.stdout.contains("image base \(repository):22.04: built from \(locked.prefix(19))… (current)"), "\(current.stdout)")

            // WHEN the tag moves
            try Self.push(repository + ":22.04", marker: "moved")
            let moved = try Self.digest(registry: environment.registry, name: name, tag: "22.04")

            // THEN outdated compares the base's record with it
            let report = try project.linbuild(["outdated", "--arch", "alpha"], extraEnvironment: locations)
            #expect(report.status == 2, "\(report.output)")
            #expect(
                report.stdout.contains("built from \(locked.prefix(19))…, now \(moved.prefix(19))… (moved)"), "\(report.stdout)")
        }

        @Test func aLockedDigestTheRegistryLostStopsTheRunBeforeAnyBuild() throws {
            let environment = EndToEnd.environment
            let project = try FixtureProject(environment, dockerfile: Self.dockerfile)
            defer { project.remove() }
            let (repository, locations) = Self.osImage(project)
            let name = "\(project.namespace)/os"
            try Self.push(repository + ":22.04", marker: "locked")
            let locked = try Self.digest(registry: environment.registry, name: name, tag: "22.04")
            let lock = try project.linbuild(["lock", "--arch", "alpha"], extraEnvironment: locations)
            #expect(lock.status == 0, "\(lock.output)")
            // GIVEN the registry deleted the locked digest (as NVIDIA deletes end-of-life CUDA images)
            let delete = try Run.command(
                "curl",
                [
                    "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE",
                    "http://\(environment.registry)/v2/\(name)/manifests/\(locked)",
                ])
            #expect(delete.stdout == "202", "\(delete.output)")

            // WHEN the base is built from the lock
            let run = try project.linbuild(["--arch", "alpha"], extraEnvironment: locations)

            // THEN the run stops with 65 and one line naming the image, before any build
            #expect(run.status == 65, "\(run.output)")
            #expect(run.errorLines.count == 1, "\(run.stderr)")
            let error = String(run.errorLines.first ?? "")
            #expect(error.contains("\(repository):22.04@\(locked)") && error.contains("no longer has"), "\(error)")
            #expect(error.contains("linbuild lock --update --arch alpha"), "\(error)")
            #expect(!run.stderr.contains("==> build"), "\(run.stderr)")
            let logs = (try? FileManager.default.subpathsOfDirectory(atPath: project.logs)) ?? []
            #expect(!logs.contains { $0.hasSuffix(".log") }, "\(logs)")
            #expect(try project.imageID(project.baseReference()) == nil)
            #expect(try project.leftovers().isEmpty)
            // AND outdated says the tag is gone with it
            let report = try project.linbuild(["outdated", "--arch", "alpha"], extraEnvironment: locations)
            #expect(report.status == 2, "\(report.output)")
            #expect(report.stdout.contains("(gone)"), "\(report.stdout)")
        }

        @Test func withoutALockTheBaseRecordsNoPinsAndKeepsItsInputsDigest() throws {
            let environment = EndToEnd.environment
            let project = try FixtureProject(environment, dockerfile: Self.dockerfile)
            defer { project.remove() }
            let (repository, locations) = Self.osImage(project)
            try Self.push(repository + ":22.04")
            let plain = try project.linbuild(["--arch", "alpha", "--json"], extraEnvironment: locations)
            #expect(plain.status == 0, "\(plain.output)")
            let build = try project.linbuild(["--arch", "alpha", "--verbose"], extraEnvironment: locations)
            #expect(build.status == 0, "\(build.output)")
            // The Dockerfile's OS_TAG as it is: no argument pins it, nothing is pulled by digest.
            #expect(!build.stderr.contains("OS_TAG="), "\(build.stderr)")
            #expect(!build.stderr.contains("@sha256:"))
            let labels = try environment.docker(["image", "inspect", "--format", "{{json .Config.Labels}}", project.baseReference()]).stdout
            #expect(!labels.contains("dev.linbuild.base.pin."), "\(labels)")
            // The inputs digest the base records is the one the plan printed, lock or no lock code.
            let digest = try #require(try project.label("dev.linbuild.base.inputs", of: project.baseReference()))
            #expect(plain.stdout.contains("\"digest\" : \"\(digest)\"") || plain.stdout.contains("\"digest\": \"\(digest)\""))
        }
    }
}
