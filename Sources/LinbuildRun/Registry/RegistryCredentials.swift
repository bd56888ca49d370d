import Foundation
import LinbuildModel
import LinbuildProcess
import LinbuildSupport

/// The credentials the engine already has from `docker login` / `podman login`: linbuild reads
/// them, never asks for them, and never prints them.
public struct RegistryCredentials: Equatable, Sendable {
    public var username: String
    public var password: String

    /// `user:password` base64, for HTTP Basic.
    public var basic: String { Data("\(username):\(password)".utf8).base64EncodedString() }

    /// Looks in the auth files the engines write, in their order: `DOCKER_CONFIG`/~/.docker for
    /// docker, `REGISTRY_AUTH_FILE` and the containers auth file for podman. Credential helpers
    /// (`credsStore`) are asked through `docker-credential-NAME get`.
    public static func lookUp(registry: String, environment: [String: String], runner: ProcessRunning) -> RegistryCredentials? {
        let files = authFiles(environment: environment, uid: getuid())
        let keys =
            registry == ImageReference.dockerHub
            ? ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"]
            : [registry, "https://\(registry)", "http://\(registry)", "https://\(registry)/v1/"]
        for file in files {
            guard let data = FileManager.default.contents(atPath: file),
                let root = try? JSONDecoder().decode(AuthFile.self, from: data)
            else { continue }
            if let found = inline(in: root, keys: keys) { return found }
            if let helper = helper(in: root, keys: keys), let found = fromHelper(helper, keys: keys, runner: runner) { return found }
        }
        return nil
    }

    /// The auth files, in the order they are read. podman writes `$XDG_RUNTIME_DIR/containers/auth.json`,
    /// or `/run/containers/UID/auth.json` without XDG_RUNTIME_DIR (root on a server, CI).
    static func authFiles(environment: [String: String], uid: uid_t) -> [String] {
        let home = environment["HOME"] ?? NSHomeDirectory()
        var files: [String] = []
        if let file = environment["REGISTRY_AUTH_FILE"], !file.isEmpty { files.append(file) }
        if let config = environment["DOCKER_CONFIG"], !config.isEmpty { files.append(config + "/config.json") }
        files.append(home + "/.docker/config.json")
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            files.append(runtime + "/containers/auth.json")
        } else {
            files.append("/run/containers/\(uid)/auth.json")
        }
        files.append(home + "/.config/containers/auth.json")
        return files
    }

    /// The parts of an engine's auth file linbuild reads (`config.json`, `auth.json`).
    struct AuthFile: Decodable {
        struct Entry: Decodable { var auth: String? }
        var auths: [String: Entry]?
        var credHelpers: [String: String]?
        var credsStore: String?
    }

    static func inline(in root: AuthFile, keys: [String]) -> RegistryCredentials? {
        for key in keys {
            guard let encoded = root.auths?[key]?.auth,
                let decoded = Data(base64Encoded: encoded).map({ String(decoding: $0, as: UTF8.self) }),
                let colon = decoded.firstIndex(of: ":")
            else { continue }
            return RegistryCredentials(username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
        }
        return nil
    }

    static func helper(in root: AuthFile, keys: [String]) -> String? {
        if let name = keys.lazy.compactMap({ root.credHelpers?[$0] }).first { return name }
        if let store = root.credsStore, !store.isEmpty { return store }
        return nil
    }

    /// The helper protocol: the server URL on stdin, `{"Username":…,"Secret":…}` on stdout.
    static func fromHelper(_ name: String, keys: [String], runner: ProcessRunning) -> RegistryCredentials? {
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else { return nil }
        for key in keys {
            let command = Command("docker-credential-\(name)", ["get"], standardInput: key)
            guard let output = try? runner.capture(command, timeout: 10), output.termination.succeeded,
                let answer = try? JSONDecoder().decode(HelperAnswer.self, from: Data(output.stdout))
            else { continue }
            return RegistryCredentials(username: answer.username, password: answer.secret)
        }
        return nil
    }

    /// A credential helper's `get` answer.
    struct HelperAnswer: Decodable {
        var username: String
        var secret: String
        private enum CodingKeys: String, CodingKey {
            case username = "Username"
            case secret = "Secret"
        }
    }
}
