import Foundation
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// The printed plan does what linbuild would do. The dry-run script and a real run of the binary
/// meet the same recording stand-in for `docker`, with the same scripted answers (local store,
/// pulls), and must ask it to build, pull and push the same things.
@Suite(.timeLimit(.minutes(5))) struct TruthfulPlanTests {
    /// A `docker` that records every argument vector in STATE/calls and what changed something
    /// (builds, pulls that worked, pushes) in STATE/changes, and keeps images in files: STATE/local/KEY
    /// and STATE/registry/KEY (KEY: the reference with `/` and `:` made `_`) hold one line,
    /// `INPUTS PLATFORM FORM` (a pull by digest lands in STATE/digests: no tag). An image's ID is
    /// derived from that line, so `tag` by ID works. It answers
    /// `image inspect --format '{{json .}}'` as docker does (Id, Os, Architecture, Config.Labels: what
    /// linbuild reads) and the dry-run script's own template.
    static let fakeDocker = #"""
        #!/bin/sh
        printf '%s\n' "$*" >> "$STATE/calls"
        key() { printf '%s' "$1" | tr '/:' '__'; }
        id() { printf 'sha256:%s' "$(cksum < "$1" | cut -d' ' -f1)"; }
        # The local file of a reference or an image ID.
        find_local() {
          case "$1" in
          sha256:*) for file in "$STATE"/local/* "$STATE"/digests/*; do [ -f "$file" ] && [ "$(id "$file")" = "$1" ] && { echo "$file"; return 0; }; done; return 1 ;;
          *@sha256:*) [ -f "$STATE/digests/$(key "$1")" ] && echo "$STATE/digests/$(key "$1")" ;;
          *) [ -f "$STATE/local/$(key "$1")" ] && echo "$STATE/local/$(key "$1")" ;;
          esac
        }
        last() { for word in "$@"; do :; done; printf '%s' "$word"; }
        mkdir -p "$STATE/local" "$STATE/registry"
        case "$1" in
        version) echo "${FAKE_CLIENT_VERSION:-20.10.24}|20.10.24"
          # As docker does without a daemon: the client's part is printed, then exit 1.
          [ -z "$FAKE_DAEMON_DOWN" ] || { echo "Cannot connect to the Docker daemon" >&2; exit 1; }
          exit 0 ;;
        image)
          image=$(last "$@")
          case "$image" in *linnaeus-base*|sha256:*) ;; *) echo "sha256:runtime"; exit 0 ;; esac
          file=$(find_local "$image") || { echo "Error: No such image: $image" >&2; exit 1; }
          read -r inputs platform form < "$file"
          [ "$form" = - ] && form=""
          os=${platform%%/*}; architecture=${platform#*/}
          case "$*" in
          *"{{json .}}"*)
            printf '{"Id":"%s","Os":"%s","Architecture":"%s","Config":{"Labels":{"dev.linbuild.base.inputs":"%s"%s}}}\n' \
              "$(id "$file")" "$os" "$architecture" "$inputs" "${form:+,\"dev.linbuild.base.form\":\"$form\"}" ;;
          *"{{.Os}}/{{.Architecture}} "*) echo "$platform $form:$inputs" ;;
          *) id "$file"; echo ;;
          esac ;;
        tag) file=$(find_local "$2") || { echo "Error: No such image: $2" >&2; exit 1; }
          cp "$file" "$STATE/local/$(key "$3").new" && mv "$STATE/local/$(key "$3").new" "$STATE/local/$(key "$3")" ;;
        pull) image=$(last "$@")
          case "$image" in
          *@sha256:*) # by digest: no tag moves
            found=""; for file in "$STATE"/registry/*; do
              [ -f "$file" ] && [ "sha256:$(sha256sum < "$file" | cut -d' ' -f1)" = "${image#*@}" ] && found=$file
            done
            [ -n "$found" ] || { echo "manifest unknown" >&2; exit 1; }
            mkdir -p "$STATE/digests"; cp "$found" "$STATE/digests/$(key "$image")" ;;
          *) [ -f "$STATE/registry/$(key "$image")" ] || { echo "manifest unknown" >&2; exit 1; }
            cp "$STATE/registry/$(key "$image")" "$STATE/local/$(key "$image")" ;;
          esac
          printf '%s\n' "$*" >> "$STATE/changes" ;;
        manifest) [ -f "$STATE/registry/$(key "$(last "$@")")" ] || exit 1 ;;
        push) image=$(last "$@")
          case "$image" in *linnaeus-base*) cp "$STATE/local/$(key "$image")" "$STATE/registry/$(key "$image")" || exit 1 ;; esac
          printf '%s\n' "$*" >> "$STATE/changes"; echo "latest: digest: sha256:0000000000000000000000000000000000000000000000000000000000000000 size: 1" ;;
        build|buildx)
          printf '%s\n' "$*" >> "$STATE/changes"
          case "$*" in *"--target base"*)
            inputs=""; platform=""; form=""; tag=""; previous=""
            for word in "$@"; do
              case "$word" in
              dev.linbuild.base.inputs=*) inputs=${word#*=} ;;
              dev.linbuild.base.platform=*) platform=${word#*=} ;;
              dev.linbuild.base.form=*) form=${word#*=} ;;
              esac
              [ "$previous" = --tag ] && tag=$word
              previous=$word
            done
            echo "$inputs $platform $form" > "$STATE/local/$(key "$tag")" ;;
          esac ;;
        *) echo "fake docker: unscripted $*" >&2; exit 3 ;;
        esac
        """#

    static let dockerfile = ContractFixture.dockerfile

    /// The registry API as linbuild's client asks it, over STATE/registry: a manifest per tag (or
    /// digest), whose config blob holds the platform and the labels. Digests are the SHA-256 of
    /// the image's line, as the fake docker's pull by digest computes them.
    static func serve(_ path: String, state: String) -> (status: Int, headers: [String: String], body: String) {
        let folder = state + "/registry"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).compactMap { name in
            (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)).map { (name: name, text: $0) }
        }
        func digest(_ text: String) -> String { "sha256:" + SHA256.hex(text) }
        let absent = (404, [String: String](), #"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}"#)
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count >= 4, parts[0] == "v2" else { return (200, [:], "{}") }
        let name = parts[1..<(parts.count - 2)].joined(separator: "/"), kind = parts[parts.count - 2], reference = parts[parts.count - 1]
        let file: (name: String, text: String)? =
            reference.hasPrefix("sha256:")
            ? files.first { digest($0.text) == reference }
            : files.first { $0.name.hasSuffix("_" + Bench.key(name + ":" + reference)) }
        guard let file else { return absent }
        let fields = file.text.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        if kind == "manifests" {
            let body =
                #"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1,"digest":""#
                + digest(file.text) + #""},"layers":[]}"#
            return (200, ["Docker-Content-Digest": digest(file.text)], body)
        }
        let platform = fields[1].split(separator: "/")
        let form = fields.count > 2 && fields[2] != "-" ? #","dev.linbuild.base.form":""# + fields[2] + "\"" : ""
        return (
            200, [:],
            #"{"os":""# + platform[0] + #"","architecture":""# + platform[1] + #"","config":{"Labels":{"dev.linbuild.base.inputs":""#
                + fields[0] + "\"" + form + "}}}"
        )
    }

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
            try Run.writeProgram(at: scratch.path + "/bin/docker", TruthfulPlanTests.fakeDocker)
            dockerfile = try scratch.write("Dockerfile", TruthfulPlanTests.dockerfile)
            try Git.repository(at: repository)
            // The registry linbuild asks over HTTP serves what the fake docker's pushes and pulls see.
            registry = try FakeRegistry(.serving { [state] method, path in TruthfulPlanTests.serve(path, state: state) })
        }

        var environment: [String: String] {
            [
                "PATH": bin + ":/usr/bin:/bin", "LINBUILD_ENGINE": "docker", "STATE": state, "TMPDIR": scratch.path + "/tmp",
                "HOME": scratch.path + "/home",
                "NO_COLOR": "1", "LINBUILD_NO_PREFLIGHT": "1",
            ]
        }

        func arguments(_ extra: [String]) -> [String] {
            [
                "--presets", Repository.presets, "--dockerfile", dockerfile, "--source", repository, "--arch", "ampere",
                "--registry", registry.address, "--log-dir", scratch.path + "/logs", "--push",
            ] + extra
        }

        static func key(_ reference: String) -> String {
            reference.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: ":", with: "_")
        }

        /// Puts the local store and the registry in a state (reference → `INPUTS PLATFORM FORM`),
        /// clears the record.
        func reset(local: [String: String], registry: [String: String] = [:]) throws {
            for item in ["local", "registry", "digests", "calls", "changes"] {
                try? FileManager.default.removeItem(atPath: state + "/" + item)
            }
            for (folder, images) in [("local", local), ("registry", registry)] {
                try FileManager.default.createDirectory(atPath: state + "/" + folder, withIntermediateDirectories: true)
                for (reference, image) in images {
                    try (image + "\n").write(toFile: state + "/" + folder + "/" + Self.key(reference), atomically: false, encoding: .utf8)
                }
            }
        }

        /// What the fake docker changed: builds, pulls and pushes, with the run's own
        /// work folder and timestamp made neutral.
        func changes() throws -> [String] {
            let calls = (try? String(contentsOfFile: state + "/changes", encoding: .utf8)) ?? ""
            return calls.split(separator: "\n").map(String.init)
                .map { $0.replacing(/linbuild-[0-9a-f]{12}/, with: "WORK").replacing(/image\.created=\S+/, with: "image.created=T") }
        }

        /// Every tag of the local store and the registry, with what it holds.
        func images() throws -> [String: String] {
            var images: [String: String] = [:]
            for folder in ["local", "registry"] {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: state + "/" + folder)) ?? [] {
                    images[folder + "/" + name] = try String(contentsOfFile: state + "/" + folder + "/" + name, encoding: .utf8)
                }
            }
            return images
        }

        /// Whether the fake docker was asked to pull anything (whether or not the registry had it).
        func triedToPull() -> Bool {
            ((try? String(contentsOfFile: state + "/calls", encoding: .utf8)) ?? "").split(separator: "\n").contains {
                $0.hasPrefix("pull ")
            }
        }

        func remove() {
            registry.stop()
            scratch.remove()
        }
    }

    /// A copy of the base before the run (locally or in the registry): under which tag, with which
    /// inputs, for which platform.
    enum Copy: Sendable {
        case none
        case immutable, readable
        case readableWithOtherInputs
        case readableForAnotherPlatform
        case readableRecordedByForm1

        var usable: Bool { [.immutable, .readable, .readableRecordedByForm1].contains(self) }

        func images(_ target: TargetPlan) -> [String: String] {
            let inputs = target.baseInputs
            return switch self {
            case .none: [:]
            case .immutable: [target.baseImmutableImage: "\(inputs.digest) linux/amd64 2"]
            case .readable: [target.baseImage: "\(inputs.digest) linux/amd64 2"]
            case .readableWithOtherInputs: [target.baseImage: "\(String(repeating: "0", count: 64)) linux/amd64 2"]
            case .readableForAnotherPlatform: [target.baseImage: "\(inputs.digest) linux/arm64 2"]
            case .readableRecordedByForm1: [target.baseImage: "\(inputs.legacyDigest) linux/amd64 -"]
            }
        }
    }

    @Test(arguments: [
        ("nothing local", [String](), Copy.none, Copy.none),
        ("the right base locally", [], .immutable, .none),
        ("the right base under the readable tag only", [], .readable, .none),
        ("a stale local copy and nothing in the registry", [], .readableWithOtherInputs, .none),
        ("the right inputs for another platform locally", [], .readableForAnotherPlatform, .none),
        ("a base recorded by an earlier linbuild (form 1)", [], .readableRecordedByForm1, .none),
        ("a branch that does not move the readable tag", ["--branch", "feature"], .none, .none),
        ("the presets' branch named in full moves the readable tag", ["--branch", "refs/heads/main"], .none, .none),
        ("--force-base over the right base", ["--force-base"], .immutable, .none),
        ("the right base in the registry only", [], .none, .immutable),
        ("a stale local copy falls through to the registry", [], .readableWithOtherInputs, .readable),
        ("a registry copy with other inputs is pushed over", [], .immutable, .readableWithOtherInputs),
    ])
    func theDryRunScriptDoesWhatARunDoes(_ scenario: String, extra: [String], local: Copy, inRegistry: Copy) throws {
        let bench = try Bench()
        defer { bench.remove() }
        _ = try Git.run(bench.repository, "branch", "feature")
        // The tags and inputs digests this plan records; "other inputs" is a different one.
        let json = try Run.command(Run.linbuild, bench.arguments(extra + ["--json"]), environment: bench.environment)
        let plan = try JSONDecoder().decode(Plan.self, from: Data(json.stdout.utf8))
        let target = try #require(plan.targets.first)

        // WHEN linbuild runs against the fake docker
        try bench.reset(local: local.images(target), registry: inRegistry.images(target))
        let run = try Run.command(Run.linbuild, bench.arguments(extra), environment: bench.environment)
        #expect(run.status == 0, "\(scenario): \(run.stderr)")
        let real = try bench.changes(), realImages = try bench.images()
        let realAskedTheRegistry = bench.registry.requests > 0

        // AND the printed plan runs in a shell against the same fake, from the same state
        try bench.reset(local: local.images(target), registry: inRegistry.images(target))
        let dryRun = try Run.command(Run.linbuild, bench.arguments(extra + ["--dry-run"]), environment: bench.environment)
        #expect(dryRun.status == 0, "\(dryRun.stderr)")
        // (the dry-run itself asks the engine nothing: only the client's version, which needs no daemon)
        let asked = ((try? String(contentsOfFile: bench.state + "/calls", encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(asked.allSatisfy { $0.hasPrefix("version ") }, "\(asked)")
        let script = try Run.command("/bin/sh", ["-c", dryRun.stdout], environment: bench.environment)
        #expect(script.status == 0, "\(scenario): \(script.stderr)")
        let pasted = try bench.changes(), pastedImages = try bench.images()

        // THEN both asked docker to build and push exactly the same things
        #expect(!real.isEmpty)
        let isPull = { (line: String) in line.hasPrefix("pull ") }
        #expect(pasted.filter { !isPull($0) } == real.filter { !isPull($0) }, "\(scenario)")
        // AND to pull the same repository; the script may pull more (it learns the registry's
        // labels by pulling; linbuild reads them over the registry API and pulls by digest)
        let repository = { (line: String) in line.replacing(/(:[^:\/ ]+|@sha256:[0-9a-f]{64})$/, with: "") }
        #expect(Set(real.filter(isPull).map(repository)).isSubset(of: Set(pasted.filter(isPull).map(repository))), "\(scenario)")
        // AND left the same tags, locally and in the registry
        #expect(pastedImages == realImages, "\(scenario)")
        let builtBase = real.contains { $0.contains("--target base") }
        #expect(builtBase == (!(local.usable || inRegistry.usable) || extra.contains("--force-base")), "\(scenario)")
        // The readable tag moves (and is pushed) only from the presets' branch.
        let readable = "registry/" + Bench.key(target.baseImage), immutable = "registry/" + Bench.key(target.baseImmutableImage)
        #expect(realImages[immutable] != nil, "\(scenario)")
        #expect((realImages[readable] != nil) == !extra.contains("feature"), "\(scenario)")
        if local == .readableWithOtherInputs {
            // A stale local copy does not end the search: both looked in the registry.
            #expect(realAskedTheRegistry && bench.triedToPull(), "\(scenario)")
        }
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
        // and so it is when no daemon is up (the client still says its version, then exits 1)
        let down = try Run.command(
            Run.linbuild, bench.arguments(["--dry-run"]), environment: environment.merging(["FAKE_DAEMON_DOWN": "1"]) { $1 })
        #expect(down.status == 69, "\(down.output)")
        #expect(down.stderr.contains("no built-in BuildKit"))
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
