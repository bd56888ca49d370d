import Foundation

/// How long earlier successful base builds took, kept next to the step logs
/// (`<log-dir>/base-durations.tsv`), keyed by the engine's ID and the base inputs digest: the
/// same inputs on the same machine take about as long again. The wheels' compiles are kept there
/// too, keyed by `compileKey(arch:)`.
public struct BuildHistory: Sendable {
    public var path: String
    /// Lines kept: a small file, however many runs.
    static let limit = 200

    public init(directory: String) {
        path = directory + "/base-durations.tsv"
    }

    /// The key of the Flash Attention wheels' compiles of `arch` (where a base build's key is its
    /// inputs digest): a compile runs only when the wheels' inputs changed, so the last compile
    /// of the architecture is the nearest guess.
    public static func compileKey(arch: String) -> String { "fa:" + arch }

    /// Seconds the last successful build of `digest` on `engine` took, if there was one.
    public func last(engine: String, digest: String) -> Double? {
        entries().last { $0.engine == engine && $0.digest == digest }?.seconds
    }

    public func record(engine: String, digest: String, seconds: Double, at date: Date = Date()) {
        var lines = entries().map { "\($0.engine)\t\($0.digest)\t\($0.seconds)\t\($0.date)" }
        lines.append("\(engine)\t\(digest)\t\((seconds * 10).rounded() / 10)\t\(Int(date.timeIntervalSince1970))")
        let text = lines.suffix(Self.limit).joined(separator: "\n") + "\n"
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Written aside and renamed, so a concurrent run never reads half a file.
        let temporary = path + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
        if (try? text.write(toFile: temporary, atomically: false, encoding: .utf8)) != nil {
            if rename(temporary, path) != 0 { try? FileManager.default.removeItem(atPath: temporary) }
        }
    }

    struct Entry { var engine: String, digest: String, seconds: Double, date: String }

    func entries() -> [Entry] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4, let seconds = Double(fields[2]) else { return nil }
            return Entry(engine: fields[0], digest: fields[1], seconds: seconds, date: fields[3])
        }
    }

    /// `1h 02m`, `41m 12s`, `8.3 s`.
    public static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let total = Int(seconds.rounded())
        if total < 3600 { return String(format: "%dm %02ds", total / 60, total % 60) }
        return String(format: "%dh %02dm", total / 3600, (total % 3600) / 60)
    }
}
