import Foundation
import LinbuildSupport

/// What `linbuild validate` found in one image: printed as aligned lines or as JSON, and turned
/// into exit 1 when any check failed.
public struct ValidationReport: Equatable, Sendable {
    public var image: String
    public var architecture: String
    public var results: [ValidationResult]

    public init(image: String, architecture: String, results: [ValidationResult]) {
        self.image = image
        self.architecture = architecture
        self.results = results
    }

    /// A header, then `status  name  detail` per check.
    public var text: String {
        let width = (results.map(\.name.count).max() ?? 0) + 2
        return "validate \(image) as \(architecture):\n"
            + results.map { "  " + $0.status.rawValue.padding(9) + $0.name.padding(width) + $0.detail + "\n" }.joined()
    }

    /// The results as a JSON array of `{name, status, detail}`, for scripts and CI.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(results), as: UTF8.self) + "\n"
    }

    /// `.validationFailed` (exit 1) naming the failed checks, or `nil` when none failed.
    public var failure: LinbuildError? {
        let failed = results.filter { $0.status == .fail }
        guard !failed.isEmpty else { return nil }
        return .validationFailed(
            "\(failed.count) of \(results.count) checks failed in \(image): \(failed.map(\.name).joined(separator: ", "))")
    }
}

/// The outcome of one check.
public struct ValidationResult: Equatable, Sendable, Codable {
    public enum Status: String, Sendable, Codable { case pass, fail, skipped }
    public var name: String
    public var status: Status
    public var detail: String

    public init(name: String, status: Status, detail: String) {
        self.name = name
        self.status = status
        self.detail = detail
    }
}
