import LinbuildSupport

/// A credential that a location carries, on its way to a build. A build argument is recorded in the
/// image's history (`RUN |1 PYPI_INDEX=https://user:…@host/simple …`), so the location is passed
/// without its credentials as the build argument, and whole as the build secret of the same name:
/// `RUN --mount=type=secret,id=PYPI_INDEX` reads it from `/run/secrets/PYPI_INDEX`, and no layer,
/// history entry or config keeps it.
public struct BuildSecret: Equatable, Sendable {
    /// The build argument it belongs to, which is also the secret's id.
    public var id: String
    /// The location with its credentials.
    public var value: String
    /// The variable a dry-run script reads it from: the location's own `LINBUILD_*` variable.
    public var variable: String

    /// The secrets of a run: one per location that carries credentials.
    public static func of(_ locations: UpstreamLocations) -> [BuildSecret] {
        locations.credentialed.map { BuildSecret(id: $0.key.argument, value: $0.value, variable: $0.key.environment) }
    }

    /// The file a build reads it from: in the run's private work folder, written just before the
    /// build that needs it and removed after it (and with the folder, however the run ends).
    public func path(in workDirectory: String) -> String { workDirectory + "/secrets/" + id }

    /// `--secret id=PYPI_INDEX,src=PATH`, the same for BuildKit (docker build, buildx) and podman.
    func flag(workDirectory: String) -> [String] { ["--secret", "id=\(id),src=\(path(in: workDirectory))"] }

    /// `command` reading this secret from its file: the value is kept in `secrets` (never printed
    /// or encoded) under the variable's name, and the file is named in `secretFiles`.
    func attach(to command: inout Command, workDirectory: String) {
        command.secrets[variable] = value
        command.secretFiles[path(in: workDirectory)] = variable
    }

    /// What a dry-run script asks for when `variable` is not set.
    public static func meaning(of variable: String) -> String {
        if let key = UpstreamLocations.keys.first(where: { $0.environment == variable }) {
            return "the \(key.argument) location with its credentials"
        }
        return variable == SourceExport.urlVariable ? "the source URL with its credentials" : "its value"
    }
}
