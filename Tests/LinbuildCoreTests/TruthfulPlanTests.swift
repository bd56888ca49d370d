import Foundation
import Testing
import LinbuildTestSupport
@testable import LinbuildCore

/// The printed plan does what linbuild would do. The dry-run script and a real run of the binary
/// meet the same recording stand-in for `docker`, with the same scripted answers (local store,
/// pulls), and must ask it to build, pull and push the same things.
@Suite struct TruthfulPlanTests {
    /// A `docker` that records every argument vector in STATE/calls and what changed something
    /// (builds, pulls that worked, pushes) in STATE/changes, and answers from files in STATE:
    /// `local` holds the local base's inputs label (absent: no local base), `registry` the registry's.
    static let fakeDocker = #"""
        #!/bin/sh
        printf '%s\n' "$*" >> "$STATE/calls"
        case "$1" in
        version) echo "${FAKE_CLIENT_VERSION:-20.10.24}|20.10.24"; exit 0 ;;
        image)
          image=""; for word in "$@"; do image="$word"; done
          case "$image" in *linnaeus-base*) ;; *) echo "sha256:runtime"; exit 0 ;; esac
          [ -f "$STATE/local" ] || { echo "Error: No such image: $image" >&2; exit 1; }
          case "$*" in
          *"json .Config.Labels"*) printf '{"dev.linbuild.base.inputs":"%s"}\n' "$(cat "$STATE/local")" ;;
          *"index .Config.Labels"*) cat "$STATE/local" ;;
          *) echo "sha256:base" ;;
          esac ;;
        pull) [ -f "$STATE/registry" ] || { echo "manifest unknown" >&2; exit 1; }; cp "$STATE/registry" "$STATE/local"
          printf '%s\n' "$*" >> "$STATE/changes" ;;
        manifest) [ -f "$STATE/registry" ] || exit 1 ;;
        push) printf '%s\n' "$*" >> "$STATE/changes"; echo "latest: digest: sha256:0000000000000000000000000000000000000000000000000000000000000000 size: 1" ;;
        build|buildx)
          printf '%s\n' "$*" >> "$STATE/changes"
          case "$*" in *"--target base"*)
            for word in "$@"; do case "$word" in dev.linbuild.base.inputs=*) printf '%s' "${word#*=}" > "$STATE/local" ;; esac; done ;;
          esac ;;
        *) echo "fake docker: unscripted $*" >&2; exit 3 ;;
        esac
        """#

    static let dockerfile = """
        ARG BASE_IMAGE
        FROM busybox:1 AS base
        ARG NVIDIA_CUDA_TAG
        ARG TORCH_CHANNEL
        ARG TORCH_VER
        ARG TORCH_CUDA_SUFFIX
        ARG FA_VER
        ARG CUDA_ARCH_LIST
        ARG MAX_JOBS
        RUN echo base
        FROM ${BASE_IMAGE} AS runtime
        ARG LINNAEUS_REF
        COPY . /app
        """

    struct Bench {
        let scratch: Scratch
        let bin: String, state: String, repository: String, dockerfile: String
        let registry: FakeRegistry

        init() throws {
            scratch = try Scratch("truthful-plan")
            bin = scratch.path + "/bin"
            state = scratch.path + "/state"
            repository = scratch.path + "/source"
            for folder in [bin, state, scratch.path + "/tmp", scratch.path + "/home"] {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            let docker = try scratch.write("bin/docker", TruthfulPlanTests.fakeDocker)
            #expect(chmod(docker, 0o755) == 0)
            dockerfile = try scratch.write("Dockerfile", TruthfulPlanTests.dockerfile)
            try Git.repository(at: repository)
            // The registry linbuild asks over HTTP says "absent", as the fake docker's pull does.
            registry = try FakeRegistry(.status(404, headers: [:]))
        }

        var environment: [String: String] {
            ["PATH": bin + ":/usr/bin:/bin", "LINBUILD_ENGINE": "docker", "STATE": state, "TMPDIR": scratch.path + "/tmp", "HOME": scratch.path + "/home", "NO_COLOR": "1"]
        }

        func arguments(_ extra: [String]) -> [String] {
            ["--presets", Repository.presets, "--dockerfile", dockerfile, "--source", repository, "--arch", "ampere",
             "--registry", registry.address, "--log-dir", scratch.path + "/logs", "--push"] + extra
        }

        /// Puts the local store (and registry) in a state, clears the record.
        func reset(local: String?) throws {
            for file in ["local", "calls", "changes"] { try? FileManager.default.removeItem(atPath: state + "/" + file) }
            if let local { try local.write(toFile: state + "/local", atomically: false, encoding: .utf8) }
        }

        /// What the fake docker changed: builds, pulls and pushes, with the run's own
        /// work folder and timestamp made neutral.
        func changes() throws -> [String] {
            let calls = (try? String(contentsOfFile: state + "/changes", encoding: .utf8)) ?? ""
            return calls.split(separator: "\n").map(String.init)
                .map { $0.replacing(/linbuild-[0-9a-f]{12}/, with: "WORK").replacing(/image\.created=\S+/, with: "image.created=T") }
        }

        func remove() {
            registry.stop()
            scratch.remove()
        }
    }

    @Test(arguments: [
        ("nothing local", [String](), false),
        ("the right base locally", [], true),
        ("a base with other inputs locally", ["--tag-suffix", "x"], true),
        ("--force-base over the right base", ["--force-base"], true),
    ])
    func theDryRunScriptDoesWhatARunDoes(_ scenario: String, extra: [String], localBase: Bool) throws {
        let bench = try Bench()
        defer { bench.remove() }
        // The inputs digest this plan records; "other inputs" is a different one.
        let json = try Run.command(Run.linbuild, bench.arguments(["--json"]), environment: bench.environment)
        let plan = try JSONDecoder().decode(Plan.self, from: Data(json.stdout.utf8))
        let digest = try #require(plan.targets.first?.baseInputs.digest)
        let local = localBase ? (scenario.contains("other") ? String(repeating: "0", count: 64) : digest) : nil

        // WHEN linbuild runs against the fake docker
        try bench.reset(local: local)
        let run = try Run.command(Run.linbuild, bench.arguments(extra), environment: bench.environment)
        #expect(run.status == 0, "\(scenario): \(run.stderr)")
        let real = try bench.changes()

        // AND the printed plan runs in a shell against the same fake, from the same state
        try bench.reset(local: local)
        let dryRun = try Run.command(Run.linbuild, bench.arguments(extra + ["--dry-run"]), environment: bench.environment)
        #expect(dryRun.status == 0, "\(dryRun.stderr)")
        let script = try Run.command("/bin/sh", ["-c", dryRun.stdout], environment: bench.environment)
        #expect(script.status == 0, "\(scenario): \(script.stderr)")
        let pasted = try bench.changes()

        // THEN both asked docker to build, pull and push exactly the same things
        #expect(!real.isEmpty)
        #expect(pasted == real, "\(scenario)")
        let builtBase = real.contains { $0.contains("--target base") }
        #expect(builtBase == (local != digest || extra.contains("--force-base")), "\(scenario)")
    }

    @Test func aPlanThatCannotRunIsRefusedByTheDryRun() throws {
        let bench = try Bench()
        defer { bench.remove() }
        // GIVEN a docker client 27 without buildx: linbuild would refuse to build with it
        let environment = bench.environment.merging(["FAKE_CLIENT_VERSION": "27.3.1"]) { $1 }
        let dryRun = try Run.command(Run.linbuild, bench.arguments(["--dry-run"]), environment: environment)
        #expect(dryRun.status == 69, "\(dryRun.output)")
        #expect(dryRun.stdout.isEmpty)
        #expect(dryRun.errorLines.count == 1)
        #expect(dryRun.stderr.contains("no built-in BuildKit"))
    }

    @Test func dryRunWithJSONIsAcceptedAndTheJSONIsReproducible() throws {
        let bench = try Bench()
        defer { bench.remove() }
        let first = try Run.command(Run.linbuild, bench.arguments(["--json"]), environment: bench.environment)
        let second = try Run.command(Run.linbuild, bench.arguments(["--dry-run", "--json"]), environment: bench.environment)
        #expect(first.status == 0 && second.status == 0, "\(first.stderr)\(second.stderr)")
        let a = try JSONDecoder().decode(Plan.self, from: Data(first.stdout.utf8))
        let b = try JSONDecoder().decode(Plan.self, from: Data(second.stdout.utf8))
        #expect(a.refName == "refs/heads/main")
        #expect(a.schemaVersion == Plan.currentSchemaVersion)
        // THEN the work folder and the timestamp are the only things that differ
        #expect(a.workDirectory != b.workDirectory)
        let neutral = first.stdout.replacingOccurrences(of: a.workDirectory, with: b.workDirectory)
            .replacingOccurrences(of: a.createdAt, with: b.createdAt)
        #expect(neutral == second.stdout)
    }
}
