import Foundation
import LinbuildSupport

/// What the engine's machine has, from `docker info` (or `podman info`).
public struct EngineResources: Equatable, Sendable {
    public var cpus: Int
    public var memoryBytes: Double
    /// The engine's ID (docker) or host name (podman): which machine a build duration was on.
    public var id: String

    public init(cpus: Int, memoryBytes: Double, id: String) {
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.id = id
    }

    /// `docker info --format '{{json .}}'` has `NCPU`, `MemTotal`, `ID`; podman's has
    /// `host.cpus`, `host.memTotal`, `host.hostname`.
    public static func parse(info json: String) -> EngineResources? {
        guard let value = try? JSONParser.parse(Array(json.trimmingCharacters(in: .whitespacesAndNewlines).utf8)),
            case .object(let top) = value
        else { return nil }
        func field(_ members: [(key: String, value: JSONValue)], _ name: String) -> JSONValue? { members.first { $0.key == name }?.value }
        func number(_ value: JSONValue?) -> Double? { if case .number(let n, _)? = value { n } else { nil } }
        func text(_ value: JSONValue?) -> String? { if case .string(let s)? = value { s } else { nil } }
        if let cpus = number(field(top, "NCPU")), let memory = number(field(top, "MemTotal")), cpus >= 1, memory > 0 {
            return EngineResources(cpus: Int(cpus), memoryBytes: memory, id: text(field(top, "ID")) ?? "")
        }
        if case .object(let host)? = field(top, "host"), let cpus = number(field(host, "cpus")),
            let memory = number(field(host, "memTotal")), cpus >= 1, memory > 0
        {
            return EngineResources(cpus: Int(cpus), memoryBytes: memory, id: text(field(host, "hostname")) ?? "")
        }
        return nil
    }
}
