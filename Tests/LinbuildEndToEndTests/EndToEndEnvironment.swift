import Foundation
import LinbuildTestFixtures
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
    /// A registry whose deletes are disabled (`storage.delete.enabled: false`), for prune; nil
    /// when the services were started without it.
    var noDeleteRegistry: String? = nil

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
        probe.noDeleteRegistry = values["LINBUILD_E2E_NO_DELETE_REGISTRY"]
        probe.podmanConf = values["LINBUILD_E2E_PODMAN_CONF"]
        probe.podmanStorageConf = values["LINBUILD_E2E_PODMAN_STORAGE_CONF"]
        // An env file left behind by an engine that has since stopped is not an engine.
        let alive = try? Run.command(engine, ["version", "--format", "{{.Server.Version}}"], environment: ["DOCKER_HOST": host])
        return alive?.status == 0 ? probe : nil
    }()

    static var available: Bool { current != nil }
    /// The second engine, reached only over TCP, is up.
    static var tcpEngineAvailable: Bool { current?.tcpHost != nil }
    /// podman has the store the services prepared.
    static var podmanAvailable: Bool { current?.podmanEnvironment != nil }

    static let skipNotice: Comment = """
        end-to-end suite SKIPPED: no Docker engine and registry are up. Run `make test-e2e` (starts throwaway \
        engines and registries on loopback, runs everything, stops them) or `make e2e-up` then `make test`.
        """
    static let restartNotice = "restart the services: Tests/support/e2e-services.sh up DIR (podman needs apt-get install podman)"

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

/// With `LINBUILD_E2E=required` (CI, `make test-e2e`) a suite skipped for want of its services
/// is a failure: each requirement is a test that fails when they are missing. Without it these
/// show as skipped, like the suites they stand for.
@Suite(.enabled(if: EndToEndEnvironment.required, "LINBUILD_E2E is not 'required'"))
struct EndToEndRequirement {
    @Test func theEngineAndRegistriesAreUp() {
        #expect(
            EndToEndEnvironment.available,
            "LINBUILD_E2E=required but no engine/registry is reachable (LINBUILD_E2E_ENV unset or stale): \(EndToEndEnvironment.restartNotice)"
        )
    }

    @Test func theEngineOverTCPIsUp() {
        #expect(
            EndToEndEnvironment.tcpEngineAvailable,
            "LINBUILD_E2E=required but the services have no TCP engine: \(EndToEndEnvironment.restartNotice)")
    }

    @Test func podmanAndItsStoreAreReady() {
        #expect(
            EndToEndEnvironment.podmanAvailable,
            "LINBUILD_E2E=required but podman or its store is missing: \(EndToEndEnvironment.restartNotice)")
    }
}
