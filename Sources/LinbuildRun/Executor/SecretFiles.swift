import Foundation
import LinbuildSupport

#if canImport(Glibc)
import Glibc
#endif

/// The files a command reads its build secrets from (`Command.secretFiles`): written just before
/// it runs, readable by this user only, and removed as soon as it ends. They live in the run's
/// private work folder, so a run that dies before removing them (SIGKILL) has them removed with
/// the folder by the next run (`WorkFolders.removeAbandoned`).
struct SecretFiles {
    let paths: [String]

    /// Writes every secret file of `command`; throws naming the path if one cannot be made.
    static func write(for command: Command) throws -> SecretFiles {
        var written = SecretFiles(paths: [])
        do {
            for (path, name) in command.secretFiles.sorted(by: { $0.key < $1.key }) {
                guard let value = command.secrets[name] else {
                    throw InternalError("the plan names a secret file \(path) for \(name), but holds no value for it")
                }
                let folder = (path as NSString).deletingLastPathComponent
                if mkdir(folder, 0o700) != 0 && errno != EEXIST { throw failure(folder, "folder") }
                // A file left by an earlier build of this run is replaced, never written through.
                unlink(path)
                let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
                guard descriptor >= 0 else { throw failure(path, "file") }
                written = SecretFiles(paths: written.paths + [path])
                defer { close(descriptor) }
                let bytes = Array(value.utf8)
                var offset = 0
                while offset < bytes.count {
                    let count = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { throw failure(path, "file") }
                    offset += count
                }
            }
        } catch {
            written.remove()
            throw error
        }
        return written
    }

    /// Removes the files (and their folder, once empty).
    func remove() {
        for path in paths { unlink(path) }
        for folder in Set(paths.map { ($0 as NSString).deletingLastPathComponent }) { rmdir(folder) }
    }

    private static func failure(_ path: String, _ what: String) -> LinbuildError {
        LinbuildError.cannotCreate(
            path: path, what: "build secret \(what)", reason: String(cString: strerror(errno)),
            fix: "check that TMPDIR is a private folder you can write to")
    }
}
