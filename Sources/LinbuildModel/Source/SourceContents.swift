import Foundation
import LinbuildSupport

/// What `git archive` leaves out of a commit: submodules (exported as empty folders) and Git LFS
/// files (exported as pointer text). Each is either found locally, at the exact object the
/// commit records, and put into the context, or named in a refusal: never left out silently.
public struct SourceContents: Equatable, Sendable {
    /// A submodule found locally at the SHA the commit records.
    public struct Submodule: Equatable, Sendable {
        public var path: String
        public var commit: String
        /// The repository (a work tree or `.git/modules/…`) that holds that commit.
        public var repository: String

        public init(path: String, commit: String, repository: String) {
            self.path = path
            self.commit = commit
            self.repository = repository
        }
    }

    /// An LFS object found in a local store, to be copied over its pointer.
    public struct LargeFile: Equatable, Sendable {
        public var path: String
        public var object: String

        public init(path: String, object: String) {
            self.path = path
            self.object = object
        }
    }

    public var submodules: [Submodule] = []
    public var largeFiles: [LargeFile] = []
    /// Paths whose contents cannot be had offline, each with the reason.
    public var missing: [String] = []

    public init() {}

    /// The refusal, or `nil` when everything is there.
    public func refusal(source: String) -> LinbuildError? {
        guard !missing.isEmpty else { return nil }
        let shown = missing.prefix(5).joined(separator: ", ") + (missing.count > 5 ? " and \(missing.count - 5) more" : "")
        return .incompleteSource(
            "the commit in \(source) has contents linbuild cannot put in the image offline: \(shown); "
                + "fetch them into the clone (git submodule update --init --recursive, git lfs fetch), or pass --allow-incomplete-source to build without them"
        )
    }
}
