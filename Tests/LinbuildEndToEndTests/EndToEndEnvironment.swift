import Foundation
import LinbuildTestSupport
import Testing

/// The engine and registries the end-to-end suite runs against, started by
/// `Tests/support/e2e-services.sh up DIR` (via `make test-e2e` or `.ci/run`), which writes their
/// addresses to an env file named by `LINBUILD_E2E_ENV`.
struct EndToEndEnvironment: Sendable {
    var dockerHost: String
    var engine: String
    var registry: String
    var loginRegistry: String
    var loginUser: String
    var loginPassword: String
    /// A second engine that only a loopback TCP port reaches (`tcp://127.0.0.1:PORT`), for the
    /// remote-engine test; nil when the services were started without it.
    var tcpHost: String? = nil
    /// podman's own configuration and store (`CONTAINERS_CONF`, `CONTAINERS_STORAGE_CONF`);
    /// nil when podman is not installed.
    var podmanConf: String? = nil
    var podmanStorageConf: String? = nil

    static let required = ProcessInfo.processInfo.environment["LINBUILD_E2E"] == "required"

    static let current: EndToEndEnvironment? = {
        let environment = ProcessInfo.processInfo.environment
        var values: [String: String] = [:]
        let file = environment["LINBUILD_E2E_ENV"] ?? FileManager.default.currentDirectoryPath + "/.e2e/env"
        if let text = try? String(contentsOfFile: file, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
            }
        }
        guard let host = values["DOCKER_HOST"], let engine = values["LINBUILD_E2E_ENGINE"], let registry = values["LINBUILD_E2E_REGISTRY"],
            let login = values["LINBUILD_E2E_LOGIN_REGISTRY"], let user = values["LINBUILD_E2E_LOGIN_USER"],
            let password = values["LINBUILD_E2E_LOGIN_PASSWORD"]
        else { return nil }
        var probe = EndToEndEnvironment(
            dockerHost: host, engine: engine, registry: registry, loginRegistry: login, loginUser: user,
            loginPassword: password)
        probe.tcpHost = values["LINBUILD_E2E_TCP_HOST"]
        probe.podmanConf = values["LINBUILD_E2E_PODMAN_CONF"]
        probe.podmanStorageConf = values["LINBUILD_E2E_PODMAN_STORAGE_CONF"]
        // An env file left behind by an engine that has since stopped is not an engine.
        let alive = try? Run.command(engine, ["version", "--format", "{{.Server.Version}}"], environment: ["DOCKER_HOST": host])
        return alive?.status == 0 ? probe : nil
    }()

    static var available: Bool { current != nil }

    static let skipNotice = """
        end-to-end suite SKIPPED: no Docker engine and registry are up. Run `make test-e2e` (starts throwaway \
        engines and registries on loopback, runs everything, stops them) or `make e2e-up` then `make test`.
        """

    /// The environment that gives podman this suite's store instead of the machine's.
    var podmanEnvironment: [String: String]? {
        guard let podmanConf, let podmanStorageConf else { return nil }
        return ["CONTAINERS_CONF": podmanConf, "CONTAINERS_STORAGE_CONF": podmanStorageConf]
    }

    /// The engine CLI with this environment's socket, for assertions.
    func docker(_ arguments: [String], extraEnvironment: [String: String] = [:], input: String? = nil) throws -> Run.Result {
        try Run.command(engine, arguments, environment: ["DOCKER_HOST": dockerHost].merging(extraEnvironment) { $1 }, input: input)
    }
}

@Suite struct EndToEndRequirement {
    /// Makes a missing engine visible: a failure when CI requires the suite, a notice otherwise.
    @Test func endToEndSuiteRunsWhenRequired() {
        if EndToEndEnvironment.available { return }
        if EndToEndEnvironment.required {
            Issue.record("LINBUILD_E2E=required but no engine/registry is reachable (LINBUILD_E2E_ENV unset or stale)")
        } else {
            FileHandle.standardError.write(Data(("\n*** " + EndToEndEnvironment.skipNotice + "\n\n").utf8))
        }
    }
}
