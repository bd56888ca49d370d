import Foundation
import Testing
import LinbuildTestSupport
@testable import LinbuildCore

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
        #expect(presets.defaults.nvidiaCudaTag == "12.8.0-cudnn-devel-ubuntu22.04")
        let rows = presets.architectures.map {
            [$0.name, $0.gpus, $0.torchVersion, $0.torchChannel, $0.cudaSuffix, $0.cudaArchList,
             $0.flashAttention.map { "\($0.version) (v\($0.major))" } ?? "none"]
        }
        #expect(rows == [
            ["ampere", "RTX 3090, A100", "2.7.1", "stable", "cu126", "8.0;8.6", "2.7.4.post1 (v2)"],
            ["turing", "RTX 2080, T4", "2.7.1", "stable", "cu126", "7.5", "none"],
            ["hopper", "H100", "2.8.0rc0", "nightly", "cu128", "9.0", "3.0.0b3 (v3)"],
        ])
    }

    /// The shipped file with one edit applied to its text.
    func shipped(replacing target: String, with replacement: String) throws -> [UInt8] {
        let text = try String(contentsOfFile: Repository.presets, encoding: .utf8)
        #expect(text.contains(target), "fixture edit does not apply: \(target)")
        return Array(text.replacingOccurrences(of: target, with: replacement).utf8)
    }

    @Test(arguments: [
        ("\"maxJobs\": 12", "\"maxJobs\": \"12\"", "defaults.maxJobs: must be a whole number, not a string"),
        ("\"maxJobs\": 12", "\"maxJobs\": 1.5", "defaults.maxJobs: must be a whole number, not a fraction"),
        ("\"maxJobs\": 12", "\"maxJobs\": 0", "defaults.maxJobs: must be between 1 and 1024"),
        ("\"namespace\": \"frontierkodiak\",", "", "defaults.namespace: is missing"),
        ("\"arch\": \"ampere\"", "\"arch\": \"volta\"", "defaults.arch: names 'volta', which is not under architectures"),
        ("\"platform\": \"linux/amd64\"", "\"platfrom\": \"linux/amd64\"", "defaults.platfrom: is not a known field (did you mean platform?)"),
        ("\"cudaSuffix\": \"cu128\"", "\"cudaSuffix\": \"cu 128\"", "architectures.hopper.cudaSuffix: must be usable in a tag"),
        ("\"cudaArchList\": \"9.0\"", "\"cudaArchList\": \"9,0\"", "architectures.hopper.cudaArchList: must be compute capabilities"),
        ("\"torchChannel\": \"nightly\"", "\"torchChannel\": \"beta\"", "architectures.hopper.torchChannel: must be one of stable, nightly, not 'beta'"),
        ("\"major\": 3", "\"major\": \"3\"", "architectures.hopper.flashAttention.major: must be a whole number, not a string"),
        ("\"version\": \"3.0.0b3\",", "", "architectures.hopper.flashAttention.version: is missing"),
        ("\"flashAttention\": null", "\"flashAttention\": \"\"", "architectures.turing.flashAttention: must be an object, not a string"),
        ("\"gpus\": \"H100\",", "\"gpus\": 100,", "architectures.hopper.gpus: must be a string, not a number"),
        ("\"turing\": {", "\"Turing X\": {", "architectures.Turing X: is not a usable architecture name"),
        ("\"turing\": {", "\"all\": {", "architectures.all: is not a usable architecture name"),
        ("\"namespace\": \"frontierkodiak\"", "\"namespace\": \"frontierkodiak\", \"namespace\": \"x\"", "duplicated key \"namespace\""),
        ("\"defaults\": {", "\"defaults\": {,", "(not valid JSON)"),
    ])
    func invalidPresetsNameFileEntryAndField(target: String, replacement: String, message: String) throws {
        let bytes = try shipped(replacing: target, with: replacement)
        do {
            _ = try PresetsLoader.parse(bytes, file: "presets.json")
            Issue.record("accepted: \(replacement)")
        } catch let error as LinbuildError {
            #expect(error.exitCode == .dataError)
            #expect(error.description.hasPrefix("presets.json: "))
            #expect(error.description.contains(message), "\(error)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func syntaxErrorsNameTheirLine() throws {
        let bytes = Array("{\n  \"defaults\": {\n    \"a\": tru\n  }\n}".utf8)
        #expect(throws: LinbuildError.invalidPresets(file: "p.json", entry: "line 3", problem: "invalid literal (not valid JSON)")) {
            try PresetsLoader.parse(bytes, file: "p.json")
        }
    }

    @Test func emptyArchitecturesAndWrongTopLevelAreRejected() throws {
        let text = try String(contentsOfFile: Repository.presets, encoding: .utf8)
        let start = try #require(text.range(of: "\"architectures\": {"))
        let end = try #require(text.range(of: "\"validation\""))
        let emptied = String(text[..<start.upperBound]) + "}, " + String(text[end.lowerBound...])
        #expect(throws: LinbuildError.invalidPresets(file: "p", entry: "architectures", problem: "is empty; add at least one architecture")) {
            try PresetsLoader.parse(Array(emptied.utf8), file: "p")
        }
        #expect(throws: LinbuildError.invalidPresets(file: "p", entry: "(top level)", problem: "must be an object, not an array")) {
            try PresetsLoader.parse(Array("[]".utf8), file: "p")
        }
    }

    @Test func missingFileIsNoInputAndFolderToo() {
        #expect((try? PresetsLoader.load(path: "/nonexistent/presets.json")) == nil)
        do { _ = try PresetsLoader.load(path: "/nonexistent/presets.json") } catch let error as LinbuildError {
            #expect(error.exitCode == .noInput)
        } catch { Issue.record("\(error)") }
        do { _ = try PresetsLoader.load(path: "/tmp") } catch let error as LinbuildError {
            #expect(error.exitCode == .noInput)
        } catch { Issue.record("\(error)") }
    }

    @Test func fileOverOneMebibyteIsRefusedBeforeParsing() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("linbuild-huge-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: UInt8(ascii: " "), count: (1 << 20) + 10))
        #expect(throws: LinbuildError.invalidPresets(file: path, entry: "(file)", problem: "larger than 1 MiB; a presets file holds a small matrix")) {
            try PresetsLoader.load(path: path)
        }
    }
}
