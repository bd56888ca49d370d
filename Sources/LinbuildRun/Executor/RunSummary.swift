import Foundation

/// One line per step at the end of a run: what happened, how long it took, which image.
public struct RunSummary: Equatable, Sendable {
    public enum Outcome: String, Sendable {
        case cached, built, pulled, pushed, skipped, failed
        case notRun = "not run"
    }

    public struct Row: Equatable, Sendable {
        public var step: String
        public var outcome: Outcome
        public var seconds: Double
        /// Image ID or pushed digest.
        public var image: String?
        public var note: String?
    }

    public var rows: [Row] = []

    public var failed: Bool { rows.contains { $0.outcome == .failed } }

    public func rendered() -> String {
        guard !rows.isEmpty else { return "" }
        let width = max(20, rows.map(\.step.count).max() ?? 0) + 2
        var out = "summary:\n"
        for row in rows {
            let time = row.outcome == .notRun || row.outcome == .skipped ? "-" : String(format: "%.1fs", row.seconds)
            var line = "  " + row.step.padding(width) + row.outcome.rawValue.padding(9) + time.padding(9)
            if let image = row.image { line += Self.shortID(image) }
            if let note = row.note { line += (row.image == nil ? "" : "  ") + note }
            out += String(line.reversed().drop { $0 == " " }.reversed()) + "\n"
        }
        return out
    }

    static func shortID(_ id: String) -> String {
        id.hasPrefix("sha256:") ? "sha256:" + id.dropFirst(7).prefix(12) : id
    }
}
