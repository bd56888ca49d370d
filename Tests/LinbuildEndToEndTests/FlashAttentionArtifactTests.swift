import Foundation
import LinbuildModel
import LinbuildSupport
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

extension EndToEnd {
    /// The Flash Attention wheels artifact on the real engine and registry: compiled once per its
    /// own inputs, found locally or in the registry, and what the base is made from.
    @Suite struct FlashAttentionArtifact {
        /// The shipped Dockerfile's shape on busybox: a compile stage whose "wheel" holds the time
        /// it was compiled (each compile makes another), the wheels-only stage, the stage FA_WHEELS
        /// names, and a base that copies the wheel in.
        static let dockerfile = """
            ARG BASE_IMAGE
            ARG FA_WHEELS=fa-wheels
            FROM linbuild-fixture/busybox:latest AS torch
            ARG TORCH_VER
            RUN echo "torch=$TORCH_VER" > /torch

            FROM torch AS fa-compile
            ARG FA_VER
            ARG CUDA_ARCH_LIST
            ARG MAX_JOBS
            RUN mkdir -p /wheels && echo "fa=$FA_VER arch=$CUDA_ARCH_LIST compiled=$(date +%s%N)" > /wheels/fa.whl

            FROM scratch AS fa-wheels
            COPY --from=fa-compile /wheels/ /wheels/

            FROM ${FA_WHEELS} AS fa-artifact

            FROM torch AS base
            ARG NVIDIA_CUDA_TAG
            ARG TORCH_CHANNEL
            ARG TORCH_CUDA_SUFFIX
            ARG GREETING=hello
            RUN --mount=type=bind,from=fa-artifact,source=/wheels,target=/w cp /w/fa.whl /fa.whl && echo "$GREETING" > /greeting

            FROM ${BASE_IMAGE} AS runtime
            ARG LINNAEUS_REF
            COPY . /app
            RUN echo "$LINNAEUS_REF" > /app/REF
            CMD ["cat", "/app/REF"]
            """

        @Test func theWheelsAreCompiledOncePerTheirInputsAndFoundLocallyOrInTheRegistry() throws {
            let project = try FixtureProject(EndToEnd.environment, dockerfile: Self.dockerfile)
            defer { project.remove() }
            // GIVEN a first build and push: the wheels are compiled, then the base takes them
            let first = try project.linbuild(["--push"])
            #expect(first.status == 0, "\(first.output)")
            #expect(first.stderr.contains("fa [alpha]: compiling, no wheels with these inputs"), "\(first.stderr)")
            #expect(first.stderr.contains("==> compile fa [alpha]"))
            #expect(first.stderr.contains("fa [alpha]: no earlier compile for alpha on this engine"), "\(first.stderr)")
            let wheel = try project.inside(project.baseReference(), ["cat", "/fa.whl"]).stdout
            #expect(wheel.hasPrefix("fa=2.7.4.post1 arch=8.0;8.6 compiled="), "\(wheel)")
            let artifact = try #require(Self.faImage(in: first.stderr), "\(first.stderr)")
            #expect(artifact.contains("/\(project.namespace)/fixture-fa:alpha-cu126-torch2.7.1-fa2.7.4.post1-in"))
            #expect(try project.label("dev.linbuild.fa.arg.CUDA_ARCH_LIST", of: artifact) == "8.0;8.6")
            #expect(try project.label("dev.linbuild.base.artifact.fa", of: project.baseReference())?.count == 64)
            #expect(first.stderr.contains("==> push fa [alpha]"), "\(first.stderr)")

            // WHEN the base changes for another reason, THEN it is rebuilt on the same wheels, not compiled
            try Self.dockerfile.replacingOccurrences(of: "GREETING=hello", with: "GREETING=bonjour")
                .write(toFile: project.dockerfile, atomically: false, encoding: .utf8)
            let greeting = try project.linbuild(["--push"])
            #expect(greeting.status == 0, "\(greeting.output)")
            #expect(greeting.stderr.contains("base [alpha]: rebuilding"), "\(greeting.stderr)")
            #expect(greeting.stderr.contains("fa [alpha]: cached locally"), "\(greeting.stderr)")
            #expect(!greeting.stderr.contains("==> compile fa"))
            #expect(try project.inside(project.baseReference(), ["cat", "/fa.whl"]).stdout == wheel)

            // WHEN the local store no longer has the wheels (a fresh machine), THEN they come from the registry
            #expect(try project.removeImage(artifact) { try EndToEnd.environment.docker($0) })
            try Self.dockerfile.replacingOccurrences(of: "GREETING=hello", with: "GREETING=hallo")
                .write(toFile: project.dockerfile, atomically: false, encoding: .utf8)
            let fresh = try project.linbuild(["--push"])
            #expect(fresh.status == 0, "\(fresh.output)")
            #expect(fresh.stderr.contains("fa [alpha]: in registry"), "\(fresh.stderr)")
            #expect(fresh.stderr.contains("==> pull fa [alpha]"))
            #expect(!fresh.stderr.contains("==> compile fa"))
            #expect(try project.inside(project.baseReference(), ["cat", "/fa.whl"]).stdout == wheel)

            // WHEN the arch list changes, THEN the wheels are compiled again, once, and say why
            try project.writePresets(alphaArchList: "8.0")
            let archs = try project.linbuild(["--push"])
            #expect(archs.status == 0, "\(archs.output)")
            #expect(archs.stderr.contains("fa [alpha]: compiling, CUDA_ARCH_LIST changed"), "\(archs.stderr)")
            // (its time is compared with the last compile for the architecture, the first run's)
            #expect(archs.stderr.contains("fa [alpha]: the last compile for alpha on this engine took "), "\(archs.stderr)")
            let recompiled = try project.inside(project.baseReference(), ["cat", "/fa.whl"]).stdout
            #expect(recompiled.hasPrefix("fa=2.7.4.post1 arch=8.0 compiled=") && recompiled != wheel, "\(recompiled)")

            // WHEN the Flash Attention version changes (the wheels' name too), THEN the message names that input,
            // read from the wheels the local base was made from
            let presets = try String(contentsOfFile: project.presets, encoding: .utf8)
            try presets.replacingOccurrences(of: "\"2.7.4.post1\"", with: "\"2.7.3\"")
                .write(toFile: project.presets, atomically: false, encoding: .utf8)
            let version = try project.linbuild([])
            #expect(version.status == 0, "\(version.output)")
            #expect(version.stderr.contains("fa [alpha]: compiling, FA_VER changed (wheels found locally)"), "\(version.stderr)")
            #expect(try project.inside(project.baseReference(), ["cat", "/fa.whl"]).stdout.hasPrefix("fa=2.7.3 arch=8.0 compiled="))

            // AND a base that is found needs no wheels at all
            let again = try project.linbuild([])
            #expect(again.status == 0, "\(again.output)")
            #expect(again.stderr.contains("base [alpha]: cached locally"), "\(again.stderr)")
            #expect(!again.stderr.contains("fa [alpha]"))
        }

        @Test func forceBaseWithARegistryThatCannotBeAskedCompilesTheWheelsHere() throws {
            let project = try FixtureProject(EndToEnd.environment, dockerfile: Self.dockerfile)
            defer { project.remove() }
            // GIVEN a registry that cannot be asked (a port held bound, never listening)
            let closed = try ClosedPort()
            defer { closed.release() }
            let registry = "127.0.0.1:\(closed.port)"

            // WHEN the base is not forced, THEN that registry stops the run before anything is built
            let auto = try project.linbuild(["--no-preflight"], registry: registry)
            #expect(auto.status == 69, "\(auto.output)")
            #expect(auto.errorLines.count == 1 && !auto.stderr.contains("==> compile fa"), "\(auto.stderr)")

            // WHEN the base is forced, offline, THEN the wheels are compiled here, with one warning, not exit 69
            let run = try project.linbuild(["--force-base", "--no-preflight"], registry: registry)
            #expect(run.status == 0, "\(run.output)")
            #expect(run.stderr.contains("fa [alpha]: the registry cannot say whether it holds the wheels"), "\(run.stderr)")
            #expect(run.stderr.contains("compiling them here (--force-base)"))
            #expect(run.stderr.contains("==> compile fa [alpha]"), "\(run.stderr)")
            let wheel = try project.inside(project.baseReference(registry: registry), ["cat", "/fa.whl"]).stdout
            #expect(wheel.hasPrefix("fa=2.7.4.post1 arch=8.0;8.6 compiled="), "\(wheel)")

        }

        @Test func pullBuildsTheBaseOnWheelsThatAreOnlyInTheLocalStore() throws {
            let environment = EndToEnd.environment
            let scratch = try FixtureProject(environment)
            defer { scratch.remove() }
            // GIVEN the stages' upstream image in the registry (--pull asks for it there)
            let upstream = "\(environment.registry)/\(scratch.namespace)/busybox:1"
            #expect(try environment.docker(["tag", "linbuild-fixture/busybox:latest", upstream]).status == 0)
            #expect(try environment.docker(["push", upstream]).status == 0)
            let project = try FixtureProject(
                environment,
                dockerfile: Self.dockerfile.replacingOccurrences(
                    of: "FROM linbuild-fixture/busybox:latest AS torch", with: "FROM \(upstream) AS torch"))
            defer { project.remove() }

            // WHEN the base is built with --pull, on wheels this run compiles (pushed, if at all, after every build)
            let run = try project.linbuild(["--pull", "--no-preflight"])

            // THEN the base build pulls its upstream image itself, and never asks the registry for the wheels
            #expect(run.status == 0, "\(run.output)")
            #expect(run.stderr.contains("==> compile fa [alpha]"), "\(run.stderr)")
            let wheel = try project.inside(project.baseReference(), ["cat", "/fa.whl"]).stdout
            #expect(wheel.hasPrefix("fa=2.7.4.post1 arch=8.0;8.6 compiled="), "\(wheel)")
        }

        /// M1: a base built by a run without --push and pushed by a later run takes its wheels to the
        /// registry with it, by the run and by its dry-run script alike; wheels that are nowhere stop
        /// the push with one line, before anything is pushed.
        @Test func aBaseBuiltWithoutPushAndPushedLaterTakesItsWheelsToTheRegistry() throws {
            for how in ["run", "script"] {
                // GIVEN a base and its wheels built without --push: the registry has neither
                let (project, artifact) = try Self.builtWithoutPush()
                defer { project.remove() }
                #expect(try RegistryAPI.manifestStatus(of: artifact) == 404)

                // WHEN a later run pushes (or its --dry-run script runs)
                let push = try Self.push(project, how)
                #expect(push.status == 0, "\(push.output)")
                if how == "run" {
                    #expect(push.stderr.contains("base [alpha]: cached locally"), "\(push.stderr)")
                    #expect(push.stderr.contains("==> push fa [alpha]"), "\(push.stderr)")
                }

                // THEN the registry holds the wheels the base names, the very image the local store has
                #expect(try project.label("dev.linbuild.fa.image", of: project.baseReference()) == artifact)
                #expect(try RegistryAPI.manifestStatus(of: project.baseReference()) == 200, "\(how)")
                #expect(try RegistryAPI.manifestStatus(of: artifact) == 200, "\(how)")
                #expect(try Self.configDigest(of: artifact) == project.imageID(artifact), "\(how)")
            }
        }

        /// The dry-run script learns what the registry holds under the wheels' tag by pulling it: the
        /// local wheels stay what they were under that tag, and replace a registry copy with other inputs.
        @Test func theDryRunsPushCheckLeavesTheLocalWheelsAsTheyWere() throws {
            for how in ["run", "script"] {
                // GIVEN local wheels, and the registry holding another image (no recorded inputs) under their tag
                let (project, artifact) = try Self.builtWithoutPush()
                defer { project.remove() }
                let local = try #require(try project.imageID(artifact))
                #expect(try EndToEnd.environment.docker(["tag", "linbuild-fixture/busybox:latest", artifact]).status == 0)
                #expect(try EndToEnd.environment.docker(["push", artifact]).status == 0)
                #expect(try EndToEnd.environment.docker(["tag", local, artifact]).status == 0)

                // WHEN the base is pushed
                let push = try Self.push(project, how)
                #expect(push.status == 0, "\(push.output)")

                // THEN the local tag still names the local wheels, and the registry now holds them
                #expect(try project.imageID(artifact) == local, "\(how)")
                #expect(try Self.configDigest(of: artifact) == local, "\(how)")
            }
        }

        @Test func wheelsThatAreNowhereStopThePushOfTheBaseThatNamesThem() throws {
            // GIVEN a base built without --push, whose wheels the local store no longer has
            let (project, artifact) = try Self.builtWithoutPush()
            defer { project.remove() }
            #expect(try project.removeImage(artifact) { try EndToEnd.environment.docker($0) })

            // WHEN it is pushed, THEN the run stops with one line (66), and the registry has nothing of it
            let push = try project.linbuild(["--push"])
            #expect(push.status == 66, "\(push.output)")
            #expect(push.errorLines.count == 1, "\(push.stderr)")
            #expect(push.stderr.contains("\(artifact), which are neither in the local store nor in the registry"), "\(push.stderr)")
            #expect(try RegistryAPI.manifestStatus(of: project.baseReference()) == 404)
            #expect(try RegistryAPI.manifestStatus(of: artifact) == 404)
            // AND so does its dry-run script
            let script = try Self.push(project, "script")
            #expect(script.status == 66, "\(script.output)")
            #expect(
                script.stderr.contains("\(artifact), which are \(Self.scriptsNowhere)"),
                "\(script.stderr)")
            #expect(try RegistryAPI.manifestStatus(of: project.baseReference()) == 404)
        }

        /// --skip-base --push pushes the local base as it is: the wheels its `dev.linbuild.fa.image`
        /// names go to the registry first, by the run and by its dry-run script alike.
        @Test func skipBasePushTakesTheWheelsTheLocalBaseNamesToTheRegistry() throws {
            for how in ["run", "script"] {
                // GIVEN a base and its wheels built without --push
                let (project, artifact) = try Self.builtWithoutPush()
                defer { project.remove() }

                // WHEN it is pushed as it is
                let push = try Self.push(project, how, ["--skip-base"])
                #expect(push.status == 0, "\(push.output)")
                if how == "run" { #expect(push.stderr.contains("==> push fa [alpha]: \(artifact)"), "\(push.stderr)") }

                // THEN the registry holds the base and the very wheels it names
                #expect(try RegistryAPI.manifestStatus(of: project.baseReference()) == 200, "\(how)")
                #expect(try Self.configDigest(of: artifact) == project.imageID(artifact), "\(how)")
            }
        }

        @Test func skipBasePushOfABaseWhoseWheelsAreNowhereStopsWithOneLine() throws {
            // GIVEN a base built without --push, whose wheels the local store no longer has
            let (project, artifact) = try Self.builtWithoutPush()
            defer { project.remove() }
            #expect(try project.removeImage(artifact) { try EndToEnd.environment.docker($0) })
            for how in ["run", "script"] {
                // WHEN it is pushed as it is, THEN it stops with one line (66) and the registry has nothing of it
                let push = try Self.push(project, how, ["--skip-base"])
                #expect(push.status == 66, "\(how): \(push.output)")
                if how == "run" { #expect(push.errorLines.count == 1, "\(push.stderr)") }
                let nowhere =
                    how == "run"
                    ? "neither in the local store nor in the registry" : Self.scriptsNowhere
                #expect(push.stderr.contains("\(artifact), which are \(nowhere)"), "\(push.stderr)")
                #expect(try RegistryAPI.manifestStatus(of: project.baseReference()) == 404, "\(how)")
                #expect(try RegistryAPI.manifestStatus(of: artifact) == 404, "\(how)")
            }
        }

        /// --skip-base --push pushes only wheels of the run's own wheels repository: a base whose label
        /// names another (built under another --registry or --namespace, then tagged here) stops the
        /// run and its script with one line (65), and nothing is pushed, the wheels included.
        @Test func skipBasePushOfABaseNamingWheelsOfAnotherRepositoryStopsWith65() throws {
            // GIVEN a base built under the project's namespace, tagged under another
            let (project, artifact) = try Self.builtWithoutPush()
            defer { project.remove() }
            let moved = "\(project.namespace)-moved"
            let movedBase = project.baseReference().replacingOccurrences(of: "/\(project.namespace)/", with: "/\(moved)/")
            defer { _ = try? EndToEnd.environment.docker(["rmi", movedBase]) }
            #expect(try EndToEnd.environment.docker(["tag", project.baseReference(), movedBase]).status == 0)
            let repository = "\(EndToEnd.environment.registry)/\(moved)/fixture-fa"
            for how in ["run", "script"] {
                // WHEN it is pushed as it is under that namespace
                let push = try Self.push(project, how, ["--skip-base", "--namespace", moved])

                // THEN one line names both repositories and the way out (65), and the registry has nothing
                #expect(push.status == 65, "\(how): \(push.output)")
                if how == "run" { #expect(push.errorLines.count == 1, "\(push.stderr)") }
                #expect(push.stderr.contains("names the Flash Attention wheels '\(artifact)'"), "\(how): \(push.stderr)")
                #expect(push.stderr.contains("which is not a tag of this run's wheels repository \(repository);"), "\(how): \(push.stderr)")
                #expect(push.stderr.contains("build the base with this --registry and --namespace"), "\(how)")
                #expect(try RegistryAPI.manifestStatus(of: artifact) == 404, "\(how)")
                #expect(try RegistryAPI.manifestStatus(of: movedBase) == 404, "\(how)")
            }
        }

        /// --skip-base --push of a base that records and names no wheels: the wheels' push says why it
        /// pushes nothing, and the summary does not claim the registry holds them.
        @Test func skipBasePushOfABaseNamingNoWheelsSaysSo() throws {
            for how in ["run", "script"] {
                // GIVEN a local base whose wheels labels are empty
                let (project, _) = try Self.builtWithoutPush()
                defer { project.remove() }
                try Self.relabel(project.baseReference(), ["dev.linbuild.fa.image": "", "dev.linbuild.base.artifact.fa": ""])

                // WHEN it is pushed as it is
                let push = try Self.push(project, how, ["--skip-base"])

                // THEN the base is pushed, and the wheels' push says it had nothing to push, not that the registry holds them
                #expect(push.status == 0, "\(how): \(push.output)")
                let prefix = how == "run" ? "push fa [alpha]: " : ""
                #expect(
                    push.stderr.contains(
                        "\(prefix)nothing to push, the base \(project.baseReference()) names no Flash Attention wheels"),
                    "\(how): \(push.stderr)")
                #expect(!push.output.contains("already in the registry"), "\(push.output)")
                #expect(try RegistryAPI.manifestStatus(of: project.baseReference()) == 200, "\(how)")
            }
        }

        /// --skip-base --push of a base whose two wheels labels disagree: one that records wheels
        /// (`dev.linbuild.base.artifact.fa`) but names none has lost the link a push follows, one that
        /// names wheels but records none cannot say which it is made from; the run and its script stop
        /// (65) rather than put the base in the registry without its wheels.
        @Test func skipBasePushOfABaseWhoseWheelsLabelsDisagreeStopsWith65() throws {
            let cases = [
                ("dev.linbuild.fa.image", "records Flash Attention wheels (dev.linbuild.base.artifact.fa) but names none"),
                ("dev.linbuild.base.artifact.fa", "but records none (no dev.linbuild.base.artifact.fa label)"),
            ]
            for (emptied, line) in cases {
                for how in ["run", "script"] {
                    // GIVEN a local base with one of the two labels empty
                    let (project, _) = try Self.builtWithoutPush()
                    defer { project.remove() }
                    try Self.relabel(project.baseReference(), [emptied: ""])

                    // WHEN it is pushed as it is, THEN one line says so (65) and the registry has nothing of it
                    let push = try Self.push(project, how, ["--skip-base"])
                    #expect(push.status == 65, "\(how) \(emptied): \(push.output)")
                    if how == "run" { #expect(push.errorLines.count == 1, "\(push.stderr)") }
                    #expect(push.stderr.contains(line), "\(how) \(emptied): \(push.stderr)")
                    #expect(try RegistryAPI.manifestStatus(of: project.baseReference()) == 404, "\(how) \(emptied)")
                }
            }
        }

        /// --skip-base --push of a base naming a tag of the run's wheels repository that is not made from
        /// the wheels the base records (no `-in` part, another digest there, or no tag at all by the
        /// grammar): both stop (65) and say to rebuild the base, not to change the repository.
        @Test func skipBasePushOfABaseNamingOtherWheelsOfTheRepositoryStopsWith65() throws {
            let (project, artifact) = try Self.builtWithoutPush()
            defer { project.remove() }
            let readable = String(artifact[..<(try #require(artifact.range(of: "-in", options: .backwards))).lowerBound])
            let repository = String(artifact[..<(try #require(artifact.lastIndex(of: ":")))])
            let recorded = try #require(try project.label("dev.linbuild.base.artifact.fa", of: project.baseReference()))
            let named = [readable, readable + "-in000000000000", repository + ":bad!tag-in" + recorded.prefix(12)]
            for label in named {
                // GIVEN a local base naming such wheels, which the local store holds (when the tag can be made)
                try Self.relabel(project.baseReference(), ["dev.linbuild.fa.image": label])
                let valid = !label.contains("!")
                if valid { #expect(try EndToEnd.environment.docker(["tag", artifact, label]).status == 0) }
                for how in ["run", "script"] {
                    // WHEN it is pushed as it is, THEN one line (65), and nothing is in the registry
                    let push = try Self.push(project, how, ["--skip-base"])
                    #expect(push.status == 65, "\(how) \(label): \(push.output)")
                    if how == "run" { #expect(push.errorLines.count == 1, "\(push.stderr)") }
                    #expect(
                        push.stderr.contains("which is no immutable tag (<tag>-in<digest>) of the wheels it records"),
                        "\(how) \(label): \(push.stderr)")
                    #expect(push.stderr.contains("(rebuild the base, or run with --force-base)"), "\(how)")
                    if valid { #expect(try RegistryAPI.manifestStatus(of: label) == 404, "\(how) \(label)") }
                    #expect(try RegistryAPI.manifestStatus(of: project.baseReference()) == 404, "\(how)")
                }
            }
        }

        /// --skip-base: the run and its script recognise the wheels the base names by the same labels,
        /// the form and the full inputs digest the base records: local wheels under that tag whose form
        /// is not this linbuild's, or whose digest only starts or begins with it, are pushed by neither.
        @Test func skipBasePushRecognisesTheWheelsByTheirFormAndDigestAsTheScriptDoes() throws {
            for how in ["run", "script"] {
                for relabel in ["form", "same start", "longer"] {
                    // GIVEN a base whose wheels, under their tag, record no form, or another digest
                    let (project, artifact) = try Self.builtWithoutPush()
                    defer { project.remove() }
                    let recorded = try #require(try project.label("dev.linbuild.base.artifact.fa", of: project.baseReference()))
                    let label =
                        relabel == "form"
                        ? ["dev.linbuild.fa.form": ""]
                        : [
                            "dev.linbuild.fa.inputs": relabel == "longer"
                                ? recorded + "0" : recorded.prefix(12) + String(repeating: "0", count: recorded.count - 12)
                        ]
                    #expect(label.values.allSatisfy { $0 != recorded })
                    try Self.relabel(artifact, label)

                    // WHEN the base is pushed as it is, THEN both stop with one line (66: no wheels with these inputs anywhere)
                    let push = try Self.push(project, how, ["--skip-base"])
                    #expect(push.status == 66, "\(how) \(relabel): \(push.output)")
                    let nowhere = how == "run" ? "neither in the local store nor in the registry" : Self.scriptsNowhere
                    #expect(push.stderr.contains("\(artifact), which are \(nowhere)"), "\(how) \(relabel): \(push.stderr)")
                    #expect(try RegistryAPI.manifestStatus(of: artifact) == 404, "\(how) \(relabel)")
                }
            }
        }

        /// The script's registry check, with no local wheels under the tag, removes what it pulled by
        /// reference: a copy whose image ID has another tag (which an `rm` by ID refuses) goes too.
        @Test func theScriptRemovesAPulledCopyByReferenceWhenNoWheelsWereLocal() throws {
            // GIVEN a base whose wheels the local store lacks, and the registry holding the fixture's
            // busybox (other inputs, an image ID with its own tag) under the wheels' tag
            let (project, artifact) = try Self.builtWithoutPush()
            defer { project.remove() }
            #expect(try project.removeImage(artifact) { try EndToEnd.environment.docker($0) })
            #expect(try EndToEnd.environment.docker(["tag", "linbuild-fixture/busybox:latest", artifact]).status == 0)
            #expect(try EndToEnd.environment.docker(["push", artifact]).status == 0)
            #expect(try EndToEnd.environment.docker(["rmi", artifact]).status == 0)

            // WHEN the script pushes the base
            let script = try Self.push(project, "script")

            // THEN it stops (66: the wheels are nowhere), and the pulled copy is not left under the wheels' tag
            #expect(script.status == 66, "\(script.output)")
            #expect(try EndToEnd.environment.docker(["image", "inspect", artifact]).status != 0)
            #expect(try EndToEnd.environment.docker(["image", "inspect", "linbuild-fixture/busybox:latest"]).status == 0)
        }

        /// A registry that cannot be asked about wheels the local store lacks: the run cannot tell
        /// whether they are anywhere, and says so (69), rather than that they are nowhere (66).
        @Test func wheelsTheLocalStoreLacksAndARegistryThatCannotBeAskedStopWith69() throws {
            let project = try FixtureProject(EndToEnd.environment, dockerfile: Self.dockerfile)
            defer { project.remove() }
            let closed = try ClosedPort()
            defer { closed.release() }
            let registry = "127.0.0.1:\(closed.port)"
            // GIVEN a base built offline (--force-base), whose wheels are then removed
            let built = try project.linbuild(["--force-base", "--no-preflight"], registry: registry)
            #expect(built.status == 0, "\(built.output)")
            let artifact = try #require(Self.faImage(in: built.stderr), "\(built.stderr)")
            #expect(try project.removeImage(artifact) { try EndToEnd.environment.docker($0) })

            // WHEN it is pushed as it is to that registry
            let push = try project.linbuild(["--skip-base", "--push", "--no-preflight"], registry: registry)

            // THEN one line says the registry could not be asked, with 69
            #expect(push.status == 69, "\(push.output)")
            #expect(push.errorLines.count == 1, "\(push.stderr)")
            #expect(push.stderr.contains("which the local store lacks and the registry could not be asked about"), "\(push.stderr)")
        }

        /// Every architecture's wheels are decided before the run's first push: wheels that are nowhere
        /// for a later architecture stop the run before an earlier one's images are pushed.
        @Test func wheelsThatAreNowhereForALaterArchitectureStopTheRunBeforeAnyPush() throws {
            let project = try FixtureProject(EndToEnd.environment, dockerfile: Self.dockerfile)
            defer { project.remove() }
            // GIVEN both architectures with Flash Attention, built without --push, and beta's wheels removed
            let presets = try String(contentsOfFile: project.presets, encoding: .utf8)
            try presets.replacingOccurrences(
                of: "\"flashAttention\": null", with: "\"flashAttention\": { \"version\": \"2.7.4.post1\", \"major\": 2 }"
            )
            .write(toFile: project.presets, atomically: false, encoding: .utf8)
            let built = try project.linbuild(["--arch", "all"])
            #expect(built.status == 0, "\(built.output)")
            let alpha = try #require(Self.faImage(in: built.stderr), "\(built.stderr)")
            let beta = try #require(
                built.stderr.split(separator: "\n").first { $0.hasPrefix("==> compile fa [beta]: ") }
                    .map { String($0.dropFirst("==> compile fa [beta]: ".count)) }, "\(built.stderr)")
            #expect(try project.removeImage(beta) { try EndToEnd.environment.docker($0) })

            // WHEN both are pushed
            let push = try project.linbuild(["--arch", "all", "--push"])

            // THEN the run stops with one line (66), and nothing of alpha, the first, was pushed either
            #expect(push.status == 66, "\(push.output)")
            #expect(push.errorLines.count == 1, "\(push.stderr)")
            #expect(push.stderr.contains("\(beta), which are neither in the local store nor in the registry"), "\(push.stderr)")
            #expect(try RegistryAPI.manifestStatus(of: alpha) == 404)
            #expect(try RegistryAPI.manifestStatus(of: project.baseReference()) == 404)
            #expect(!push.stderr.contains("==> push"), "\(push.stderr)")
        }

        /// A project whose base and wheels were built without --push, and the wheels' reference.
        static func builtWithoutPush() throws -> (FixtureProject, String) {
            let project = try FixtureProject(EndToEnd.environment, dockerfile: Self.dockerfile)
            let built = try project.linbuild([])
            #expect(built.status == 0, "\(built.output)")
            guard let artifact = Self.faImage(in: built.stderr) else {
                project.remove()
                throw InternalError("no compile fa line in: \(built.stderr)")
            }
            return (project, artifact)
        }

        /// What the script says of wheels it must push and found nowhere: its registry check pulls,
        /// which cannot tell a registry without them from one that cannot be asked.
        static let scriptsNowhere = "not in the local store, and the registry gave none with these inputs (or could not be asked)"

        /// Gives `image` these labels (a layerless build on it, under the same reference).
        static func relabel(_ image: String, _ labels: [String: String]) throws {
            let lines = labels.sorted { $0.key < $1.key }.map { "LABEL \($0.key)=\"\($0.value)\"\n" }.joined()
            let built = try EndToEnd.environment.docker(["build", "-q", "-t", image, "-"], input: "FROM \(image)\n" + lines)
            #expect(built.status == 0, "\(built.output)")
        }

        /// `linbuild --push` (`how` is `run`), or its `--dry-run` script run in `sh` (`script`) against
        /// the same engine.
        static func push(_ project: FixtureProject, _ how: String, _ options: [String] = []) throws -> Run.Result {
            guard how == "script" else { return try project.linbuild(["--push"] + options) }
            let dryRun = try project.linbuild(["--push", "--dry-run"] + options)
            #expect(dryRun.status == 0, "\(dryRun.output)")
            return try Run.command(
                "/bin/sh", ["-c", dryRun.stdout],
                environment: ["DOCKER_HOST": EndToEnd.environment.dockerHost, "TMPDIR": project.temporary])
        }

        /// The digest of the config of the image a registry reference names: the local image ID of
        /// the same image.
        static func configDigest(of reference: String) throws -> String? {
            let manifest = try RegistryAPI.manifest(of: reference)
            let object = try JSONSerialization.jsonObject(with: Data(manifest.utf8)) as? [String: Any]
            return (object?["config"] as? [String: Any])?["digest"] as? String
        }

        /// The artifact's reference, from the compile step's progress line.
        static func faImage(in output: String) -> String? {
            output.split(separator: "\n").first { $0.hasPrefix("==> compile fa [alpha]: ") }
                .map { String($0.dropFirst("==> compile fa [alpha]: ".count)) }
        }
    }
}
