import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildProcess
@testable import LinbuildRun
@testable import LinbuildSupport

/// The executor against a fake engine, a registry that answers only what each test scripts, and
/// signals that arrive when a test says: which commands it runs, in which order, and the summary.
@Suite struct ExecutorTests: PlanMaking {
    /// A plan, an executor over fakes, and a scratch folder for its work folder and logs.
    struct Bench {
        let scratch: Scratch
        var plan: Plan
        let engine: FakeEngine
        let registry: ScriptedRegistry
        let interrupts = ScriptedInterrupts()

        init(_ plan: Plan, engine: FakeEngine, registry: ScriptedRegistry = ScriptedRegistry()) throws {
            scratch = try Scratch("executor")
            self.plan = plan
            self.plan.workDirectory = scratch.path + "/linbuild-work"
            self.engine = engine
            self.registry = registry
            registry.pushes = engine
        }

        func execute() throws -> Executor.Outcome {
            try Executor(
                plan: plan, runner: engine, console: Console(verbosity: .quiet, environment: ["NO_COLOR": "1"]), registry: registry,
                logDirectory: scratch.path + "/logs", interrupts: interrupts
            ).execute()
        }

        /// The summary as `row: outcome` lines.
        static func rows(_ outcome: Executor.Outcome) -> [String] {
            outcome.summary.rows.map { "\($0.step): \($0.outcome.rawValue)" + ($0.note.map { " (\($0))" } ?? "") }
        }
    }

    /// The image a base build of `target` makes: its inputs and platform.
    static func base(_ target: TargetPlan, id: String = "sha256:found", inputs: String? = nil, platform: String = "linux/amd64")
        -> FakeEngine.Image
    {
        FakeEngine.Image(
            id: id, labels: [BaseInputs.digestLabel: inputs ?? target.baseInputs.digest, BaseInputs.formLabel: "\(BaseInputs.form)"],
            platform: platform)
    }

    static func registryImage(_ image: FakeEngine.Image, digest: String? = nil) -> ScriptedRegistry.Answer {
        .image(RegistryImage(labels: image.labels, digest: digest, platform: image.platform))
    }

    @Test func aBaseCachedLocallyIsNeitherBuiltNorLookedForInTheRegistry() throws {
        // GIVEN the right base under its immutable tag in the local store, and a registry nobody may ask
        let plan = try plan(["--arch", "ampere"])
        let target = try #require(plan.targets.first)
        let bench = try Bench(plan, engine: FakeEngine(local: [target.baseImmutableImage: Self.base(target)]))
        defer { bench.scratch.remove() }
        // WHEN the plan runs
        let outcome = try bench.execute()
        // THEN only the runtime is built, on that base, and the summary says the base was cached
        #expect(outcome.failure == nil)
        #expect(bench.engine.changes == ["build runtime \(target.runtimeImage)"])
        #expect(bench.engine.commands.contains { $0.arguments == ["tag", "sha256:found", target.baseImage] })
        #expect(bench.registry.asked.isEmpty)
        #expect(Bench.rows(outcome) == ["base [ampere]: cached (cached locally)", "runtime [ampere]: built"])
    }

    @Test func aBaseMissingEverywhereIsBuiltThenTheRuntimeOnIt() throws {
        // GIVEN no base locally, and a registry that lacks both of its tags
        let plan = try plan(["--arch", "ampere"])
        let target = try #require(plan.targets.first)
        let registry = ScriptedRegistry([target.baseImmutableImage: .absent, target.baseImage: .absent])
        let bench = try Bench(plan, engine: FakeEngine(), registry: registry)
        defer { bench.scratch.remove() }
        let outcome = try bench.execute()
        // THEN the base is built under its immutable tag, then the runtime FROM that tag
        #expect(outcome.failure == nil)
        #expect(bench.engine.changes == ["build base \(target.baseImmutableImage)", "build runtime \(target.runtimeImage)"])
        let runtime = try #require(bench.engine.commands.first { $0.arguments.contains("runtime") })
        #expect(runtime.arguments.contains("BASE_IMAGE=\(target.baseImmutableImage)"))
        #expect(registry.asked.count == 2)
        #expect(Bench.rows(outcome) == ["base [ampere]: built (missing)", "runtime [ampere]: built"])
    }

    @Test func aStaleLocalCopyFallsThroughToTheRegistryWhichIsPulledByDigest() throws {
        // GIVEN a local base with other inputs under the readable tag, and the right one in the registry there
        let plan = try plan(["--arch", "ampere"])
        let target = try #require(plan.targets.first)
        let right = Self.base(target, id: "sha256:remote"), digest = "sha256:" + String(repeating: "d", count: 64)
        let byDigest = BaseFinding.repository(of: target.baseImage) + "@" + digest
        let engine = FakeEngine(
            local: [target.baseImage: Self.base(target, id: "sha256:stale", inputs: String(repeating: "0", count: 64))],
            pullable: [byDigest: right])
        let registry = ScriptedRegistry([target.baseImmutableImage: .absent, target.baseImage: Self.registryImage(right, digest: digest)])
        let bench = try Bench(plan, engine: engine, registry: registry)
        defer { bench.scratch.remove() }
        let outcome = try bench.execute()
        // THEN nothing is built but the runtime: the base is pulled by the digest the registry named
        #expect(outcome.failure == nil)
        #expect(bench.engine.changes == ["pull \(byDigest)", "build runtime \(target.runtimeImage)"])
        #expect(bench.engine.commands.contains { $0.arguments == ["tag", "sha256:remote", target.baseImmutableImage] })
        #expect(
            Bench.rows(outcome).map { $0.prefix { $0 != "(" } } == [
                "base [ampere]: cached ", "pull base [ampere]: pulled ", "runtime [ampere]: built",
            ])
        #expect(outcome.summary.rows.first?.note?.contains("the local copy") == true)
    }

    @Test func aRegistryThatCannotBeAskedStopsTheRunWithNothingBuilt() throws {
        // GIVEN no local base and a registry that cannot be reached
        let plan = try plan(["--arch", "ampere,hopper"])
        let target = try #require(plan.targets.first)
        let bench = try Bench(plan, engine: FakeEngine(), registry: ScriptedRegistry([target.baseImmutableImage: .unreachable]))
        defer { bench.scratch.remove() }
        let outcome = try bench.execute()
        // THEN the run stops with exit 69, saying so, and builds nothing: "unknown" is never read as "absent"
        let failure = try #require(outcome.failure as? LinbuildError)
        #expect(failure.exitCode == .unavailable)
        #expect(failure.description.contains("cannot decide about \(target.baseImmutableImage) from the registry"))
        #expect(bench.engine.changes.isEmpty)
        #expect(bench.registry.asked.count == 1)
    }

    @Test func aFailedBuildWithKeepGoingLetsTheOtherArchitectureBuildAndPushesNothing() throws {
        // GIVEN two architectures with no base anywhere, --keep-going, and ampere's base build failing
        let plan = try plan(["--arch", "ampere,hopper", "--push", "--keep-going"])
        let (ampere, hopper) = (plan.targets[0], plan.targets[1])
        let absent = [ampere.baseImmutableImage, ampere.baseImage, hopper.baseImmutableImage, hopper.baseImage].map {
            ($0, ScriptedRegistry.Answer.absent)
        }
        let engine = FakeEngine { $0.arguments.contains(ampere.baseImmutableImage) && $0.arguments.contains("--target") }
        let bench = try Bench(plan, engine: engine, registry: ScriptedRegistry(Dictionary(uniqueKeysWithValues: absent)))
        defer { bench.scratch.remove() }
        let outcome = try bench.execute()
        // THEN hopper builds, ampere's runtime does not, nothing is pushed, and the run fails with exit 1
        #expect((outcome.failure as? LinbuildError)?.exitCode == .failure)
        #expect(
            engine.changes == [
                "build base \(ampere.baseImmutableImage)", "build base \(hopper.baseImmutableImage)",
                "build runtime \(hopper.runtimeImage)",
            ])
        #expect(
            Bench.rows(outcome).map { $0.replacing(/\s\(log: .*\)/, with: "") } == [
                "base [ampere]: failed", "runtime [ampere]: not run", "base [hopper]: built (missing)", "runtime [hopper]: built",
                "push runtime [ampere]: not run (nothing is pushed after a failure)",
                "push runtime [hopper]: not run (nothing is pushed after a failure)",
            ])
        // (pushes were held back without asking the registry what it holds)
        #expect(bench.registry.asked.count == 4)
    }

    @Test func aSignalBetweenTwoStepsStopsTheRunBeforeTheNext() throws {
        // GIVEN two architectures with no base anywhere, and a Ctrl-C that arrives while hopper's base is looked for
        let plan = try plan(["--arch", "ampere,hopper", "--push"])
        let (ampere, hopper) = (plan.targets[0], plan.targets[1])
        let absent = [ampere.baseImmutableImage, ampere.baseImage, hopper.baseImmutableImage, hopper.baseImage].map {
            ($0, ScriptedRegistry.Answer.absent)
        }
        let registry = ScriptedRegistry(Dictionary(uniqueKeysWithValues: absent))
        let bench = try Bench(plan, engine: FakeEngine(), registry: registry)
        defer { bench.scratch.remove() }
        registry.onAsk = { [interrupts = bench.interrupts] name in if name.contains("hopper") { interrupts.arrive(2) } }
        let outcome = try bench.execute()
        // THEN the check finishes, but no later step runs: ampere's images are built, nothing of hopper's, nothing pushed
        #expect(outcome.failure as? LinbuildError == .interrupted(signal: 2))
        #expect((outcome.failure as? LinbuildError)?.exitCode == .interrupted)
        #expect(bench.engine.changes == ["build base \(ampere.baseImmutableImage)", "build runtime \(ampere.runtimeImage)"])
        #expect(
            Bench.rows(outcome) == [
                "base [ampere]: built (missing)", "runtime [ampere]: built",
                "base [hopper]: not run (interrupted)", "runtime [hopper]: not run (interrupted)",
                "push runtime [ampere]: not run (interrupted)", "push runtime [hopper]: not run (interrupted)",
            ])
    }

    @Test func aSignalDuringABuildFailsThatStepAndRunsNothingAfter() throws {
        // GIVEN a SIGTERM that arrives while ampere's base builds
        let plan = try plan(["--arch", "ampere", "--push"])
        let target = try #require(plan.targets.first)
        let engine = FakeEngine()
        let bench = try Bench(
            plan, engine: engine, registry: ScriptedRegistry([target.baseImmutableImage: .absent, target.baseImage: .absent]))
        defer { bench.scratch.remove() }
        engine.afterCommand = { [interrupts = bench.interrupts] command in
            if command.arguments.contains("--target") { interrupts.arrive(15) }
        }
        let outcome = try bench.execute()
        // THEN that step failed as interrupted (exit 143), and nothing ran after it
        #expect(outcome.failure as? LinbuildError == .interruptedDuring(signal: 15, step: "build base [ampere]"))
        #expect((outcome.failure as? LinbuildError)?.exitCode == .terminated)
        #expect(engine.changes == ["build base \(target.baseImmutableImage)"])
        #expect(
            Bench.rows(outcome) == [
                "base [ampere]: failed (interrupted)", "runtime [ampere]: not run (interrupted)",
                "push runtime [ampere]: not run (interrupted)",
            ])
    }

    @Test func pushesComeAfterEveryBuildAndEachBaseBeforeItsRuntime() throws {
        // GIVEN two architectures with no base anywhere, pushed from the presets' branch (both base tags move)
        let plan = try plan(["--arch", "ampere,hopper", "--push"])
        let (ampere, hopper) = (plan.targets[0], plan.targets[1])
        let absent = [ampere.baseImmutableImage, ampere.baseImage, hopper.baseImmutableImage, hopper.baseImage].map {
            ($0, ScriptedRegistry.Answer.absent)
        }
        let bench = try Bench(plan, engine: FakeEngine(), registry: ScriptedRegistry(Dictionary(uniqueKeysWithValues: absent)))
        defer { bench.scratch.remove() }
        let outcome = try bench.execute()
        #expect(outcome.failure == nil)
        #expect(
            bench.engine.changes == [
                "build base \(ampere.baseImmutableImage)", "build runtime \(ampere.runtimeImage)",
                "build base \(hopper.baseImmutableImage)", "build runtime \(hopper.runtimeImage)",
                "push \(ampere.baseImmutableImage)", "push \(ampere.baseImage)", "push \(ampere.runtimeImage)",
                "push \(hopper.baseImmutableImage)", "push \(hopper.baseImage)", "push \(hopper.runtimeImage)",
            ])
        #expect(
            Bench.rows(outcome).filter { $0.hasPrefix("push") }.map { $0.prefix { $0 != ":" } } == [
                "push base [ampere]", "push runtime [ampere]", "push base [hopper]", "push runtime [hopper]",
            ])
    }

    @Test func aBaseTheRegistryHoldsWithTheSameInputsIsNotPushedAgain() throws {
        // GIVEN the right base locally, which the registry already holds under both tags
        let plan = try plan(["--arch", "ampere", "--push"])
        let target = try #require(plan.targets.first)
        let image = Self.base(target)
        let registry = ScriptedRegistry([target.baseImmutableImage: Self.registryImage(image), target.baseImage: Self.registryImage(image)])
        let bench = try Bench(plan, engine: FakeEngine(local: [target.baseImmutableImage: image]), registry: registry)
        defer { bench.scratch.remove() }
        let outcome = try bench.execute()
        // THEN only the runtime is built and pushed; the base push is skipped, tag by tag
        #expect(outcome.failure == nil)
        #expect(bench.engine.changes == ["build runtime \(target.runtimeImage)", "push \(target.runtimeImage)"])
        #expect(Bench.rows(outcome).contains { $0.hasPrefix("push base [ampere]: skipped (already in the registry with the same inputs") })
    }

    @Test func skipBasePushesTheImageItUsedUnderTheTagThePlanPrints() throws {
        // GIVEN --skip-base with the base under its readable tag locally, which the registry lacks
        let plan = try plan(["--arch", "ampere", "--push", "--skip-base"])
        let target = try #require(plan.targets.first)
        let bench = try Bench(
            plan, engine: FakeEngine(local: [target.baseImage: Self.base(target)]),
            registry: ScriptedRegistry([target.baseImage: .absent]))
        defer { bench.scratch.remove() }
        let outcome = try bench.execute()
        // THEN the base is not built or pulled, and is pushed under the readable tag only: what the plan prints
        #expect(outcome.failure == nil)
        #expect(
            bench.engine.changes == ["build runtime \(target.runtimeImage)", "push \(target.baseImage)", "push \(target.runtimeImage)"])
        #expect(plan.steps.first { $0.kind == .pushBase }?.commands.map { $0.arguments.last } == [target.baseImage])
        #expect(Bench.rows(outcome).first == "base [ampere]: skipped (not checked (--skip-base))")
    }

    @Test func nothingIsPushedAfterAFailedPush() throws {
        // GIVEN two architectures built, and the registry refusing ampere's base
        let plan = try plan(["--arch", "ampere,hopper", "--push"])
        let (ampere, hopper) = (plan.targets[0], plan.targets[1])
        let absent = [ampere.baseImmutableImage, ampere.baseImage, hopper.baseImmutableImage, hopper.baseImage].map {
            ($0, ScriptedRegistry.Answer.absent)
        }
        let engine = FakeEngine { $0.arguments.first == "push" && $0.arguments.last == ampere.baseImmutableImage }
        let bench = try Bench(plan, engine: engine, registry: ScriptedRegistry(Dictionary(uniqueKeysWithValues: absent)))
        defer { bench.scratch.remove() }
        let outcome = try bench.execute()
        // THEN the failed push is the last one tried: no runtime, no other architecture, exit 1
        #expect((outcome.failure as? LinbuildError)?.exitCode == .failure)
        #expect(engine.changes.filter { $0.hasPrefix("push") } == ["push \(ampere.baseImmutableImage)"])
        #expect(
            Bench.rows(outcome).filter { $0.hasPrefix("push") }.map { $0.replacing(/\s\(log: .*\)/, with: "") } == [
                "push base [ampere]: failed", "push runtime [ampere]: not run (nothing is pushed after a failure)",
                "push runtime [hopper]: not run (nothing is pushed after a failure)",
            ])
    }

    /// The run executes the plan's own commands: a plan that pushes one tag less (or pulls with
    /// other flags) makes a run that does exactly that, so the tests that pin the plan pin the run.
    @Test func theRunTagsAndPushesExactlyWhatThePlanSays() throws {
        // GIVEN a plan that moves and pushes both base tags, with the readable tag's steps taken out
        var plan = try plan(["--arch", "ampere", "--push"])
        let target = try #require(plan.targets.first)
        plan.steps.removeAll { [.tagBaseForPush, .pushBase].contains($0.kind) && $0.image == target.baseImage }
        let registry = ScriptedRegistry([target.baseImmutableImage: .absent, target.baseImage: .absent])
        let bench = try Bench(plan, engine: FakeEngine(), registry: registry)
        defer { bench.scratch.remove() }
        // WHEN it runs
        let outcome = try bench.execute()
        // THEN the readable tag is not pushed, and every tag is the plan's, with the built base's ID
        #expect(outcome.failure == nil)
        #expect(
            bench.engine.changes == [
                "build base \(target.baseImmutableImage)", "build runtime \(target.runtimeImage)",
                "push \(target.baseImmutableImage)", "push \(target.runtimeImage)",
            ])
        let tags = bench.engine.commands.filter { $0.arguments.first == "tag" }.map(\.arguments)
        #expect(
            tags == [
                ["tag", "sha256:built1", target.baseImmutableImage], ["tag", "sha256:built1", target.baseImage],
                ["tag", "sha256:built1", target.baseImmutableImage],
            ])
        #expect(registry.asked.filter { $0.hasSuffix(target.baseImage.split(separator: ":").last.map(String.init) ?? "") }.count == 1)
    }

    @Test func theRunPullsWithThePlansOwnCommand() throws {
        // GIVEN the right base in the registry only, and a plan whose pull carries a flag of its own
        var plan = try plan(["--arch", "ampere"])
        let target = try #require(plan.targets.first)
        let index = try #require(plan.steps.firstIndex { $0.kind == .pullBase })
        plan.steps[index].commands[0].arguments.insert("--quiet", at: 1)
        let right = Self.base(target, id: "sha256:remote")
        let bench = try Bench(
            plan, engine: FakeEngine(pullable: [target.baseImmutableImage: right]),
            registry: ScriptedRegistry([target.baseImmutableImage: Self.registryImage(right)]))
        defer { bench.scratch.remove() }
        let outcome = try bench.execute()
        // THEN the pull that ran is the plan's, flag and all
        #expect(outcome.failure == nil)
        #expect(bench.engine.commands.filter { $0.arguments.first == "pull" } == plan.steps[index].commands)
    }

    /// The registry is asked only whether it holds the immutable tag (its name says the inputs);
    /// what was pulled is compared once it is local, and a tag pointed at another image stops the
    /// run with exit 65 before anything is built on it.
    @Test func aBaseFoundByItsImmutableTagIsConfirmedOnceItIsPulled() throws {
        let plan = try plan(["--arch", "ampere"])
        let target = try #require(plan.targets.first)
        let other = Self.base(target, id: "sha256:other", inputs: String(repeating: "1", count: 64))
        let bench = try Bench(
            plan, engine: FakeEngine(pullable: [target.baseImmutableImage: other]),
            registry: ScriptedRegistry([target.baseImmutableImage: Self.registryImage(other)]))
        defer { bench.scratch.remove() }
        let outcome = try bench.execute()
        let failure = try #require(outcome.failure as? LinbuildError)
        #expect(failure.exitCode == .dataError)
        #expect(failure.description.hasPrefix("\(target.baseImmutableImage) in the registry does not hold the inputs its name says"))
        #expect(bench.engine.changes == ["pull \(target.baseImmutableImage)"])
        // one question: the immutable tag's presence
        #expect(bench.registry.asked.count == 1)
    }

    @Test func aPushedDigestIsTheOneTheRegistryGivesNotALineOfTheClientsLog() throws {
        // GIVEN a run that pushes its runtime; the engine prints one digest, the registry holds another
        let plan = try plan(["--arch", "ampere", "--push", "--skip-base"])
        let target = try #require(plan.targets.first)
        let engine = FakeEngine(local: [target.baseImage: Self.base(target)])
        let bench = try Bench(plan, engine: engine, registry: ScriptedRegistry([target.baseImage: Self.registryImage(Self.base(target))]))
        defer { bench.scratch.remove() }
        let outcome = try bench.execute()
        // THEN the summary reports the registry's
        let row = try #require(outcome.summary.rows.first { $0.step == "push runtime [ampere]" })
        #expect(row.image != nil && row.image == engine.registryDigest(of: target.runtimeImage))
    }

    /// The base lookup reads the local store from docker's `{{json .}}` object and from the array
    /// podman 4 prints instead; an image the store does not have is nil.
    @Test func aLocalImageIsReadFromDockersObjectAndPodmansArray() throws {
        // GIVEN an engine that prints one image as an object, the same as an array, and lacks a third
        let object = #"{"Id":"sha256:a","Os":"linux","Architecture":"arm64","Variant":"v8","Config":{"Labels":{"k":"v"}}}"#
        let runner = ScriptedRunner()
        runner.answer(
            { @Sendable in $0.arguments.last == "object:1" }, CapturedOutput(termination: .exited(0), stdout: Array("\(object)\n".utf8)))
        runner.answer(
            { @Sendable in $0.arguments.last == "array:1" }, CapturedOutput(termination: .exited(0), stdout: Array("[\(object)]\n".utf8)))
        runner.answer(
            { @Sendable in $0.arguments.last == "gone:1" },
            CapturedOutput(termination: .exited(1), stderr: Array("Error: No such image: gone:1\n".utf8)))
        let probe = EngineProbe(engine: EngineCLI(executable: "podman", builder: .podman), runner: runner)
        // WHEN each is looked up, THEN both forms give the same image, and the missing one is nil
        let expected = LocalImage(id: "sha256:a", labels: ["k": "v"], platform: "linux/arm64/v8")
        #expect(try probe.localImage("object:1") == expected)
        #expect(try probe.localImage("array:1") == expected)
        #expect(try probe.localImage("gone:1") == nil)
    }
}
