import Foundation
import LinbuildModel
import LinbuildSupport
import LinbuildTestFixtures
import LinbuildTestSupport
import Testing

extension EndToEnd {
    /// The base cache never rebuilds, skips or overwrites by mistake, on the real engine and
    /// registry.
    @Suite struct BaseCache {
        /// A base stage that reads a global ARG continued over two lines.
        static let greetingDockerfile = ContractFixture.edited(
            (
                "ARG BASE_IMAGE\n",
                "# A global ARG over two lines: the second holds the value the base uses.\nARG BASE_IMAGE=example/unused:1\nARG FIRST=1 \\\n    GREETING=hello\n"
            ),
            (
                #"RUN echo "torch=$TORCH_VER fa=$FA_VER arch=$CUDA_ARCH_LIST channel=$TORCH_CHANNEL" > /base-info"#,
                "ARG GREETING\nRUN echo \"$GREETING\" > /greeting"
            ),
            in: FixtureProject.dockerfileText)

        /// A continued global ARG is hashed whole; comments, spacing and the default
        /// of BASE_IMAGE are not inputs.
        @Test func theNormalFormSeesContinuedArgsAndIgnoresWhatBuildKitIgnores() throws {
            let project = try FixtureProject(EndToEnd.environment, dockerfile: Self.greetingDockerfile)
            defer { project.remove() }
            let first = try project.linbuild([])
            #expect(first.status == 0, "\(first.output)")
            #expect(try project.inside(project.baseReference(), ["cat", "/greeting"]).stdout == "hello\n")

            // WHEN the value on the continuation line changes, THEN the base is rebuilt with it
            try Self.greetingDockerfile.replacingOccurrences(of: "GREETING=hello", with: "GREETING=goodbye")
                .write(toFile: project.dockerfile, atomically: false, encoding: .utf8)
            let changed = try project.linbuild([])
            #expect(changed.status == 0, "\(changed.output)")
            #expect(changed.stderr.contains("base [alpha]: rebuilding, the Dockerfile's base stage changed"), "\(changed.stderr)")
            #expect(try project.inside(project.baseReference(), ["cat", "/greeting"]).stdout == "goodbye\n")
            let built = try #require(try project.imageID(project.baseReference()))

            // WHEN only comments, spacing and BASE_IMAGE's default change, THEN nothing is rebuilt
            let cosmetic = Self.greetingDockerfile.replacingOccurrences(of: "GREETING=hello", with: "GREETING=goodbye")
                .replacingOccurrences(of: "ARG BASE_IMAGE=example/unused:1", with: "ARG BASE_IMAGE=example/other:2")
                .replacingOccurrences(
                    of: "RUN echo \"$GREETING\" > /greeting", with: "# say it\nRUN   echo \"$GREETING\"   >   /greeting   ")
            try cosmetic.write(toFile: project.dockerfile, atomically: false, encoding: .utf8)
            let same = try project.linbuild([])
            #expect(same.status == 0, "\(same.output)")
            #expect(same.stderr.contains("base [alpha]: cached locally"), "\(same.stderr)")
            #expect(!same.stderr.contains("==> build base"))
            #expect(try project.imageID(project.baseReference()) == built)
        }

        /// The upgrade: a base recorded by the linbuild before form 2 (raw text, no form label) and
        /// otherwise unchanged is not rebuilt.
        @Test func aBaseRecordedWithTheOldFormIsNotRebuiltAfterTheUpgrade() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            // GIVEN the base built as linbuild 1 did, with the labels it wrote, computed here its way
            let lines = FixtureProject.dockerfileText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let rawText = lines[0...9].joined(separator: "\n")  // the global ARG line; the base stage's lines
            let dockerfileDigest = SHA256.hex(rawText)
            let arguments = [
                "CUDA_ARCH_LIST": "8.0;8.6", "FA_VER": "2.7.4.post1", "NVIDIA_CUDA_TAG": "fixture-devel",
                "TORCH_CHANNEL": "stable", "TORCH_CUDA_SUFFIX": "cu126", "TORCH_VER": "2.7.1+cu126",
            ]
            let digest = SHA256.hex(
                arguments.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined() + "dockerfile=\(dockerfileDigest)\n")
            var build = [
                "build", "--target", "base", "--file", project.dockerfile, "--tag", project.baseReference(),
                "--build-arg", "BASE_IMAGE=unused", "--label", "dev.linbuild.base.inputs=\(digest)",
                "--label", "dev.linbuild.base.dockerfile=\(dockerfileDigest)",
            ]
            for (name, value) in arguments {
                build += ["--build-arg", "\(name)=\(value)", "--label", "dev.linbuild.base.arg.\(name)=\(value)"]
            }
            let empty = project.root + "/empty"
            try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
            let made = try EndToEnd.environment.docker(build + [empty], extraEnvironment: ["DOCKER_BUILDKIT": "1"])
            #expect(made.status == 0, "\(made.output)")
            let before = try #require(try project.imageID(project.baseReference()))

            // WHEN this linbuild runs, THEN it reads the old digest and keeps that base
            let run = try project.linbuild([])
            #expect(run.status == 0, "\(run.output)")
            #expect(run.stderr.contains("base [alpha]: cached locally"), "\(run.stderr)")
            #expect(!run.stderr.contains("==> build base"))
            #expect(try project.imageID(project.baseReference()) == before)
        }

        /// The local tag holds other inputs (another branch's), the registry the right ones.
        @Test func aStaleLocalCopyFallsThroughToTheRegistry() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            // GIVEN the registry holds the base with inputs B
            #expect(try project.linbuild(["--push"]).status == 0)
            let immutableB = try #require(try project.baseImmutableReference())
            // and the local store holds only a base with inputs A under the readable tag
            try project.writePresets(alphaArchList: "7.0")
            #expect(try project.linbuild([]).status == 0)
            #expect(try EndToEnd.environment.docker(["rmi", immutableB]).status == 0)
            #expect(try project.label("dev.linbuild.base.arg.CUDA_ARCH_LIST", of: project.baseReference()) == "7.0")

            // WHEN a run for B comes
            try project.writePresets()
            let run = try project.linbuild([])

            // THEN it says the local copy is stale, pulls the registry's, and builds nothing
            #expect(run.status == 0, "\(run.output)")
            #expect(
                run.stderr.contains("base [alpha]: in registry; the local copy (CUDA_ARCH_LIST changed) is stale, the registry's is used"),
                "\(run.stderr)")
            #expect(run.stderr.contains("==> pull base"))
            #expect(!run.stderr.contains("==> build base"))
            #expect(try project.label("dev.linbuild.base.arg.CUDA_ARCH_LIST", of: immutableB) == "8.0;8.6")
        }

        /// The base stage edited and rebuilt locally, then `--push`: the registry's stale copy
        /// is replaced, and the summary says what it held before and after.
        @Test func pushComparesInputsNotPresence() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            #expect(try project.linbuild(["--push"]).status == 0)
            let old = try #require(try project.label("dev.linbuild.base.inputs", of: project.baseReference()))
            let edited = FixtureProject.dockerfileText.replacingOccurrences(
                of: "> /base-info", with: "> /base-info && echo v2 >> /base-info")
            try edited.write(toFile: project.dockerfile, atomically: false, encoding: .utf8)
            #expect(try project.linbuild([]).status == 0)
            let new = try #require(try project.label("dev.linbuild.base.inputs", of: project.baseReference()))
            #expect(new != old)

            let push = try project.linbuild(["--push"])

            #expect(push.status == 0, "\(push.output)")
            #expect(push.stderr.contains("==> push base"))
            #expect(
                push.stderr.contains("alpha-cu126-torch2.7.1-fav2: had inputs \(old.prefix(12)), now inputs \(new.prefix(12))"),
                "\(push.stderr)")
            #expect(
                try RegistryAPI.labels(of: project.baseReference())["dev.linbuild.base.inputs"] == new)
        }

        /// A feature branch that edits the base does not move main's readable tag; its
        /// runtime is built FROM the immutable tag and records it.
        @Test func aFeatureBranchDoesNotEvictTheDefaultBranchsBase() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            #expect(try project.linbuild(["--push"]).status == 0)
            let mainBase = try #require(try project.imageID(project.baseReference()))
            let mainInputs = try #require(try project.label("dev.linbuild.base.inputs", of: project.baseReference()))
            try project.git(["branch", "feat"])
            let edited = FixtureProject.dockerfileText.replacingOccurrences(
                of: "> /base-info", with: "> /base-info && echo feat >> /base-info")
            try edited.write(toFile: project.dockerfile, atomically: false, encoding: .utf8)

            let run = try project.linbuild(["--branch", "feat", "--push"])

            #expect(run.status == 0, "\(run.output)")
            #expect(run.stderr.contains("is left as it is"), "\(run.stderr)")
            // the readable tag, here and in the registry, still names main's base
            #expect(try project.imageID(project.baseReference()) == mainBase)
            #expect(
                try RegistryAPI.labels(of: project.baseReference())["dev.linbuild.base.inputs"] == mainInputs)
            // and the feature's runtime is built on the feature's base, named by its immutable tag
            let sha = try project.git(["rev-parse", "feat"])
            let runtime = project.runtimeReference(commit: sha)
            let baseName = try #require(try project.label("org.opencontainers.image.base.name", of: runtime))
            #expect(baseName.hasPrefix(project.baseReference() + "-in") && !baseName.hasSuffix(mainInputs.prefix(12)))
            #expect(try project.inside(runtime, ["cat", "/base-info"]).stdout.hasSuffix("feat\n"))
            #expect(
                try RegistryAPI.manifestStatus(
                    registry: EndToEnd.environment.registry, name: "\(project.namespace)/fixture-base",
                    tag: String(baseName.split(separator: ":").last ?? "")) == 200)
        }

        /// Runs X and Y with different base stages at once on one engine: each runtime is
        /// built on its own base, and each summary reports the digest it pushed.
        @Test func concurrentRunsWithDifferentBasesKeepTheirOwn() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            let sha = try project.git(["rev-parse", "HEAD"])
            var dockerfiles: [String] = []
            for name in ["x", "y"] {
                let path = project.root + "/docker/Dockerfile.\(name)"
                try FixtureProject.dockerfileText.replacingOccurrences(
                    of: "> /base-info", with: "> /base-info && echo \(name) >> /base-info"
                )
                .replacingOccurrences(of: "COPY . /app", with: "COPY . /app\nRUN cp /base-info /app/base-of-\(name)")
                .write(toFile: path, atomically: false, encoding: .utf8)
                dockerfiles.append(path)
            }

            let results = ResultsBox()
            let group = DispatchGroup()
            for (index, dockerfile) in dockerfiles.enumerated() {
                group.enter()
                DispatchQueue.global().async {
                    results.append(
                        Result { try project.linbuild(["--push", "--dockerfile", dockerfile, "--tag-suffix", index == 0 ? "x" : "y"]) })
                    group.leave()
                }
            }
            group.wait()

            for run in try results.all.map({ try $0.get() }) {
                #expect(run.status == 0, "\(run.output)")
                let name = run.stderr.contains("-alpha-x") ? "x" : "y"
                let runtime = project.runtimeReference(commit: sha, suffix: "-" + name)
                // its runtime holds its own base
                #expect(try project.inside(runtime, ["cat", "/app/base-of-\(name)"]).stdout.hasSuffix("\(name)\n"))
                // and its summary reports the digest the registry has under its own immutable tag
                let baseName = try #require(try project.label("org.opencontainers.image.base.name", of: runtime))
                let tag = String(baseName.split(separator: ":").last ?? "")
                let digest = try RegistryAPI.manifestDigest(
                    registry: EndToEnd.environment.registry, name: "\(project.namespace)/fixture-base", tag: tag)
                let row = run.stderr.split(separator: "\n").first { $0.contains("push base [alpha]") && $0.contains("pushed") }
                #expect(row?.contains(String(digest.prefix(19))) == true, "\(run.stderr)")
            }
        }

        /// An amd64 base is not an arm64 base, whatever its labels.
        @Test func anotherPlatformsImageIsNotTheBase() throws {
            let project = try FixtureProject(EndToEnd.environment)
            defer { project.remove() }
            #expect(try project.linbuild([]).status == 0)
            // GIVEN the amd64 base put under the arm64 tag (as a mistaken copy would)
            let arm64 = project.baseReference() + "-arm64"
            #expect(try EndToEnd.environment.docker(["tag", project.baseReference(), arm64]).status == 0)

            // WHEN an arm64 run comes (this engine cannot build arm64, so the build itself fails)
            let run = try project.linbuild(["--platform", "linux/arm64"])

            // THEN the amd64 image is not taken for the arm64 base
            #expect(!run.stderr.contains("cached locally"), "\(run.stderr)")
            #expect(
                run.stderr.contains("base [alpha]: rebuilding, the platform (linux/amd64) changed (image found locally)"), "\(run.stderr)")
            #expect(run.stderr.contains("==> build base [alpha]: \(arm64)-in"))
        }
    }
}

extension RegistryAPI {
    /// The labels in the config of the image a reference names, as pushed.
    static func labels(of reference: String) throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: Data(try config(of: reference).utf8)) as? [String: Any]
        return ((object?["config"] as? [String: Any])?["Labels"] as? [String: String]) ?? [:]
    }

    /// `Docker-Content-Digest` of a tag.
    static func manifestDigest(registry: String, name: String, tag: String) throws -> String {
        let accept =
            "Accept: application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json"
        let result = try Run.command("curl", ["-sfI", "-H", accept, "http://\(registry)/v2/\(name)/manifests/\(tag)"])
        let line = result.stdout.split(whereSeparator: \.isNewline).first { $0.lowercased().hasPrefix("docker-content-digest:") }
        return line.map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) } ?? ""
    }
}
