/// A full 40-hex git commit SHA.
public struct CommitID: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let sha: String

    public init?(_ text: String) {
        let lower = text.lowercased()
        guard lower.utf8.count == 40, lower.unicodeScalars.allSatisfy(\.properties.isASCIIHexDigit) else { return nil }
        sha = lower
    }

    /// The 12 hex digits the runtime tag carries.
    public var short: String { String(sha.prefix(12)) }
    public var description: String { sha }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = CommitID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a commit SHA"))
        }
        self = id
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(sha)
    }
}
