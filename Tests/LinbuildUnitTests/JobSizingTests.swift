import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// `--max-jobs auto` = min(engine CPUs, floor(memory / per-job memory)), at least 1.
@Suite struct JobSizingTests: PlanMaking {
    static let gib = 1_073_741_824.0

    func machine(cpus: Int, gib memory: Double) -> EngineResources {
        EngineResources(cpus: cpus, memoryBytes: memory * Self.gib, id: "E")
    }

    @Test func memoryBoundMachineGetsWhatItsMemoryHolds() {
        let choice = JobSizing.auto(resources: machine(cpus: 16, gib: 48), flashAttentionMajor: 2, perJobGiB: 8)
        #expect(choice == JobChoice(jobs: 6, reason: "MAX_JOBS=6: 48 GiB / 8 GiB per job (16 CPUs)"))
        #expect(JobSizing.auto(resources: machine(cpus: 64, gib: 62.7), flashAttentionMajor: 2, perJobGiB: 9).jobs == 6)
    }

    @Test func cpuBoundMachineGetsItsCPUs() {
        let choice = JobSizing.auto(resources: machine(cpus: 4, gib: 256), flashAttentionMajor: 3, perJobGiB: 18)
        #expect(choice == JobChoice(jobs: 4, reason: "MAX_JOBS=4: 4 CPUs (256 GiB / 18 GiB per job would allow 14)"))
    }

    @Test func neverFewerThanOneJob() {
        let choice = JobSizing.auto(resources: machine(cpus: 2, gib: 7.7), flashAttentionMajor: 2, perJobGiB: 9)
        #expect(choice.jobs == 1)
        #expect(choice.reason.hasPrefix("MAX_JOBS=1: 7.7 GiB / 9 GiB per job (less than one job's worth"))
        #expect(JobSizing.auto(resources: machine(cpus: 0, gib: 100), flashAttentionMajor: nil, perJobGiB: nil).jobs == 1)
    }

    @Test func withoutFlashAttentionOrAFigureTheCPUsDecide() {
        #expect(
            JobSizing.auto(resources: machine(cpus: 8, gib: 4), flashAttentionMajor: nil, perJobGiB: nil).reason
                == "MAX_JOBS=8: 8 CPUs (no Flash Attention to compile)")
        #expect(
            JobSizing.auto(resources: machine(cpus: 8, gib: 4), flashAttentionMajor: 4, perJobGiB: nil).reason.contains(
                "no per-job memory for flash-attn v4"))
    }

    @Test func anExplicitValueWinsAndIsWarnedAboutWhenMemoryCannotHoldIt() throws {
        let choices = JobSizing.choices(
            requested: 16, presets: shippedPresets, architectures: shippedPresets.architectures,
            resources: .success(machine(cpus: 64, gib: 48)))
        #expect(choices.values.allSatisfy { $0.jobs == 16 && $0.reason == "MAX_JOBS=16: --max-jobs 16" })
        let warning = try #require(JobSizing.warning(jobs: 16, resources: machine(cpus: 64, gib: 48), flashAttentionMajor: 2, perJobGiB: 9))
        #expect(warning.hasPrefix("--max-jobs 16 needs about 144 GiB (9 GiB per flash-attn v2 job) but the engine has 48 GiB"))
        #expect(warning.hasSuffix("(--max-jobs auto would use 5)"))
        #expect(JobSizing.warning(jobs: 5, resources: machine(cpus: 64, gib: 48), flashAttentionMajor: 2, perJobGiB: 9) == nil)
        #expect(JobSizing.warning(jobs: 99, resources: machine(cpus: 64, gib: 48), flashAttentionMajor: nil, perJobGiB: nil) == nil)
    }

    @Test func autoUsesThePresetsFigureOfEachArchitecturesFlashAttentionMajor() {
        #expect(shippedPresets.jobMemoryGiB == [2: 9, 3: 18])
        let choices = JobSizing.choices(
            requested: nil, presets: shippedPresets, architectures: shippedPresets.architectures,
            resources: .success(machine(cpus: 32, gib: 72)))
        #expect(choices["ampere"]?.jobs == 8)
        #expect(choices["hopper"]?.jobs == 4)
        #expect(choices["turing"]?.jobs == 32)
    }

    @Test func unresolvedAutoFallsBackToPresetsAndSaysSo() {
        let dry = JobSizing.choices(requested: nil, presets: shippedPresets, architectures: shippedPresets.architectures, resources: nil)
        #expect(dry["ampere"]?.jobs == shippedPresets.defaults.maxJobs)
        #expect(dry["ampere"]?.reason.contains("resolved from the engine when the build runs") == true)
        let failed = JobSizing.choices(
            requested: nil, presets: shippedPresets, architectures: shippedPresets.architectures,
            resources: .failure(JobSizingError("no engine")))
        #expect(failed["ampere"]?.reason.contains("auto not resolved (no engine)") == true)
    }

    @Test func dockerAndPodmanInfoAreRead() {
        #expect(
            EngineResources.parse(info: #"{"ID":"ABC","NCPU":12,"MemTotal":67108864000,"Name":"x"}"#)
                == EngineResources(cpus: 12, memoryBytes: 67108864000, id: "ABC"))
        #expect(
            EngineResources.parse(info: #"{"host":{"cpus":4,"memTotal":8589934592,"hostname":"h"}}"#)
                == EngineResources(cpus: 4, memoryBytes: 8589934592, id: "h"))
        #expect(EngineResources.parse(info: #"{"NCPU":0,"MemTotal":1}"#) == nil)
        #expect(EngineResources.parse(info: "not json") == nil)
    }

    @Test func theChoiceReachesTheBuildArgumentAndThePlanButNotTheBaseInputs() throws {
        let options = try Options.parse(["--arch", "ampere"], environment: [:])
        #expect(options.maxJobs == nil)
        #expect(try Options.parse(["--max-jobs", "auto"], environment: [:]).maxJobs == nil)
        #expect(try Options.parse([], environment: ["LINBUILD_MAX_JOBS": "7"]).maxJobs == 7)
        let source = ResolvedSource(
            location: .path("/src"), ref: "main", refName: "refs/heads/main",
            commit: PlanFixture.commit, sourceLabel: "https://example.com/linnaeus.git")
        func make(_ jobs: Int) throws -> Plan {
            var builder = PlanBuilder(
                options: options, presets: shippedPresets, architectures: try options.architectures(in: shippedPresets),
                dockerfile: try DockerfileParser.parse(PlanFixture.dockerfileText, path: "/p/Dockerfile"),
                source: source, engine: EngineCLI(executable: "docker", builder: .buildx), workDirectory: "/tmp/w", createdAt: "t")
            builder.jobChoices = ["ampere": JobChoice(jobs: jobs, reason: "MAX_JOBS=\(jobs): because")]
            return try builder.make()
        }
        let six = try make(6), three = try make(3)
        #expect(six.targets[0].baseArguments["MAX_JOBS"] == "6")
        #expect(six.targets[0].maxJobsReason == "MAX_JOBS=6: because")
        #expect(PlanRenderer.shellScript(six).contains("# ampere: MAX_JOBS=6: because\n"))
        #expect(commands(six, .buildBase).first?.arguments.contains("MAX_JOBS=6") == true)
        #expect(six.targets[0].baseInputs == three.targets[0].baseInputs)
    }

    @Test func noPreflightComesFromTheFlagOrTheEnvironment() throws {
        #expect(try Options.parse(["--no-preflight"], environment: [:]).noPreflight)
        #expect(try Options.parse([], environment: ["LINBUILD_NO_PREFLIGHT": "1"]).noPreflight)
        #expect(!(try Options.parse([], environment: [:]).noPreflight))
        #expect(try Options.parse(["preflight", "--arch", "all"], environment: [:]).subcommand == .preflight)
    }

    @Test func presetsRejectABadJobMemoryEntry() throws {
        let text = try shippedPresetsText(replacing: "\"3\": 18", with: "\"three\": 18")
        #expect(
            throws: LinbuildError.invalidPresets(
                file: "p", entry: "flashAttentionJobMemoryGiB.three",
                problem: "must be a Flash Attention major version (e.g. \"2\")")
        ) {
            try PresetsLoader.parse(Array(text.utf8), file: "p")
        }
        let zero = try shippedPresetsText(replacing: "\"2\": 9", with: "\"2\": 0")
        #expect(throws: LinbuildError.self) { try PresetsLoader.parse(Array(zero.utf8), file: "p") }
    }
}
