import Foundation
import LinbuildModel
import LinbuildProcess

extension SourceExport {
    /// A URL's commit is seen only once fetched: its submodules and LFS files cannot be had
    /// offline, so they are refused (or, with `--allow-incomplete-source`, returned as a warning).
    static func checkFetched(_ plan: Plan, runner: ProcessRunning) throws -> String? {
        let repository = plan.workDirectory + "/repository.git"
        guard FileManager.default.fileExists(atPath: repository) else { return nil }
        let contents = try SourceContents.inspect(repository: repository, commit: plan.commit.sha, runner: runner)
        guard let refusal = contents.refusal(source: plan.source) else { return nil }
        guard plan.allowIncompleteSource else { throw refusal }
        return "\(refusal.description.split(separator: ";").first ?? ""); building without them (--allow-incomplete-source)"
    }
}
