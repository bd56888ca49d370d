import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// The Flash Attention wheels artifact (issue 21): keyed by exactly what its compile sees, looked up,
/// compiled, pulled and pushed as the plan's own steps, and the base's input.
@Suite struct FlashAttentionArtifactTests: PlanMaking {
    static let shippedDockerfile = try! String(contentsOfFile: Repository.dockerfile, encoding: .utf8)

    func hopper(_ arguments: [String] = [], presets: Presets = shippedPresets, environment: [String: String] = [:]) throws -> TargetPlan {
        try #require(
            try plan(["--arch", "hopper"] + arguments, environment: environment, presets: presets, dockerfile: Self.shippedDockerfile)
                .targets.first)
    }

    func presets(replacing old: String, with new: String) throws -> Presets {
        try PresetsLoader.parse(Array(try shippedPresetsText(replacing: old, with: new).utf8), file: "p")
    }

    // MARK: the key

    @Test func anOSPackageJobsThreadsOrAMirrorChangeTheBaseButNotTheWheels() throws {
        let shipped = try hopper()
        let wheels = try #require(shipped.faInputs)
        #expect(wheels.scope == "fa")
        #expect(shipped.baseInputs.artifacts == ["fa": wheels.digest])
        // An OS package: the base is rebuilt, the wheels are the same
        let osPackage = try hopper(presets: presets(replacing: "\"unzip\", \"rclone\"]", with: "\"unzip\", \"rclone\", \"htop\"]"))
        #expect(osPackage.baseInputs.digest != shipped.baseInputs.digest)
        #expect(osPackage.faInputs == wheels)
        #expect(osPackage.faImage == shipped.faImage)
        // MAX_JOBS, NVCC_THREADS and every location: neither
        let threads = try hopper(presets: presets(replacing: "\"nvccThreads\": 4", with: "\"nvccThreads\": 2"))
        let jobs = try hopper(["--max-jobs", "3"])
        let mirrored = try hopper(environment: RecipeArgumentsTests.mirror)
        for other in [threads, jobs, mirrored] {
            #expect(other.faInputs == wheels)
            #expect(other.baseInputs == shipped.baseInputs)
        }
        #expect(wheels.arguments["OS_PACKAGES"] == nil && wheels.arguments["MAX_JOBS"] == nil && wheels.arguments["NVCC_THREADS"] == nil)
    }

    @Test func theArchListAndTheFlashAttentionVersionChangeTheWheelsAndSaySo() throws {
        let shipped = try #require(try hopper().faInputs)
        let archs = try #require(
            try hopper(presets: presets(replacing: "\"cudaArchList\": \"9.0\"", with: "\"cudaArchList\": \"9.0+PTX\"")).faInputs)
        #expect(archs.digest != shipped.digest)
        #expect(archs.changes(comparedTo: shipped.labels) == ["CUDA_ARCH_LIST"])
        let version = try #require(
            try hopper(presets: presets(replacing: "\"version\": \"2.8.3\"", with: "\"version\": \"2.8.2\"")).faInputs)
        #expect(version.changes(comparedTo: shipped.labels) == ["FA_VER"])
        // The base that takes them says why it changed
        let base = try hopper(presets: presets(replacing: "\"cudaArchList\": \"9.0\"", with: "\"cudaArchList\": \"9.0+PTX\"")).baseInputs
        #expect(base.changes(comparedTo: try hopper().baseInputs.labels).contains("Flash Attention's inputs"))
    }

    @Test func theWheelsRecordTheirInputsUnderTheirOwnLabels() throws {
        let wheels = try #require(try hopper().faInputs)
        #expect(wheels.labels["dev.linbuild.fa.inputs"] == wheels.digest)
        #expect(wheels.labels["dev.linbuild.fa.arg.FA_VER"] == "2.8.3 3.0.0")
        #expect(wheels.labels.keys.allSatisfy { $0.hasPrefix("dev.linbuild.fa.") })
        // A base's labels are not the wheels' (another scope, another digest)
        let base = try hopper().baseInputs
        #expect(!wheels.changes(comparedTo: base.labels).isEmpty)
    }

    /// FA 3's trimming switches: presets data, off by default, inputs of the wheels when set.
    @Test func fa3TrimmingSwitchesArePresetsDataAndInputsOfTheWheels() throws {
        let shipped = try hopper()
        #expect(shipped.baseArguments["FA3_DISABLE"] == nil)
        let commit = "\"commit\": \"c75d019dea9d910312974417bc28f190dfdda6d9\""
        let trimmed = try hopper(presets: presets(replacing: commit, with: commit + ", \"disable\": [\"BACKWARD\", \"HDIM64\"]"))
        #expect(trimmed.baseArguments["FA3_DISABLE"] == "BACKWARD HDIM64")
        let wheels = try #require(trimmed.faInputs)
        #expect(wheels.changes(comparedTo: try #require(shipped.faInputs).labels) == ["FA3_DISABLE"])
        #expect(trimmed.faImage != shipped.faImage)
        // A set: the order they are written in, or a repeat, is the same key
        let reordered = try hopper(
            presets: presets(replacing: commit, with: commit + ", \"disable\": [\"HDIM64\", \"BACKWARD\", \"HDIM64\"]"))
        #expect(reordered.baseArguments["FA3_DISABLE"] == "BACKWARD HDIM64")
        #expect(reordered.faInputs == wheels && reordered.faImage == trimmed.faImage)
        // A name upstream does not read, or a switch on FA 2, is a presets error (65) of one line, with the list
        for (old, new, says) in [
            (commit, commit + ", \"disable\": [\"BACKWARDS\"]", "'BACKWARDS' is none of hopper/setup.py's switches: BACKWARD, SPLIT"),
            ("\"version\": \"2.8.3\"", "\"version\": \"2.8.3\", \"disable\": [\"BACKWARD\"]", "is Flash Attention 3's"),
        ] {
            let error = #expect(throws: LinbuildError.self) { try presets(replacing: old, with: new) }
            #expect(error?.exitCode == .dataError)
            #expect(error.map { "\($0)".contains(says) && !"\($0)".contains("\n") } == true, "\(String(describing: error))")
        }
    }

    // MARK: the plan

    @Test func theWheelsAreLookedUpCompiledOrPulledBeforeTheBaseAndPushedBeforeIt() throws {
        let plan = try plan(["--arch", "hopper", "--push", "--registry", "127.0.0.1:5000"], dockerfile: Self.shippedDockerfile)
        let target = try #require(plan.targets.first)
        let image = try #require(target.faImage)
        #expect(image.hasPrefix("127.0.0.1:5000/frontierkodiak/linnaeus-fa:hopper-cu128-torch2.8.0-fa2.8.3_3.0.0-in"))
        #expect(image.hasSuffix("-in" + (target.faInputs?.shortDigest ?? "?")))
        #expect(
            plan.steps.map(\.kind) == [
                .exportSource, .checkBase, .checkFA, .buildFA, .pullFA, .buildBase, .pullBase, .tagBase, .buildRuntime, .pushFA,
                .tagBaseForPush, .pushBase, .tagBaseForPush, .pushBase, .pushRuntime,
            ])
        let step = { (kind: Step.Kind) in plan.steps.first { $0.kind == kind } }
        #expect(step(.checkFA)?.condition == .baseNeedsBuild)
        #expect(step(.buildFA)?.condition == .faNeedsBuild)
        #expect(step(.pullFA)?.condition == .faOnlyInRegistry)
        #expect(step(.pushFA)?.condition == .faNeedsPush)
        let compile = try #require(step(.buildFA)?.commands.first?.arguments)
        #expect(compile.contains("--target") && compile[compile.firstIndex(of: "--target")! + 1] == "fa-wheels")
        #expect(compile.contains("FA_WHEELS=fa-wheels"))
        #expect(compile.contains("--tag") && compile[compile.firstIndex(of: "--tag")! + 1] == image)
        #expect(compile.contains("dev.linbuild.fa.inputs=" + (target.faInputs?.digest ?? "?")))
        // The base takes the wheels from the artifact, by its immutable reference
        #expect(step(.buildBase)?.commands.first?.arguments.contains("FA_WHEELS=" + image) == true)
        #expect(step(.pullFA)?.commands.first?.arguments.last == image)
        #expect(step(.pushFA)?.commands.first?.arguments.last == image)
    }

    @Test func pullWithTheArtifactPullsTheBasesUpstreamImagesItselfNotThroughBuildKit() throws {
        let hopper = try plan(["--arch", "hopper", "--pull"], dockerfile: Self.shippedDockerfile)
        let step = { (kind: Step.Kind) in hopper.steps.first { $0.kind == kind } }
        let base = try #require(step(.buildBase)?.commands)
        // BuildKit's --pull would ask the registry for the wheels too, which may be in the local store only
        #expect(base.last?.arguments.contains("--target") == true && base.last?.arguments.contains("--pull") == false)
        let pulled = base.dropLast().map { $0.arguments.last ?? "" }
        #expect(base.dropLast().allSatisfy { $0.arguments.contains("pull") }, "\(base.map(\.shellLine))")
        #expect(pulled.count == 3, "\(pulled)")
        #expect(pulled.contains { $0.hasPrefix("nvidia/cuda:12.8.0-") } && pulled.contains { $0.hasPrefix("ubuntu:") })
        #expect(pulled.contains { $0.hasPrefix("ghcr.io/astral-sh/uv:") }, "\(pulled)")
        // The compile pulls only upstream images: BuildKit's --pull stays
        #expect(step(.buildFA)?.commands.first?.arguments.contains("--pull") == true)
        // An arch without Flash Attention keeps BuildKit's --pull too
        let turing = try plan(["--arch", "turing", "--pull"], dockerfile: Self.shippedDockerfile)
        let turingBase = try #require(turing.steps.first { $0.kind == .buildBase }?.commands)
        #expect(turingBase.count == 1 && turingBase.first?.arguments.contains("--pull") == true)
    }

    @Test func noFlashAttentionNoArtifactAndTheInFileStageIsNamed() throws {
        let turing = try #require(try plan(["--arch", "turing"], dockerfile: Self.shippedDockerfile).targets.first)
        #expect(turing.faImage == nil)
        #expect(turing.baseBuildArguments["FA_WHEELS"] == "fa-wheels")
        let skip = try plan(["--arch", "hopper", "--skip-base"], dockerfile: Self.shippedDockerfile)
        #expect(!skip.steps.contains { [.checkFA, .buildFA, .pullFA, .pushFA].contains($0.kind) })
        // A Dockerfile without the stage: no artifact, no FA_WHEELS
        let fixture = try plan(["--arch", "hopper", "--push"])
        #expect(fixture.targets.first?.faImage == nil)
        #expect(fixture.targets.first?.baseBuildArguments["FA_WHEELS"] == nil)
        #expect(!fixture.steps.contains { [.checkFA, .buildFA, .pullFA, .pushFA].contains($0.kind) })
    }

    /// turing gets no Flash Attention, but its base build is passed FA_WHEELS=fa-wheels (podman needs
    /// it), so BuildKit's closure of its base holds fa-compile and fa-wheels: so does its key, and an
    /// fa-compile edit rebuilds turing's base once. Pinned: it is what BuildKit builds.
    @Test func turingsBaseKeysTheInFileCompileStagesItIsPassed() throws {
        let turing = { (dockerfile: String) in try #require(try self.plan(["--arch", "turing"], dockerfile: dockerfile).targets.first) }
        let shipped = try turing(Self.shippedDockerfile)
        let closure = try DockerfileParser.parse(Self.shippedDockerfile, path: "Dockerfile")
            .closure(of: "base", passing: shipped.baseBuildArguments).compactMap(\.name)
        #expect(closure.contains("fa-compile") && closure.contains("fa-wheels"), "\(closure)")
        #expect(shipped.baseInputs.arguments["CUDA_ARCH_LIST"] != nil)
        #expect(shipped.baseInputs.arguments.keys.contains { $0.hasPrefix("FA_") }, "\(shipped.baseInputs.arguments.keys.sorted())")
        let edited = Self.shippedDockerfile.replacingOccurrences(
            of: "FROM torch AS fa-compile\n", with: "FROM torch AS fa-compile\nRUN true\n")
        #expect(edited != Self.shippedDockerfile)
        #expect(try turing(edited).baseInputs.digest != shipped.baseInputs.digest)
    }

    // MARK: the rules

    /// The wheels are looked up, compiled or pulled only for a base build; pushed whenever the base
    /// is pushed and the registry lacks them, whichever run built the base (a base built without
    /// --push, then pushed by a later run, still gets its wheels in the registry).
    @Test func theWheelsMatterOnlyToABaseBuildAndGoWhereverTheBaseGoes() {
        let cases: [(BaseDecision, BaseDecision?, RegistryCopy?, pushed: Bool?, build: Bool?, pull: Bool?, push: Bool?)] = [
            (.cachedLocally, nil, nil, nil, false, false, nil),
            (.inRegistry, nil, nil, nil, false, false, nil),
            (.missing, nil, nil, nil, nil, nil, nil),
            // Built by an earlier run without --push, pushed now: its wheels go with it
            (.cachedLocally, nil, .absent, true, false, false, true),
            (.cachedLocally, nil, .unknown, true, false, false, true),
            (.cachedLocally, nil, .sameInputs, true, false, false, false),
            (.cachedLocally, nil, .absent, false, false, false, false),
            (.inRegistry, nil, .absent, true, false, false, true),
            (.missing, .cachedLocally, .absent, true, false, false, true),
            (.missing, .cachedLocally, .absent, false, false, false, false),
            (.missing, .inRegistry, .sameInputs, true, false, true, false),
            (.rebuild(changed: ["OS_PACKAGES"], foundIn: "locally"), .missing, .absent, true, true, false, true),
            (.forced, .rebuild(changed: ["FA_VER"], foundIn: "locally"), .otherInputs, true, true, false, true),
            (.forced, .cachedLocally, .sameInputs, true, false, false, false),
        ]
        for (base, fa, copy, pushed, build, pull, push) in cases {
            let facts = BaseFacts(decision: base, registryCopy: copy, fa: fa, basePushed: pushed)
            let row = "\(base) \(String(describing: fa)) \(String(describing: copy)) \(String(describing: pushed))"
            #expect(Step.Condition.faNeedsBuild.holds(given: facts) == build, "\(row)")
            #expect(Step.Condition.faOnlyInRegistry.holds(given: facts) == pull, "\(row)")
            #expect(Step.Condition.faNeedsPush.holds(given: facts) == push, "\(row)")
        }
    }

    @Test func theDryRunLooksTheWheelsUpAndCompilesOnlyWhenARunWould() throws {
        let plan = try plan(
            ["--arch", "hopper", "--push", "--registry", "127.0.0.1:5000"], dockerfile: Self.shippedDockerfile,
            engine: EngineCLI(executable: "docker", builder: .buildx))
        let script = PlanRenderer.shellScript(plan)
        let image = try #require(plan.targets.first?.faImage)
        #expect(script.contains("linbuild_fa_local() {"))
        #expect(script.contains("if [ \"$linbuild_base_1\" = build ]; then\n  linbuild_fa_1=build\n  if linbuild_fa_local \(image) "))
        #expect(
            script.contains("if [ \"${linbuild_fa_1:-none}\" = build ]; then\n  DOCKER_BUILDKIT")
                || script.contains("if [ \"${linbuild_fa_1:-none}\" = build ]; then\n  docker"))
        // The push: with the base's first pushed tag, whatever the checks found (the base may have
        // been built by an earlier run); the registry check tags a local copy back
        let base = try #require(plan.targets.first?.baseImmutableImage)
        #expect(script.contains("linbuild_fa_pending='\(image) \(plan.targets[0].faInputs?.digest ?? "?") \(base)'"), "\(script)")
        #expect(script.contains("eval \"linbuild_fa_push $linbuild_fa_pending\"; linbuild_fa_pending=; fi"))
        #expect(script.contains("  if [ -n \"$linbuild_fa_id\" ]; then docker tag \"$linbuild_fa_id\" \"$1\"; fi"), "\(script)")
        #expect(script.contains("    exit 66\n"))
        #expect(!script.contains("has no shell form"))
        // --force-base: the wheels are still looked up, never forced
        let forced = PlanRenderer.shellScript(
            try self.plan(["--arch", "hopper", "--force-base"], dockerfile: Self.shippedDockerfile))
        #expect(
            forced.contains("linbuild_fa_1=build\nif linbuild_fa_local") || forced.contains("  linbuild_fa_1=build\n  if linbuild_fa_local")
        )
        #expect(!forced.contains("has no shell form"))
        // --force-base --push: the base is pushed whatever the registry holds, so the wheels' push is not deferred
        let forcedPlan = try self.plan(["--arch", "hopper", "--force-base", "--push"], dockerfile: Self.shippedDockerfile)
        let forcedPush = PlanRenderer.shellScript(forcedPlan)
        let forcedImage = try #require(forcedPlan.targets.first?.faImage)
        #expect(forcedPush.contains("\nlinbuild_fa_push \(forcedImage) "), "\(forcedPush)")
        #expect(!forcedPush.contains("has no shell form"))
    }

    /// The script's registry check leaves the local store as it was: the local wheels tagged back,
    /// the pulled copy removed (a copy with other inputs never stays under the wheels' tag).
    @Test func theDryRunsWheelsCheckRemovesThePulledCopy() throws {
        let script = PlanRenderer.shellScript(try plan(["--arch", "hopper", "--push"], dockerfile: Self.shippedDockerfile))
        let function = try #require(
            script.components(separatedBy: "linbuild_fa_in_registry() {\n").dropFirst().first?.components(separatedBy: "\n}").first)
        #expect(function.contains("linbuild_fa_pulled=$(docker image inspect --format '{{.Id}}' \"$1\" 2>/dev/null)"), "\(function)")
        #expect(function.contains("docker image rm \"$linbuild_fa_pulled\" >/dev/null 2>&1 || :"), "\(function)")
        // With no local wheels under the tag, the pulled copy goes by reference: its ID may have other tags
        #expect(function.contains("elif [ -z \"$linbuild_fa_id\" ]; then docker image rm \"$1\" >/dev/null || :"), "\(function)")
    }

    /// --skip-base --push pushes only wheels of this run's wheels repository: the plan says which,
    /// and the script stops (65) when the base's label names another.
    @Test func skipBasePushAcceptsOnlyWheelsOfTheRunsRepository() throws {
        let plan = try plan(
            ["--arch", "hopper", "--skip-base", "--push", "--registry", "host:5000", "--namespace", "ns"],
            dockerfile: Self.shippedDockerfile)
        #expect(plan.targets.first?.faRepository == "host:5000/ns/linnaeus-fa")
        let script = PlanRenderer.shellScript(plan)
        let base = try #require(plan.targets.first?.baseImage)
        #expect(script.contains("  linbuild_fa_named \(base) host:5000/ns/linnaeus-fa\n"), "\(script)")
        #expect(
            script.contains(
                "  case \"$linbuild_fa_ref\" in \"$2\":*) ;; *) echo \"linbuild: the base $1 names the Flash Attention wheels '$linbuild_fa_ref', which is not a tag of this run's wheels repository $2;"
            ), "\(script)")
        // Wheels of the repository are recognised by the full digest the base records
        #expect(script.contains("  linbuild_fa_push \"$linbuild_fa_ref\" \"$linbuild_fa_full\" \"$1\"\n"), "\(script)")
        // The run's plan names the same repository whatever the base mode
        #expect(try hopper(["--registry", "host:5000", "--namespace", "ns"]).faRepository == "host:5000/ns/linnaeus-fa")
    }

    /// An architecture without Flash Attention has no wheels to push, --skip-base included.
    @Test func turingsSkipBasePushHasNoWheelsPush() throws {
        let plan = try plan(["--arch", "turing", "--skip-base", "--push"], dockerfile: Self.shippedDockerfile)
        #expect(plan.targets.first?.faRepository == nil)
        #expect(!plan.steps.contains { $0.kind == .pushFA }, "\(plan.steps.map(\.kind))")
        #expect(plan.steps.contains { $0.kind == .pushBase })
    }

    /// --skip-base --push pushes the local base as it is: the wheels it names (its label, read at
    /// run time) are pushed before it, by the run and by the dry-run script.
    @Test func skipBasePushPushesTheWheelsTheLocalBaseNamesFirst() throws {
        let plan = try plan(["--arch", "hopper", "--skip-base", "--push"], dockerfile: Self.shippedDockerfile)
        let base = try #require(plan.targets.first?.baseImage)
        #expect(plan.steps.map(\.kind).suffix(3) == [.pushFA, .pushBase, .pushRuntime])
        let wheels = try #require(plan.steps.first { $0.kind == .pushFA })
        #expect(wheels.condition == .faNeedsPush && wheels.image == nil)
        #expect(wheels.commands.first?.arguments.suffix(2) == ["push", "$LINBUILD_FA_IMAGE"])
        #expect(wheels.commands.first?.runValues == [Step.RunValue.wheelsImage])
        let script = PlanRenderer.shellScript(plan)
        #expect(script.contains("linbuild_fa_named() {"), "\(script)")
        #expect(script.contains("{{index .Config.Labels \"dev.linbuild.fa.image\"}}"))
        let repository = try #require(plan.targets.first?.faRepository)
        #expect(repository.hasSuffix("/linnaeus-fa"))
        #expect(script.contains("  linbuild_fa_named \(base) \(repository)\n  docker push \(base)\n"), "\(script)")
        #expect(!script.contains("has no shell form"))
        // Without --push, nothing of the wheels
        let local = try self.plan(["--arch", "hopper", "--skip-base"], dockerfile: Self.shippedDockerfile)
        #expect(!local.steps.contains { $0.kind == .pushFA })
        #expect(!PlanRenderer.shellScript(local).contains("linbuild_fa_named"))
    }
}
