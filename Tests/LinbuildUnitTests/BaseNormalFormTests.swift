import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildRun
@testable import LinbuildSupport

/// The base inputs are a normal form of what BuildKit builds, with the platform; form 1
/// digests stay readable; tags tell platforms and inputs apart.
@Suite struct BaseNormalFormTests: PlanMaking {
    static let dockerfile = """
        # syntax comment, not a directive
        ARG BASE_IMAGE=example/none:1
        ARG UNUSED=1 \\
            GREETING=hello
        FROM busybox:1 AS tools
        RUN echo tools > /t
        FROM busybox:1 AS base
        ARG GREETING CUDA_ARCH_LIST FA_VER
        COPY --from=tools /t /t
        RUN echo "$GREETING   there" > /g \\
            && echo done
        FROM ${BASE_IMAGE} AS runtime
        COPY . /app
        """

    func inputs(_ text: String, _ arguments: [String] = []) throws -> BaseInputs {
        try target(arguments, dockerfile: text).baseInputs
    }

    @Test func aContinuedGlobalArgIsHashedWhole() throws {
        // Form 1 read only the first line of `ARG UNUSED=1 \`: a change on its second line was missed
        let before = try inputs(Self.dockerfile)
        let after = try inputs(Self.dockerfile.replacingOccurrences(of: "GREETING=hello", with: "GREETING=goodbye"))
        #expect(after.digest != before.digest)
        #expect(after.changes(comparedTo: before.labels) == ["the Dockerfile's base stage"])
    }

    @Test(arguments: [
        ("RUN echo tools", "# a comment\nRUN echo tools  "),
        ("    && echo done", "        # explained\n\n            &&    echo done   "),
        ("ARG BASE_IMAGE=example/none:1", "ARG BASE_IMAGE=example/other:2"),
        ("ARG UNUSED=1", "ARG UNUSED=2"),
        ("FROM ${BASE_IMAGE} AS runtime\nCOPY . /app", "FROM ${BASE_IMAGE} AS runtime\nCOPY . /srv"),
    ])
    func editsBuildKitIgnoresLeaveTheInputsAlone(original: String, edit: String) throws {
        let text = Self.dockerfile.replacingOccurrences(of: original, with: edit)
        #expect(text != Self.dockerfile, "fixture edit does not apply")
        #expect(try inputs(text).digest == inputs(Self.dockerfile).digest)
    }

    @Test(arguments: [
        ("\"$GREETING   there\"", "\"$GREETING there\""),  // spaces inside quotes are the command's
        ("RUN echo tools", "RUN echo tool"),  // a stage the base copies from
        ("ARG GREETING CUDA_ARCH_LIST FA_VER\n", "ARG GREETING=x CUDA_ARCH_LIST FA_VER\n"),
    ])
    func editsThatChangeTheBuildChangeTheInputs(original: String, edit: String) throws {
        let text = Self.dockerfile.replacingOccurrences(of: original, with: edit)
        #expect(text != Self.dockerfile, "fixture edit does not apply")
        #expect(try inputs(text).digest != inputs(Self.dockerfile).digest)
    }

    /// A stage named through an ARG (`FROM ${X} AS y`, X's default an in-file stage): BuildKit builds
    /// that stage for the base, so it is in the base's closure and its normal form.
    @Test func aStageNamedThroughAnArgIsFollowedOrRefused() throws {
        let named = Self.dockerfile.replacingOccurrences(
            of: "ARG BASE_IMAGE=example/none:1\n", with: "ARG BASE_IMAGE=example/none:1\nARG FROM_STAGE=helper\n"
        )
        .replacingOccurrences(
            of: "FROM busybox:1 AS base\n", with: "FROM busybox:1 AS helper\nRUN echo helper > /h\nFROM ${FROM_STAGE} AS base\n")
        #expect(named != Self.dockerfile)
        let dockerfile = try DockerfileParser.parse(named, path: "Dockerfile")
        // Without the build's values, as before: the reference names no stage
        #expect(dockerfile.closure(of: "base").map(\.label) == ["tools", "base"])
        // With them: the default, or the value passed
        #expect(dockerfile.closure(of: "base", passing: [:]).map(\.label) == ["tools", "helper", "base"])
        #expect(dockerfile.closure(of: "base", passing: ["FROM_STAGE": "example/image:1"]).map(\.label) == ["tools", "base"])
        #expect(dockerfile.normalForm(of: "base", passedArguments: [], values: [:]).contains("RUN echo helper > /h"))
        // GIVEN an edit of the stage the ARG names, THEN the base's inputs change
        let before = try inputs(named)
        let edited = try inputs(named.replacingOccurrences(of: "RUN echo helper > /h", with: "RUN echo helper2 > /h"))
        #expect(edited.digest != before.digest)
        #expect(edited.changes(comparedTo: before.labels) == ["the Dockerfile's base stage"])
        // A reference linbuild cannot tell the value of (no default, not passed) is a one-line contract error (65)
        let unknown = named.replacingOccurrences(of: "ARG FROM_STAGE=helper\n", with: "ARG FROM_STAGE\n")
        let error = #expect(throws: LinbuildError.self) { try inputs(unknown) }
        #expect(error?.exitCode == .dataError)
        #expect(
            error.map { "\($0)".contains("names '${FROM_STAGE}', whose value linbuild cannot tell") && !"\($0)".contains("\n") } == true,
            "\(String(describing: error))")
        // ${X:-stage} is read as a build reads it
        let fallback = unknown.replacingOccurrences(of: "FROM ${FROM_STAGE} AS base", with: "FROM ${FROM_STAGE:-helper} AS base")
        #expect(
            try DockerfileParser.parse(fallback, path: "Dockerfile").closure(of: "base", passing: [:]).map(\.label) == [
                "tools", "helper", "base",
            ])
    }

    /// A FROM line sees only global ARGs (declared before the first FROM): a value passed for an ARG
    /// no global ARG declares is empty there, whatever the build passes.
    @Test func aFromLineSeesOnlyGlobalArgs() throws {
        let text = """
            FROM busybox:1 AS helper
            RUN echo helper > /h
            FROM busybox:1 AS other
            ARG FROM_STAGE
            FROM ${FROM_STAGE:-other} AS base
            RUN echo base
            """
        let dockerfile = try DockerfileParser.parse(text, path: "Dockerfile")
        // FROM_STAGE is declared only inside a stage: the passed value does not reach the FROM line
        #expect(dockerfile.closure(of: "base", passing: ["FROM_STAGE": "helper"]).map(\.label) == ["other", "base"])
        #expect(dockerfile.unresolvedReferences(of: "base", passing: ["FROM_STAGE": "helper"]).isEmpty)
        let bare = try DockerfileParser.parse(
            text.replacingOccurrences(of: "${FROM_STAGE:-other}", with: "${FROM_STAGE}"), path: "Dockerfile")
        #expect(bare.unresolvedReferences(of: "base", passing: ["FROM_STAGE": "helper"]) == ["${FROM_STAGE}"])
        // Declared globally: it does
        let global = try DockerfileParser.parse("ARG FROM_STAGE\n" + text, path: "Dockerfile")
        #expect(global.closure(of: "base", passing: ["FROM_STAGE": "helper"]).map(\.label) == ["helper", "base"])
    }

    @Test func thePlatformIsAnInputAndPartOfEveryTag() throws {
        let amd64 = try target([]), arm64 = try target(["--platform", "linux/arm64"])
        #expect(arm64.baseInputs.digest != amd64.baseInputs.digest)
        #expect(arm64.baseInputs.changes(comparedTo: amd64.baseInputs.labels) == ["the platform"])
        #expect(amd64.baseImage == "frontierkodiak/linnaeus-base:ampere-cu126-torch2.7.1-fav2")
        #expect(arm64.baseImage == "frontierkodiak/linnaeus-base:ampere-cu126-torch2.7.1-fav2-arm64")
        #expect(arm64.runtimeImage == "frontierkodiak/linnaeus-dev:abcdef123456-ampere-arm64")
        #expect(
            try target(["--platform", "linux/arm/v7", "--tag-suffix", "x"]).runtimeImage
                == "frontierkodiak/linnaeus-dev:abcdef123456-ampere-armv7-x")
        #expect(ImagePlatform.matches("linux/arm64", found: "linux/arm64/v8"))
        #expect(!ImagePlatform.matches("linux/arm64", found: "linux/amd64"))
        #expect(!ImagePlatform.matches("linux/arm/v7", found: "linux/arm/v6"))
    }

    @Test func theImmutableTagCarriesTheInputsDigestAndFitsTheGrammar() throws {
        let target = try target([])
        #expect(target.baseImmutableImage == target.baseImage + "-in" + target.baseInputs.digest.prefix(12))
        let architecture = Presets.Architecture(
            name: "a", gpus: "", torchVersion: String(repeating: "9", count: 120),
            torchvisionVersion: "1", torchaudioVersion: "1", torchChannel: "stable",
            cudaSuffix: "cu1", cudaArchList: "1", flashAttention: [], nvidiaCudaTag: nil)
        let long = BaseImageTag(repository: ImageRepository(registry: nil, namespace: "n"), image: "i", architecture: architecture)
        let tag = long.immutableTag(inputs: target.baseInputs)
        #expect(tag.count == TagGrammar.maximumLength && tag.hasSuffix("-in" + target.baseInputs.digest.prefix(12)))
        #expect(TagGrammar.isValidTag(tag))
    }

    @Test func anArgumentTheBaseNeverDeclaresIsNotAnInput() throws {
        // GIVEN a base that declares FA_VER but not TORCH_VER: BuildKit drops --build-arg TORCH_VER
        let declared = try inputs(Self.dockerfile)
        #expect(declared.arguments.keys.sorted() == ["CUDA_ARCH_LIST", "FA_VER"])
        // WHEN presets change TORCH_VER only, THEN the inputs stay; a declared one changes them
        let torch = try shippedPresetsText(replacing: "\"torchVersion\": \"2.7.1\"", with: "\"torchVersion\": \"2.7.0\"")
        let other = try PresetsLoader.parse(Array(torch.utf8), file: "presets.json")
        #expect(try target([], presets: other, dockerfile: Self.dockerfile).baseInputs.digest == declared.digest)
        let withTorch = Self.dockerfile.replacingOccurrences(
            of: "ARG GREETING CUDA_ARCH_LIST FA_VER", with: "ARG GREETING CUDA_ARCH_LIST FA_VER TORCH_VER")
        #expect(try target([], presets: other, dockerfile: withTorch).baseInputs.digest != inputs(withTorch).digest)
    }

    @Test func aBaseRecordedWithForm1AndUnchangedIsNotRebuilt() throws {
        // GIVEN the labels linbuild wrote before form 2, computed here the way it computed them
        let text = Self.dockerfile
        let now = try inputs(text)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let rawBase = [lines[1], lines[2], lines[2]] + Array(lines[4...10])  // first line of each global ARG; tools and base stages
        let dockerfileDigest = SHA256.hex(rawBase.joined(separator: "\n"))
        let arguments = now.arguments.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()
        var form1 = [
            BaseInputs.digestLabel: SHA256.hex(arguments + "dockerfile=\(dockerfileDigest)\n"),
            BaseInputs.dockerfileLabel: dockerfileDigest,
        ]
        for (name, value) in now.arguments { form1[BaseInputs.argumentLabelPrefix + name] = value }
        // THEN it still matches; with an argument changed it names the argument
        #expect(now.changes(comparedTo: form1) == [])
        form1[BaseInputs.argumentLabelPrefix + "CUDA_ARCH_LIST"] = "1.0"
        form1[BaseInputs.digestLabel] = "0"
        #expect(now.changes(comparedTo: form1) == ["CUDA_ARCH_LIST"])
        // and a label of a form this linbuild does not know is never read as a match
        #expect(now.changes(comparedTo: now.labels.merging([BaseInputs.formLabel: "3"]) { $1 }).first?.contains("form 3") == true)
    }

    @Test func aStaleLocalCopyFallsThroughToTheRegistry() throws {
        let inputs = try self.inputs(Self.dockerfile)
        var stale = inputs.labels
        stale[BaseInputs.digestLabel] = "0"
        stale[BaseInputs.argumentLabelPrefix + "FA_VER"] = "1"
        let local = LocalImage(id: "sha256:old", labels: stale, platform: "linux/amd64")
        let remote = RegistryImage(labels: inputs.labels, digest: "sha256:abc", platform: "linux/amd64")
        let found = try BaseFinding.find(
            inputs: inputs, references: ["r:5000/ns/b:t-in1", "r:5000/ns/b:t"],
            local: { $0 == "r:5000/ns/b:t" ? local : nil }, held: { _ in .absent },
            registry: { $0 == "r:5000/ns/b:t" ? remote : nil })
        #expect(found.decision == .inRegistry)
        #expect(found.pull == "r:5000/ns/b@sha256:abc")
        #expect(found.reason == "in registry; the local copy (FA_VER changed) is stale, the registry's is used")
        // and a local copy for another platform is not the base either
        let arm = LocalImage(id: "sha256:arm", labels: inputs.labels, platform: "linux/arm64")
        let none = try BaseFinding.find(
            inputs: inputs, references: ["x:1"], local: { _ in arm }, held: { _ in .absent }, registry: { _ in nil })
        #expect(none.decision == .rebuild(changed: ["the platform (linux/arm64)"], foundIn: "locally"))
    }

    /// The immutable tag's name carries the inputs digest (platform included): the registry is
    /// asked only whether it holds it, one request, and the pull confirms the inputs.
    @Test func theImmutableTagInTheRegistryIsAnsweredByItsPresence() throws {
        let inputs = try self.inputs(Self.dockerfile)
        var readableAsked = false
        let found = try BaseFinding.find(
            inputs: inputs, references: ["r:5000/ns/b:t-in1", "r:5000/ns/b:t"], local: { _ in nil },
            held: { $0 == "r:5000/ns/b:t-in1" ? .present(digest: "sha256:def") : .absent },
            registry: { _ in
                readableAsked = true
                return nil
            })
        #expect(found.decision == .inRegistry)
        #expect(found.pull == "r:5000/ns/b@sha256:def")
        #expect(found.confirmAfterPull)
        #expect(!readableAsked)
    }

    @Test func noCacheAndPullReachTheBaseBuildOnly() throws {
        let plan = try plan(["--no-cache", "--pull"])
        let base = try #require(commands(plan, .buildBase).first), runtime = try #require(commands(plan, .buildRuntime).first)
        #expect(base.arguments.contains("--no-cache") && base.arguments.contains("--pull"))
        #expect(!runtime.arguments.contains("--no-cache") && !runtime.arguments.contains("--pull"))
        #expect(try !commands(self.plan([]), .buildBase).first!.arguments.contains("--no-cache"))
    }

    @Test func theReadableTagMovesOnlyFromThePresetsBranchOrWhenAsked() throws {
        #expect(try plan([]).movesBaseTag)
        #expect(try !plan(["--branch", "feat/x"]).movesBaseTag)
        #expect(try plan(["--branch", "feat/x", "--move-base-tag"]).movesBaseTag)
        // and only a moving run pushes the readable tag
        #expect(try commands(plan(["--branch", "feat/x", "--push"]), .pushBase).count == 1)
    }
}
