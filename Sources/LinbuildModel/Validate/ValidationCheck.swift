/// One check `linbuild validate` runs inside an image, as presets data: the port of validate.sh
/// keeps what to expect per architecture out of Swift code.
public struct ValidationCheck: Equatable, Sendable {
    public var name: String
    /// The argument vector run in the container (replaces the image's CMD).
    public var command: [String]
    /// The last line of output must equal this, after placeholders are filled in; `nil` means
    /// exit status 0 is enough.
    public var expect: String?
    /// Checks that need a GPU report "skipped: no GPU" unless `--gpus` is given.
    public var needsGPU: Bool

    /// `{torchVersion}` and friends: what an architecture's presets say the image must hold.
    public static func placeholders(for architecture: Presets.Architecture) -> [String: String] {
        [
            "arch": architecture.name,
            "torchVersion": "\(architecture.torchVersion)+\(architecture.cudaSuffix)",
            "torchRelease": architecture.torchVersion,
            "torchChannel": architecture.torchChannel,
            "torchvisionVersion": architecture.torchvisionVersion,
            "torchaudioVersion": architecture.torchaudioVersion,
            "cudaSuffix": architecture.cudaSuffix,
            "cudaArchList": architecture.cudaArchList,
            // The highest major's (what the base tag names), then every one the architecture gets.
            "flashAttentionVersion": architecture.highestFlashAttention?.version ?? "",
            "flashAttentionMajor": architecture.highestFlashAttention.map { String($0.major) } ?? "none",
            "flashAttentionVersions": architecture.flashAttention.isEmpty
                ? "none" : architecture.flashAttention.map(\.version).joined(separator: " "),
            "flashAttentionMajors": architecture.flashAttention.isEmpty
                ? "none" : architecture.flashAttention.map { String($0.major) }.joined(separator: " "),
        ]
    }

    /// The placeholder names `expect` may use: the keys of `placeholders(for:)`, whatever the values.
    static let placeholderKeys = Set(
        placeholders(
            for: Presets.Architecture(
                name: "", gpus: "", torchVersion: "", torchvisionVersion: "", torchaudioVersion: "", torchChannel: "", cudaSuffix: "",
                cudaArchList: "",
                flashAttention: [], nvidiaCudaTag: nil)
        ).keys)

    /// The expectation for one architecture; unknown placeholders are left as written (the
    /// presets loader refuses them, so this never happens with a loaded file).
    public func expected(for architecture: Presets.Architecture) -> String? {
        guard var text = expect else { return nil }
        for (key, value) in Self.placeholders(for: architecture) { text = text.replacingOccurrences(of: "{\(key)}", with: value) }
        return text
    }

    /// The `{name}` placeholders in `text`.
    static func placeholderNames(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
