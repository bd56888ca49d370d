import Foundation
import LinbuildTestFixtures
import Testing

@testable import LinbuildModel
@testable import LinbuildSupport

/// presets.json: the shipped matrix, and every way a presets file can be wrong.
@Suite struct PresetsTests {
    @Test func shippedPresetsHoldDesignsTable() throws {
        let presets = try PresetsLoader.load(path: Repository.presets)
        #expect(presets.defaults.namespace == "frontierkodiak")
        #expect(presets.defaults.baseImage == "linnaeus-base")
        #expect(presets.defaults.runtimeImage == "linnaeus-dev")
        #expect(presets.defaults.arch == "ampere")
        #expect(presets.defaults.branch == "main")
        #expect(presets.defaults.maxJobs == 12)
        #expect(presets.defaults.platform == "linux/amd64")
        #expect(presets.defaults.dockerfile == "docker/Dockerfile")
        #expect(presets.defaults.nvidiaCudaTag == "12.8.0-cudnn-devel-ubuntu22.04")
        #expect(presets.architectureNames == ["ampere", "turing", "hopper"])
        let rows = presets.architectures.map {
            [
                $0.name, $0.gpus, $0.torchVersion, $0.torchChannel, $0.cudaSuffix, $0.cudaArchList,
                $0.flashAttention.isEmpty ? "none" : $0.flashAttention.map { "\($0.version) (v\($0.major))" }.joined(separator: ", "),
                $0.nvidiaCudaTag ?? "(default)",
            ]
        }
        #expect(
            rows == [
                ["ampere", "RTX 3090, A100", "2.7.1", "stable", "cu126", "8.0;8.6", "2.7.4.post1 (v2)", "(default)"],
                ["turing", "RTX 2080, T4", "2.7.1", "stable", "cu126", "7.5", "none", "(default)"],
                ["hopper", "H100", "2.8.0", "stable", "cu128", "9.0", "2.8.3 (v2), 3.0.0 (v3)", "(default)"],
            ])
    }

    /// FA 3 is its own module (`flash_attn_interface`); applications and libraries call FA 2's
    /// `from flash_attn import flash_attn_func`, which runs on the same GPUs. An architecture that
    /// gets FA 3 alone would leave them without Flash Attention, silently (issue 19).
    @Test func everyShippedArchitectureWithFlashAttentionThreeAlsoGetsTwo() throws {
        let presets = try PresetsLoader.load(path: Repository.presets)
        let withThree = presets.architectures.filter { $0.flashAttention.contains { $0.major == 3 } }
        #expect(!withThree.isEmpty)
        for architecture in withThree {
            #expect(architecture.flashAttention.map(\.major) == [2, 3], "\(architecture.name)")
        }
    }

    @Test func parsingTheBytesEqualsLoadingTheFile() throws {
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: Repository.presets)))
        #expect(try PresetsLoader.parse(bytes, file: "presets.json") == PresetsLoader.load(path: Repository.presets))
    }

    @Test func aFourthArchitectureIsJustAnotherEntry() throws {
        let presets = try PresetsLoader.parse(Array(presetsTextWithBlackwell().utf8), file: "p.json")
        #expect(presets.architectureNames == ["ampere", "turing", "hopper", "blackwell"])
        let blackwell = try #require(presets.architecture(named: "blackwell"))
        #expect(blackwell.flashAttention == [.init(version: "3.1.0", major: 3, commit: "0251105a2fb19d2957484b7f023cd8c115286ced")])
        #expect(blackwell.nvidiaCudaTag == "13.0.0-cudnn-devel-ubuntu22.04")
        #expect(blackwell.cudaArchList == "10.0;12.0")
    }

    /// One edit of the shipped file, and the entry and problem the error must name.
    struct Broken: Sendable, CustomTestStringConvertible {
        var target: String
        var replacement: String
        var entry: String
        var problem: String
        var testDescription: String { "\(entry): \(replacement)" }
        /// For syntax errors: the line of the shipped file where `target` is.
        static let targetLine = "(the target's line)"

        func expectedEntry(in text: String) -> String {
            guard entry == Self.targetLine, let range = text.range(of: target) else { return entry }
            return "line \(text[..<range.lowerBound].filter { $0 == "\n" }.count + 1)"
        }
    }

    static let broken: [Broken] = [
        // Wrong types
        Broken(
            target: "\"maxJobs\": 12", replacement: "\"maxJobs\": \"12\"", entry: "defaults.maxJobs",
            problem: "must be a whole number, not a string"),
        Broken(
            target: "\"maxJobs\": 12", replacement: "\"maxJobs\": 1.5", entry: "defaults.maxJobs",
            problem: "must be a whole number, not a fraction"),
        Broken(target: "\"maxJobs\": 12", replacement: "\"maxJobs\": 1e1", entry: "defaults.maxJobs", problem: "must be a whole number"),
        Broken(
            target: "\"maxJobs\": 12", replacement: "\"maxJobs\": true", entry: "defaults.maxJobs",
            problem: "must be a whole number, not a boolean"),
        Broken(target: "\"maxJobs\": 12", replacement: "\"maxJobs\": 0", entry: "defaults.maxJobs", problem: "must be between 1 and 1024"),
        Broken(
            target: "\"maxJobs\": 12", replacement: "\"maxJobs\": 1025", entry: "defaults.maxJobs", problem: "must be between 1 and 1024"),
        Broken(
            target: "\"maxJobs\": 12", replacement: "\"maxJobs\": 99999999999999999999", entry: "defaults.maxJobs",
            problem: "must be a whole number"),
        Broken(
            target: "\"gpus\": \"H100\",", replacement: "\"gpus\": 100,", entry: "architectures.hopper.gpus",
            problem: "must be a string, not a number"),
        Broken(
            target: "\"torchVersion\": \"2.8.0\"", replacement: "\"torchVersion\": null", entry: "architectures.hopper.torchVersion",
            problem: "must be a string, not null"),
        Broken(target: "\"branch\": \"main\"", replacement: "\"branch\": \"\"", entry: "defaults.branch", problem: "must not be empty"),
        // Missing fields
        Broken(target: "\"namespace\": \"frontierkodiak\",", replacement: "", entry: "defaults.namespace", problem: "is missing"),
        Broken(target: "\"torchVersion\": \"2.8.0\",", replacement: "", entry: "architectures.hopper.torchVersion", problem: "is missing"),
        Broken(
            target: "\"version\": \"3.0.0\",", replacement: "", entry: "architectures.hopper.flashAttention[1].version",
            problem: "is missing"),
        Broken(
            target: "\"flashAttention\": null", replacement: "\"gpus2\": null", entry: "architectures.turing.gpus2",
            problem: "is not a known field"),
        // Unknown fields, with the nearest known one
        Broken(
            target: "\"platform\": \"linux/amd64\"", replacement: "\"platfrom\": \"linux/amd64\"", entry: "defaults.platfrom",
            problem: "is not a known field (did you mean platform?)"),
        Broken(
            target: "\"cudaSuffix\": \"cu128\"", replacement: "\"cudaSufix\": \"cu128\"", entry: "architectures.hopper.cudaSufix",
            problem: "is not a known field (did you mean cudaSuffix?)"),
        Broken(
            target: "\"major\": 3", replacement: "\"major\": 3, \"minor\": 0", entry: "architectures.hopper.flashAttention[1].minor",
            problem: "is not a known field"),
        Broken(
            target: "\"defaults\": {", replacement: "\"defualts\": {", entry: "defualts",
            problem: "is not a known field (did you mean defaults?)"),
        // Unknown references
        Broken(
            target: "\"arch\": \"ampere\"", replacement: "\"arch\": \"volta\"", entry: "defaults.arch",
            problem: "names 'volta', which is not under architectures (known: ampere, turing, hopper)"),
        // Values that would make a bad tag or build
        Broken(
            target: "\"cudaSuffix\": \"cu128\"", replacement: "\"cudaSuffix\": \"cu 128\"", entry: "architectures.hopper.cudaSuffix",
            problem: "must be usable in a tag, e.g. cu126"),
        Broken(
            target: "\"torchVersion\": \"2.8.0\"", replacement: "\"torchVersion\": \"2.8/0\"", entry: "architectures.hopper.torchVersion",
            problem: "must be a version usable in a tag"),
        Broken(
            target: "\"cudaArchList\": \"9.0\"", replacement: "\"cudaArchList\": \"9,0\"", entry: "architectures.hopper.cudaArchList",
            problem: "must be compute capabilities separated by ';', e.g. 8.0;8.6"),
        Broken(
            target: "\"cudaArchList\": \"9.0\"", replacement: "\"cudaArchList\": \"9.0;\"", entry: "architectures.hopper.cudaArchList",
            problem: "must be compute capabilities"),
        Broken(
            target: "\"cudaArchList\": \"9.0\"", replacement: "\"cudaArchList\": \"sm_90\"", entry: "architectures.hopper.cudaArchList",
            problem: "must be compute capabilities"),
        Broken(
            target: "\"cudaArchList\": \"9.0\"", replacement: "\"cudaArchList\": \"9\"", entry: "architectures.hopper.cudaArchList",
            problem: "must be compute capabilities"),
        Broken(
            target: "\"cudaArchList\": \"9.0\"", replacement: "\"cudaArchList\": \"9.0 ;8.0\"", entry: "architectures.hopper.cudaArchList",
            problem: "must be compute capabilities"),
        Broken(
            target: "\"torchChannel\": \"stable\",\n      \"cudaSuffix\": \"cu128\"",
            replacement: "\"torchChannel\": \"beta\", \"cudaSuffix\": \"cu128\"", entry: "architectures.hopper.torchChannel",
            problem: "must be one of stable, nightly, not 'beta'"),
        Broken(
            target: "\"torchChannel\": \"stable\",\n      \"cudaSuffix\": \"cu128\"",
            replacement: "\"torchChannel\": \"Nightly\", \"cudaSuffix\": \"cu128\"", entry: "architectures.hopper.torchChannel",
            problem: "must be one of stable, nightly"),
        Broken(
            target: "\"major\": 3", replacement: "\"major\": \"3\"", entry: "architectures.hopper.flashAttention[1].major",
            problem: "must be a whole number, not a string"),
        Broken(
            target: "\"major\": 3", replacement: "\"major\": 0", entry: "architectures.hopper.flashAttention[1].major",
            problem: "must be between 1 and 99"),
        Broken(
            target: "\"version\": \"3.0.0\"", replacement: "\"version\": \"v3; rm -rf /\"",
            entry: "architectures.hopper.flashAttention[1].version", problem: "must be a pip version"),
        Broken(
            target: "\"flashAttention\": null", replacement: "\"flashAttention\": \"\"", entry: "architectures.turing.flashAttention",
            problem: "must be an object or an array of objects, not a string"),
        Broken(
            target: "\"flashAttention\": null", replacement: "\"flashAttention\": [\"2.7.4\", 2]",
            entry: "architectures.turing.flashAttention[0]", problem: "must be an object, not a string"),
        Broken(
            target: "\"flashAttention\": null", replacement: "\"flashAttention\": false", entry: "architectures.turing.flashAttention",
            problem: "must be an object or an array of objects, not a boolean"),
        Broken(
            target: ",\n      \"flashAttention\": null", replacement: "", entry: "architectures.turing.flashAttention",
            problem: "is missing (an object with version and major, an array of them, or null for none)"),
        // Several Flash Attention versions: one per major, versions of their major, one git commit
        Broken(
            target: "\"version\": \"2.8.3\",\n          \"major\": 2", replacement: "\"version\": \"2.8.3\", \"major\": 3",
            entry: "architectures.hopper.flashAttention[0].version", problem: "'2.8.3' is not a version of major 3"),
        Broken(
            target: "\"version\": \"2.8.3\",\n          \"major\": 2", replacement: "\"version\": \"3.0.1\", \"major\": 3",
            entry: "architectures.hopper.flashAttention[0].commit", problem: "is missing: Flash Attention 3 is not published"),
        Broken(
            target: "\"version\": \"2.8.3\",\n          \"major\": 2",
            replacement: "\"version\": \"3.0.1\", \"major\": 3, \"commit\": \"c75d019dea9d910312974417bc28f190dfdda6d9\"",
            entry: "architectures.hopper.flashAttention[1]", problem: "lists Flash Attention 3 a second time"),
        Broken(
            target: "\"version\": \"2.8.3\",\n          \"major\": 2",
            replacement: "\"version\": \"2.8.3\", \"major\": 2, \"commit\": \"c75d019dea9d910312974417bc28f190dfdda6d9\"",
            entry: "architectures.hopper.flashAttention[0].commit", problem: "is only for Flash Attention 3 and later"),
        Broken(
            target: "\"version\": \"2.8.3\",\n          \"major\": 2",
            replacement: "\"version\": \"4.0.0\", \"major\": 4, \"commit\": \"c75d019dea9d910312974417bc28f190dfdda6d9\"",
            entry: "architectures.hopper.flashAttention[1].commit", problem: "is a second pinned commit"),
        Broken(
            target: "\"turing\": {", replacement: "\"Turing X\": {", entry: "architectures.Turing X",
            problem: "is not a usable architecture name"),
        Broken(
            target: "\"turing\": {", replacement: "\"all\": {", entry: "architectures.all", problem: "is not a usable architecture name"),
        Broken(
            target: "\"namespace\": \"frontierkodiak\"", replacement: "\"namespace\": \"FrontierKodiak\"", entry: "defaults.namespace",
            problem: "must be a valid image namespace"),
        Broken(
            target: "\"baseImage\": \"linnaeus-base\"", replacement: "\"baseImage\": \"linnaeus base\"", entry: "defaults.baseImage",
            problem: "must be a valid image name"),
        Broken(
            target: "\"runtimeImage\": \"linnaeus-dev\"", replacement: "\"runtimeImage\": \"a/b\"", entry: "defaults.runtimeImage",
            problem: "must be a valid image name"),
        Broken(
            target: "\"nvidiaCudaTag\": \"12.8.0-cudnn-devel-ubuntu22.04\"", replacement: "\"nvidiaCudaTag\": \".12\"",
            entry: "defaults.nvidiaCudaTag", problem: "must be a valid image tag"),
        Broken(
            target: "\"platform\": \"linux/amd64\"", replacement: "\"platform\": \"amd64\"", entry: "defaults.platform",
            problem: "must look like os/arch"),
        Broken(
            target: "\"branch\": \"main\"", replacement: "\"branch\": \"--upload-pack=x\"", entry: "defaults.branch",
            problem: "cannot start with '-'"),
        Broken(target: "\"branch\": \"main\"", replacement: "\"branch\": \"a..b\"", entry: "defaults.branch", problem: "contains '..'"),
        Broken(
            target: "\"source\": \"https://github.com/frontierkodiak/linnaeus.git\"", replacement: "\"source\": \"ext::sh -c x\"",
            entry: "defaults.source", problem: "uses a git transport linbuild does not allow"),
        Broken(
            target: "\"cudaSuffix\": \"cu128\"", replacement: "\"cudaSuffix\": \"\(String(repeating: "c", count: 110))\"",
            entry: "architectures.hopper", problem: "makes a base tag longer than 128 characters"),
        // The recipe's fields: versions paired with torch, the FA 3 commit, OS packages, extras, nvcc threads, locations
        Broken(
            target: "\"torchvisionVersion\": \"0.23.0\",", replacement: "", entry: "architectures.hopper.torchvisionVersion",
            problem: "is missing"),
        Broken(
            target: "\"torchaudioVersion\": \"2.8.0\"", replacement: "\"torchaudioVersion\": \"2.8 0\"",
            entry: "architectures.hopper.torchaudioVersion", problem: "must be a pip version"),
        Broken(
            target: ",\n          \"commit\": \"c75d019dea9d910312974417bc28f190dfdda6d9\"", replacement: "",
            entry: "architectures.hopper.flashAttention[1].commit",
            problem: "is missing: Flash Attention 3 is not published as a package; pin a commit of its git source"),
        Broken(
            target: "\"commit\": \"c75d019dea9d910312974417bc28f190dfdda6d9\"", replacement: "\"commit\": \"main\"",
            entry: "architectures.hopper.flashAttention[1].commit", problem: "must be a full 40-hex commit"),
        Broken(
            target: "\"commit\": \"c75d019dea9d910312974417bc28f190dfdda6d9\"",
            replacement: "\"commit\": \"C75D019DEA9D910312974417BC28F190DFDDA6D9\"", entry: "architectures.hopper.flashAttention[1].commit",
            problem: "(lower case)"),
        Broken(
            target: "\"nvccThreads\": 4", replacement: "\"nvccThreads\": 0", entry: "defaults.nvccThreads",
            problem: "must be between 1 and 64"),
        Broken(
            target: "\"libgl1\"", replacement: "\"libGL1\"", entry: "defaults.osPackages[0]",
            problem: "'libGL1' is not a distribution package name"),
        Broken(
            target: "\"libgl1\"", replacement: "\"libgl1; curl x | sh\"", entry: "defaults.osPackages[0]",
            problem: "is not a distribution package name"),
        Broken(target: "\"unzip\"", replacement: "\"curl\"", entry: "defaults.osPackages[7]", problem: "'curl' is listed twice"),
        Broken(
            target: "\"extras\": [\"dev\"]", replacement: "\"extras\": \"dev\"", entry: "defaults.extras",
            problem: "must be an array of strings, not a string"),
        Broken(
            target: "\"nvccThreads\": 4", replacement: "\"nvccThreads\": \"4\"", entry: "defaults.nvccThreads",
            problem: "must be a whole number, not a string"),
        Broken(
            target: "\"extras\": [\"dev\"]", replacement: "\"extras\": [\"dev test\"]", entry: "defaults.extras[0]",
            problem: "is not a Python extra name"),
        Broken(
            target: "\"pypiIndex\": \"https://pypi.org/simple\"",
            replacement: "\"pypiIndex\": \"https://pypi.org/simple --trusted-host x\"", entry: "defaults.locations.pypiIndex",
            problem: "must be one word"),
        Broken(
            target: "\"cudaImage\": \"nvidia/cuda\"", replacement: "\"cudaImag\": \"nvidia/cuda\"", entry: "defaults.locations.cudaImag",
            problem: "is not a known field (did you mean cudaImage?)"),
        Broken(
            target: "\"uvImage\": \"ghcr.io/astral-sh/uv\"", replacement: "\"uvImage\": \"\"", entry: "defaults.locations.uvImage",
            problem: "must not be empty"),
        // Syntax: duplicated keys, deep nesting
        Broken(
            target: "\"namespace\": \"frontierkodiak\"", replacement: "\"namespace\": \"frontierkodiak\", \"namespace\": \"x\"",
            entry: Broken.targetLine, problem: "duplicated key \"namespace\" (not valid JSON)"),
        Broken(
            target: "\"cudaSuffix\": \"cu128\",", replacement: "\"cudaSuffix\": \"cu128\", \"cudaSuffix\": \"cu126\",",
            entry: Broken.targetLine, problem: "duplicated key \"cudaSuffix\""),
        Broken(
            target: "\"gpus\": \"H100\"", replacement: "\"gpus\": " + String(repeating: "[", count: 70) + String(repeating: "]", count: 70),
            entry: Broken.targetLine, problem: "nested deeper than 64 levels (not valid JSON)"),
    ]

    @Test(arguments: broken)
    func invalidPresetsNameFileEntryAndField(_ broken: Broken) throws {
        // GIVEN the shipped file with one mistake
        let bytes = Array(try shippedPresetsText(replacing: broken.target, with: broken.replacement).utf8)
        // WHEN it is parsed
        let error = try #require(throws: LinbuildError.self) { try PresetsLoader.parse(bytes, file: "presets.json") }
        // THEN one line names the file, the entry and the problem, for exit 65
        guard case .invalidPresets(let file, let entry, let problem) = error else {
            Issue.record("not a presets error: \(error)")
            return
        }
        let expectedEntry = broken.expectedEntry(in: try String(contentsOfFile: Repository.presets, encoding: .utf8))
        #expect(file == "presets.json")
        #expect(entry == expectedEntry)
        #expect(problem.contains(broken.problem), "\(problem)")
        #expect(error.exitCode == .dataError && error.exitCode.rawValue == 65)
        #expect(error.description.hasPrefix("presets.json: \(expectedEntry): "))
        #expect(!error.description.contains("\n"))
    }

    @Test(arguments: [
        ("{\n  \"defaults\": {\n    \"a\": tru\n  }\n}", "line 3", "invalid literal (not valid JSON)"),
        // what people write that JSON does not allow is named as such
        ("{\"defaults\": {},}", "line 1", "a trailing comma before '}': JSON allows none (remove the comma)"),
        ("\n\n\n\n[1,\n2,\n]", "line 6", "a trailing comma before ']': JSON allows none (remove the comma)"),
        (
            "{\n  // the matrix\n  \"defaults\": {}\n}", "line 2",
            "a comment: JSON has no comments (remove it, or put the note in a \"notes\" string where the schema allows one)"
        ),
        (
            "{\"a\": \"https://x\", /* old */ \"b\": 1}", "line 1",
            "a comment: JSON has no comments (remove it, or put the note in a \"notes\" string where the schema allows one)"
        ),
        ("", "line 1", "unexpected end of file (not valid JSON)"),
        ("{} {}", "line 1", "unexpected text after the document (not valid JSON)"),
    ])
    func syntaxErrorsNameTheirLine(text: String, entry: String, problem: String) {
        #expect(throws: LinbuildError.invalidPresets(file: "p.json", entry: entry, problem: problem)) {
            try PresetsLoader.parse(Array(text.utf8), file: "p.json")
        }
    }

    @Test func emptyArchitecturesAndWrongTopLevelAreRejected() throws {
        let text = try String(contentsOfFile: Repository.presets, encoding: .utf8)
        let start = try #require(text.range(of: "\"architectures\": {"))
        let end = try #require(text.range(of: "\"validation\""))
        let emptied = String(text[..<start.upperBound]) + "}, " + String(text[end.lowerBound...])
        #expect(throws: LinbuildError.invalidPresets(file: "p", entry: "architectures", problem: "is empty; add at least one architecture"))
        {
            try PresetsLoader.parse(Array(emptied.utf8), file: "p")
        }
        #expect(throws: LinbuildError.invalidPresets(file: "p", entry: "(top level)", problem: "must be an object, not an array")) {
            try PresetsLoader.parse(Array("[]".utf8), file: "p")
        }
        #expect(throws: LinbuildError.invalidPresets(file: "p", entry: "defaults", problem: "is missing")) {
            try PresetsLoader.parse(Array("{}".utf8), file: "p")
        }
        #expect(throws: LinbuildError.invalidPresets(file: "p", entry: "defaults", problem: "must be an object, not an array")) {
            try PresetsLoader.parse(Array(#"{"defaults": [], "architectures": {}}"#.utf8), file: "p")
        }
        // The shipped defaults with the architectures as an array
        let defaultsEnd = try #require(text.range(of: "\"architectures\""))
        let arrayed = String(text[..<defaultsEnd.lowerBound]) + "\"architectures\": [] }"
        #expect(throws: LinbuildError.invalidPresets(file: "p", entry: "architectures", problem: "must be an object, not an array")) {
            try PresetsLoader.parse(Array(arrayed.utf8), file: "p")
        }
    }

    @Test(arguments: ["a\nb", "a\u{1B}[2Jb", "a\rb"])
    func aHostileKeyCannotBreakTheOneLineMessage(_ key: String) throws {
        // GIVEN a key holding a control character (written as a JSON escape)
        let escaped = key.unicodeScalars.map { $0.value < 0x20 ? String(format: "\\u%04x", $0.value) : String($0) }.joined()
        for edit in [
            ("\"maxJobs\": 12", "\"maxJobs\": 12, \"\(escaped)\": 1"),
            ("\"turing\": {", "\"\(escaped)\": {"),
            (
                "\"torchChannel\": \"stable\",\n      \"cudaSuffix\": \"cu128\"",
                "\"torchChannel\": \"\(escaped)\", \"cudaSuffix\": \"cu128\""
            ),
            ("\"arch\": \"ampere\"", "\"arch\": \"\(escaped)\""),
            ("\"namespace\": \"frontierkodiak\"", "\"\(escaped)\": 1, \"\(escaped)\": 2, \"namespace\": \"frontierkodiak\""),
        ] {
            let bytes = Array(try shippedPresetsText(replacing: edit.0, with: edit.1).utf8)
            // WHEN it is parsed, THEN the error is still one line without raw control characters
            let error = try #require(throws: LinbuildError.self) { try PresetsLoader.parse(bytes, file: "p.json") }
            #expect(error.exitCode == .dataError)
            #expect(!error.description.unicodeScalars.contains { $0.value < 0x20 }, "\(error.description.debugDescription)")
        }
    }

    @Test func errorsFromAFileNameItsPath() throws {
        let scratch = try Scratch("presets")
        defer { scratch.remove() }
        let path = try scratch.write(
            "presets.json", try shippedPresetsText(replacing: "\"cudaSuffix\": \"cu128\"", with: "\"cudaSuffix\": 128"))
        #expect(
            throws: LinbuildError.invalidPresets(
                file: path, entry: "architectures.hopper.cudaSuffix", problem: "must be a string, not a number")
        ) {
            try PresetsLoader.load(path: path)
        }
    }

    @Test func missingFileAndFolderAreNoInput() throws {
        let scratch = try Scratch("presets")
        defer { scratch.remove() }
        let missing = scratch.path + "/absent.json"
        let error = try #require(throws: LinbuildError.self) { try PresetsLoader.load(path: missing) }
        #expect(error == .missingFile(missing, what: "presets file"))
        #expect(error.exitCode == .noInput && error.exitCode.rawValue == 66)
        #expect(error.description.contains(missing))
        let folder = try #require(throws: LinbuildError.self) { try PresetsLoader.load(path: scratch.path) }
        #expect(folder.exitCode == .noInput)
    }

    @Test func fileOverOneMebibyteIsRefusedBeforeParsing() throws {
        let scratch = try Scratch("presets")
        defer { scratch.remove() }
        let path = scratch.path + "/huge.json"
        // Valid JSON, so only the size can be the reason
        let padding = String(repeating: " ", count: 1 << 20)
        try (try String(contentsOfFile: Repository.presets, encoding: .utf8) + padding).write(
            toFile: path, atomically: false, encoding: .utf8)
        #expect(
            throws: LinbuildError.invalidPresets(
                file: path, entry: "(file)", problem: "larger than 1 MiB; a presets file holds a small matrix")
        ) {
            try PresetsLoader.load(path: path)
        }
        // and just under the limit the same content loads
        try (try String(contentsOfFile: Repository.presets, encoding: .utf8) + String(repeating: " ", count: 1000)).write(
            toFile: path, atomically: false, encoding: .utf8)
        #expect(try PresetsLoader.load(path: path) == shippedPresets)
    }
}
