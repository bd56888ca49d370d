/// Enough of PEP 440 to order the versions an index lists and to name the ones nearest to a
/// version it lacks: release numbers, a/b/rc pre-releases, `.post`, `.dev`, and a `+local` part.
public struct PackageVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var text: String
    public var release: [Int]
    /// -1 for a bare `.devN` release, 0/1/2 for a/b/rc, 3 for a final release.
    var stage: Int
    var stageNumber: Int
    var post: Int
    var dev: Int
    public var local: String?

    public init?(_ text: String) {
        self.text = text
        let parts = text.split(separator: "+", maxSplits: 1)
        guard let head = parts.first?.lowercased(), !head.isEmpty else { return nil }
        local = parts.count == 2 ? String(parts[1]) : nil
        var rest = Substring(head.hasPrefix("v") ? String(head.dropFirst()) : head)
        var numbers: [Int] = []
        while let digits = Optional(rest.prefix(while: \.isASCIIDigit)), !digits.isEmpty, let number = Int(digits) {
            numbers.append(number)
            rest = rest.dropFirst(digits.count)
            if rest.first == ".", rest.dropFirst().first?.isASCIIDigit == true { rest = rest.dropFirst() } else { break }
        }
        guard !numbers.isEmpty else { return nil }
        release = numbers
        stage = 3; stageNumber = 0; post = -1; dev = Int.max
        func number() -> Int {
            let digits = rest.prefix(while: \.isASCIIDigit)
            rest = rest.dropFirst(digits.count)
            return Int(digits) ?? 0
        }
        while !rest.isEmpty {
            if rest.first == "." || rest.first == "-" || rest.first == "_" { rest = rest.dropFirst(); continue }
            if rest.hasPrefix("rc") {
                rest = rest.dropFirst(2); stage = 2; stageNumber = number()
            } else if rest.hasPrefix("post") {
                rest = rest.dropFirst(4); post = number()
            } else if rest.hasPrefix("dev") {
                rest = rest.dropFirst(3); dev = number()
            } else if rest.hasPrefix("a") {
                rest = rest.dropFirst(1); stage = 0; stageNumber = number()
            } else if rest.hasPrefix("b") {
                rest = rest.dropFirst(1); stage = 1; stageNumber = number()
            } else {
                return nil
            }
        }
        if dev != Int.max, stage == 3, post == -1 { stage = -1 }
    }

    public var description: String { text }

    private var key: [Int] {
        var padded = release
        while padded.count < 4 { padded.append(0) }
        return padded + [stage, stageNumber, post, dev]
    }

    public static func < (lhs: PackageVersion, rhs: PackageVersion) -> Bool {
        if lhs.key != rhs.key { return lhs.key.lexicographicallyPrecedes(rhs.key) }
        return (lhs.local ?? "") < (rhs.local ?? "")
    }

    public static func == (lhs: PackageVersion, rhs: PackageVersion) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// The versions of `available` nearest to `wanted`, as short text: those of the same release
    /// first (`2.8.0`), else the nearest release below and above; more than three builds of one
    /// release (nightlies) are shown as the first and last (`2.9.0.dev20250601+cu128 … 2.9.0.dev20250801+cu128`).
    public static func nearest(to wanted: String, among available: [String], limit: Int = 3) -> [String] {
        let versions = Array(Set(available.compactMap(PackageVersion.init))).sorted()
        guard !versions.isEmpty else { return [] }
        var groups: [(release: [Int], versions: [PackageVersion])] = []
        for version in versions {
            if let last = groups.last, last.release == version.release {
                groups[groups.count - 1].versions.append(version)
            } else {
                groups.append((version.release, [version]))
            }
        }
        let target = PackageVersion(wanted)
        var chosen: [Int] = []
        if let target, let same = groups.firstIndex(where: { $0.release == target.release }) {
            chosen = [same]
            if let above = groups.indices.first(where: { $0 > same }) { chosen.append(above) }
        } else if let target {
            let below = groups.indices.last {
                !target.release.lexicographicallyPrecedes(groups[$0].release) && groups[$0].release != target.release
            }
            let above = groups.indices.first { target.release.lexicographicallyPrecedes(groups[$0].release) }
            chosen = [below, above].compactMap { $0 }
        }
        if let newest = groups.indices.last, !chosen.contains(newest) { chosen.append(newest) }
        return chosen.prefix(limit).flatMap { index -> [String] in
            let members = groups[index].versions
            if members.count <= 3 { return members.map(\.text) }
            return ["\(members.first!.text) … \(members.last!.text) (\(members.count) builds)"]
        }
    }
}
