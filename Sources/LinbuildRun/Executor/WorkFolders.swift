import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Work folders (`TMPDIR/linbuild-*`) record the process that owns them, so a run killed before it
/// could remove its own (SIGKILL, a power cut) has its folder removed by the next run.
public enum WorkFolders {
    /// The file inside a work folder that holds its owner's process ID.
    public static let ownerFile = ".linbuild-owner"

    public static func recordOwner(of folder: String) throws {
        try "\(getpid())\n".write(toFile: folder + "/" + ownerFile, atomically: false, encoding: .utf8)
    }

    /// Removes the sibling work folders of `folder` whose owner process is gone. A folder without
    /// an owner file, or whose owner still runs (or cannot be asked), is left alone.
    @discardableResult
    public static func removeAbandoned(besides folder: String) -> [String] {
        let parent = (folder as NSString).deletingLastPathComponent
        let mine = (folder as NSString).lastPathComponent
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        var removed: [String] = []
        for entry in entries where entry.hasPrefix("linbuild-") && entry != mine {
            let path = parent + "/" + entry
            guard let text = try? String(contentsOfFile: path + "/" + ownerFile, encoding: .utf8),
                let owner = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), owner > 0, !isAlive(owner)
            else { continue }
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
        }
        return removed
    }

    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
