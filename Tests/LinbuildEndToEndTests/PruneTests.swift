import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// `linbuild prune` against the real registries: one with deletes enabled, one that refuses them.
    @Suite struct Prune {
        /// One image per distinct set of labels (the labels make its digest), pushed under `tags`.
        static func push(_ project: FixtureProject, registry: String, repository: String, tags: [String], labels: [String: String]) throws {
            let references = tags.map { "\(registry)/\(project.namespace)/\(repository):\($0)" }
            let build = try EndToEnd.environment.docker(
                ["build", "-q"] + labels.sorted { $0.key < $1.key }.flatMap { ["--label", "\($0.key)=\($0.value)"] }
                    + references.flatMap { ["--tag", $0] } + ["-"],
                extraEnvironment: ["DOCKER_BUILDKIT": "1"], input: "FROM linbuild-fixture/busybox:latest\n")
            #expect(build.status == 0, "\(build.output)")
            for reference in references {
                let push = try EndToEnd.environment.docker(["push", reference])
                #expect(push.status == 0, "\(push.output)")
            }
        }

        /// A runtime of `ref` on `arch`, made on `day` of January, on the base tag `base`.
        static func runtime(_ project: FixtureProject, registry: String, tag: String, ref: String, arch: String, day: Int, base: String)
            throws
        {
            try push(
                project, registry: registry, repository: "fixture-dev", tags: [tag],
                labels: [
                    "dev.linbuild.arch": arch, "dev.linbuild.ref": ref,
                    "org.opencontainers.image.created": String(format: "2026-01-%02dT00:00:00Z", day),
                    "org.opencontainers.image.base.name": "\(registry)/\(project.namespace)/fixture-base:\(base)",
                ])
        }

        static func base(_ project: FixtureProject, registry: String, tags: [String], arch: String) throws {
            try push(
                project, registry: registry, repository: "fixture-base", tags: tags,
                labels: [
                    "dev.linbuild.arch": arch, "dev.linbuild.base.inputs": tags.last!,
                    "org.opencontainers.image.created": "2025-12-01T00:00:00Z",
                ])
        }

        static func status(_ project: FixtureProject, registry: String, _ repository: String, _ tag: String) throws -> Int {
            try RegistryAPI.manifestStatus(registry: registry, name: "\(project.namespace)/\(repository)", tag: tag)
        }

        static func prune(_ project: FixtureProject, registry: String, _ arguments: [String]) throws -> Run.Result {
            try Run.command(
                Run.linbuild, ["prune", "--presets", project.presets, "--registry", registry] + arguments,
                environment: ["DOCKER_HOST": EndToEnd.environment.dockerHost, "NO_COLOR": "1"], directory: project.root)
        }

        @Test func pruneKeepsAndDeletesExactlyWhatItsRulesSayAndASecondPruneDeletesNothing() throws {
            let environment = EndToEnd.environment
            let registry = environment.registry
            let project = try FixtureProject(environment)
            defer { project.remove() }
            // GIVEN runtimes of two branches and two archs on four bases, and the readable base tag
            try Self.runtime(project, registry: registry, tag: "a1-alpha", ref: "main", arch: "alpha", day: 1, base: "alpha-in000000000001")
            try Self.runtime(project, registry: registry, tag: "a2-alpha", ref: "main", arch: "alpha", day: 2, base: "alpha-in000000000002")
            try Self.runtime(
                project, registry: registry, tag: "f1-alpha", ref: "feat/x", arch: "alpha", day: 1, base: "alpha-in000000000001")
            try Self.runtime(project, registry: registry, tag: "b1-beta", ref: "main", arch: "beta", day: 1, base: "beta-in000000000003")
            try Self.runtime(project, registry: registry, tag: "b2-beta", ref: "main", arch: "beta", day: 2, base: "beta-in000000000003")
            try Self.base(project, registry: registry, tags: ["alpha-in000000000001"], arch: "alpha")
            try Self.base(project, registry: registry, tags: ["alpha", "alpha-in000000000002"], arch: "alpha")
            try Self.base(project, registry: registry, tags: ["beta-in000000000003"], arch: "beta")
            try Self.base(project, registry: registry, tags: ["beta-in000000000004"], arch: "beta")
            let everything: [(String, String)] = [
                ("fixture-dev", "a1-alpha"), ("fixture-dev", "a2-alpha"), ("fixture-dev", "f1-alpha"), ("fixture-dev", "b1-beta"),
                ("fixture-dev", "b2-beta"), ("fixture-base", "alpha"), ("fixture-base", "alpha-in000000000001"),
                ("fixture-base", "alpha-in000000000002"), ("fixture-base", "beta-in000000000003"), ("fixture-base", "beta-in000000000004"),
            ]
            let doomed: Set<String> = ["a1-alpha", "b1-beta", "beta-in000000000004"]

            // WHEN prune runs without --apply, THEN it lists exactly the doomed tags and deletes nothing
            let dry = try Self.prune(project, registry: registry, ["--keep", "1"])
            #expect(dry.status == 0, "\(dry.output)")
            let listed = dry.stdout.split(separator: "\n").filter { $0.hasPrefix("would delete ") }
            #expect(listed.count == 3, "\(dry.stdout)")
            for tag in doomed { #expect(listed.contains { $0.contains("(\(tag))") }, "\(tag): \(dry.stdout)") }
            #expect(dry.stderr.contains("nothing deleted: pass --apply"), "\(dry.stderr)")
            for (repository, tag) in everything { #expect(try Self.status(project, registry: registry, repository, tag) == 200) }

            // and --json says the same to a script
            let json = try Self.prune(project, registry: registry, ["--keep", "1", "--json"])
            #expect(json.status == 0, "\(json.output)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(document["applied"] as? Bool == false)
            let deletions = (document["deletions"] as? [[String: Any]]) ?? []
            #expect(Set(deletions.flatMap { ($0["tags"] as? [String]) ?? [] }) == doomed)

            // WHEN it runs with --apply
            let applied = try Self.prune(project, registry: registry, ["--keep", "1", "--apply"])
            #expect(applied.status == 0, "\(applied.output)")
            // THEN the registry lost exactly those and kept the rest
            for (repository, tag) in everything {
                #expect(try Self.status(project, registry: registry, repository, tag) == (doomed.contains(tag) ? 404 : 200), "\(tag)")
            }
            #expect(applied.stderr.contains("prune: deleted 3 manifests"), "\(applied.stderr)")

            // WHEN it runs again, THEN it deletes nothing
            let again = try Self.prune(project, registry: registry, ["--keep", "1", "--apply"])
            #expect(again.status == 0, "\(again.output)")
            #expect(again.stderr.contains("prune: deleted 0 manifests"), "\(again.stderr)")
            #expect(!again.stdout.contains("delete "), "\(again.stdout)")
        }

        /// The Flash Attention wheels: those a kept base names stay, orphans (named by no base, such
        /// as a compile whose base was never pushed) are listed and, with --apply, deleted.
        @Test func pruneDeletesWheelsNoKeptBaseNames() throws {
            let environment = EndToEnd.environment
            let registry = environment.registry
            let project = try FixtureProject(environment)
            defer { project.remove() }
            // GIVEN a kept runtime on a base that names its wheels, orphaned wheels, and a tag of the wheels' that is not immutable
            let wheels = "\(registry)/\(project.namespace)/fixture-fa"
            try Self.runtime(project, registry: registry, tag: "a1-alpha", ref: "main", arch: "alpha", day: 1, base: "alpha-in000000000001")
            try Self.push(
                project, registry: registry, repository: "fixture-base", tags: ["alpha-in000000000001"],
                labels: [
                    "dev.linbuild.arch": "alpha", "dev.linbuild.base.inputs": "1",
                    "dev.linbuild.fa.image": "\(wheels):alpha-fa2-in00000000000a",
                ])
            let faLabels = ["dev.linbuild.arch": "alpha", "org.opencontainers.image.created": "2025-12-01T00:00:00Z"]
            try Self.push(project, registry: registry, repository: "fixture-fa", tags: ["alpha-fa2-in00000000000a"], labels: faLabels)
            try Self.push(
                project, registry: registry, repository: "fixture-fa", tags: ["alpha-fa2-in00000000000c"],
                labels: faLabels.merging(["dev.linbuild.fa.inputs": "c"]) { $1 })
            try Self.push(
                project, registry: registry, repository: "fixture-fa", tags: ["mine"], labels: faLabels.merging(["x": "mine"]) { $1 })

            // WHEN prune runs without --apply, THEN it lists the orphan only
            let dry = try Self.prune(project, registry: registry, ["--keep", "1"])
            #expect(dry.status == 0, "\(dry.output)")
            let listed = dry.stdout.split(separator: "\n").filter { $0.hasPrefix("would delete ") }
            #expect(listed.count == 1 && listed.first?.contains("fixture-fa@sha256:") == true, "\(dry.stdout)")
            #expect(listed.first?.contains("(alpha-fa2-in00000000000c): named by no kept base") == true, "\(dry.stdout)")

            // WHEN it runs with --apply, THEN the registry lost exactly that
            let applied = try Self.prune(project, registry: registry, ["--keep", "1", "--apply"])
            #expect(applied.status == 0, "\(applied.output)")
            #expect(try Self.status(project, registry: registry, "fixture-fa", "alpha-fa2-in00000000000c") == 404)
            for tag in ["alpha-fa2-in00000000000a", "mine"] {
                #expect(try Self.status(project, registry: registry, "fixture-fa", tag) == 200)
            }
            #expect(try Self.status(project, registry: registry, "fixture-base", "alpha-in000000000001") == 200)
            #expect(try Self.status(project, registry: registry, "fixture-dev", "a1-alpha") == 200)

            // AND wheels in a namespace where no base names any are seen too (prune lists their repository itself)
            let lonely = try FixtureProject(environment)
            defer { lonely.remove() }
            try Self.base(lonely, registry: registry, tags: ["alpha", "alpha-in000000000001"], arch: "alpha")
            try Self.push(lonely, registry: registry, repository: "fixture-fa", tags: ["alpha-fa2-in00000000000c"], labels: faLabels)
            let orphans = try Self.prune(lonely, registry: registry, ["--keep", "1", "--apply"])
            #expect(orphans.status == 0, "\(orphans.output)")
            #expect(orphans.stdout.contains("(alpha-fa2-in00000000000c): named by no kept base"), "\(orphans.stdout)")
            #expect(try Self.status(lonely, registry: registry, "fixture-fa", "alpha-fa2-in00000000000c") == 404)
        }

        @Test func ctrlCDuringPruneFinishesTheDeleteUnderWayStartsNoOtherAndTheNextPruneDeletesTheRest() throws {
            let environment = EndToEnd.environment
            let project = try FixtureProject(environment)
            defer { project.remove() }
            // GIVEN six runtimes of one branch and arch, of which --keep 1 deletes five
            let tags = (1...6).map { "r\($0)-alpha" }
            for (day, tag) in zip(1..., tags) {
                try Self.runtime(
                    project, registry: environment.registry, tag: tag, ref: "main", arch: "alpha", day: day, base: "alpha-in000000000001")
            }
            // and a proxy in front of the registry that holds the second DELETE until the test lets it go
            let proxyLogs = project.root + "/proxy", release = proxyLogs + "/release"
            try FileManager.default.createDirectory(atPath: proxyLogs, withIntermediateDirectories: true)
            #expect(mkfifo(release, 0o600) == 0)
            let proxy = try LoopbackServer(
                script: "holding-proxy.py", arguments: ["http://" + environment.registry, proxyLogs + "/proxy.log", release, "2"])
            defer { proxy.stop() }

            // WHEN Ctrl-C comes while the second delete is under way
            let run = try Run.command(
                Run.linbuild,
                ["prune", "--presets", project.presets, "--registry", "127.0.0.1:\(proxy.port)", "--keep", "1", "--apply"],
                environment: ["DOCKER_HOST": environment.dockerHost, "NO_COLOR": "1"], directory: project.root
            ) { process in
                waitForLog(in: proxyLogs, containing: "held DELETE")
                kill(process.processIdentifier, SIGINT)
                let writer = open(release, O_WRONLY)
                _ = write(writer, "go\n", 3)
                close(writer)
            }

            // THEN it finishes that delete, starts no other, and exits 130 with one line saying how far it got
            #expect(run.status == 130, "\(run.output)")
            #expect(run.errorLines.count == 1, "\(run.stderr)")
            #expect(run.stderr.contains("prune: stopped after 2 of 5 deletes; run it again to go on"), "\(run.stderr)")
            let forwarded = try String(contentsOfFile: proxyLogs + "/proxy.log", encoding: .utf8).split(separator: "\n")
                .filter { $0.hasPrefix("deleted ") }
            #expect(forwarded.count == 2 && forwarded.allSatisfy { $0.hasSuffix(" 202") }, "\(forwarded)")
            // and the registry lost exactly those two: the newest runtime and three others are whole
            let statuses = try tags.map { try Self.status(project, registry: environment.registry, "fixture-dev", $0) }
            #expect(statuses.filter { $0 == 404 }.count == 2 && statuses.last == 200, "\(statuses)")

            // WHEN prune runs again, THEN it deletes the other three, and only the newest runtime is left
            let again = try Self.prune(project, registry: environment.registry, ["--keep", "1", "--apply"])
            #expect(again.status == 0, "\(again.output)")
            #expect(again.stderr.contains("prune: deleted 3 manifests"), "\(again.stderr)")
            for tag in tags {
                #expect(
                    try Self.status(project, registry: environment.registry, "fixture-dev", tag) == (tag == tags.last ? 200 : 404), "\(tag)"
                )
            }
        }

        @Test(.enabled(if: EndToEndEnvironment.current?.noDeleteRegistry != nil, "needs the registry that refuses deletes (make e2e-up)"))
        func aRegistryThatRefusesDeletesStopsPruneWithOneLineAndLosesNothing() throws {
            let environment = EndToEnd.environment
            let registry = try #require(environment.noDeleteRegistry)
            let project = try FixtureProject(environment)
            defer { project.remove() }
            try Self.runtime(project, registry: registry, tag: "a1-alpha", ref: "main", arch: "alpha", day: 1, base: "alpha-in000000000001")
            try Self.runtime(project, registry: registry, tag: "a2-alpha", ref: "main", arch: "alpha", day: 2, base: "alpha-in000000000001")

            // WHEN prune --apply would delete a1 from a registry with deletes disabled
            let result = try Self.prune(project, registry: registry, ["--keep", "1", "--apply"])

            // THEN it stops with 69 and says why and what to do, and both runtimes are still there
            #expect(result.status == 69, "\(result.output)")
            #expect(result.stderr.contains("refuses deletes (HTTP 405"), "\(result.stderr)")
            #expect(result.stderr.contains("storage.delete.enabled: true") && result.stderr.contains("nothing was deleted"))
            #expect(try Self.status(project, registry: registry, "fixture-dev", "a1-alpha") == 200)
            #expect(try Self.status(project, registry: registry, "fixture-dev", "a2-alpha") == 200)
        }
    }
}
