import LinbuildSupport

/// The presets fields that shape what the images contain beyond the matrix: OS packages, the
/// application's extras, nvcc's threads and where bytes come from. Each is optional (a presets
/// file for a Dockerfile that installs none of these stays valid) and strictly typed when present.
/// An absent location or nvccThreads is not passed, so the Dockerfile's default (the real upstream)
/// applies.
enum RecipeFields {
    static func read(_ defaults: ObjectReader.Members, into result: inout Presets.Defaults, reader: ObjectReader) throws {
        if let value = defaults.first(where: { $0.key == "nvccThreads" })?.value {
            result.nvccThreads = try reader.integer(value, at: "defaults.nvccThreads", in: 1...64)
        }
        result.osPackages = try words(defaults, "osPackages", reader: reader) {
            DebianPackageName.isValid($0)
                ? nil
                : "is not a distribution package name (lowercase letters, digits, + - . ; e.g. libgl1)"
        }
        result.extras = try words(defaults, "extras", reader: reader) {
            ExtraName.isValid($0)
                ? nil
                : "is not a Python extra name (letters, digits, - _ .; e.g. dev)"
        }

        let at = "defaults.locations"
        guard let locations = defaults.first(where: { $0.key == "locations" })?.value else { return }
        let object = try reader.object(locations, at: at)
        try reader.allowOnly(Set(UpstreamLocations.keys.map(\.presetsKey)), in: object, at: at)
        var values: [String: String] = [:]
        for key in UpstreamLocations.keys {
            guard let field = object.first(where: { $0.key == key.presetsKey })?.value else { continue }
            let value = try reader.string(field, at: "\(at).\(key.presetsKey)")
            if let problem = UpstreamLocations.problem(with: value) { throw reader.fail("\(at).\(key.presetsKey)", problem) }
            values[key.argument] = value
        }
        result.locations = UpstreamLocations(values: values)
    }

    private static func words(
        _ defaults: ObjectReader.Members, _ key: String, reader: ObjectReader,
        _ problem: (String) -> String?
    ) throws -> [String] {
        let at = "defaults.\(key)"
        guard let value = defaults.first(where: { $0.key == key })?.value else { return [] }
        guard case .array(let items) = value else { throw reader.fail(at, "must be an array of strings, not \(value.typeName)") }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            let word = try reader.string(item, at: "\(at)[\(index)]")
            if let problem = problem(word) { throw reader.fail("\(at)[\(index)]", "\(Sanitized.forMessage(word)) \(problem)") }
            if result.contains(word) { throw reader.fail("\(at)[\(index)]", "\(Sanitized.forMessage(word)) is listed twice") }
            result.append(word)
        }
        return result
    }
}

/// Debian policy's package names: lowercase letters, digits, `+ - .`, at least two characters,
/// starting with a letter or digit. Ubuntu uses the same rule.
enum DebianPackageName {
    static func isValid(_ name: String) -> Bool {
        guard name.count >= 2, name.count <= 128, let first = name.unicodeScalars.first,
            ("a"..."z").contains(first) || ("0"..."9").contains(first)
        else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0) }
    }
}

/// PEP 685 extra names (before normalisation): letters, digits and `- _ .`, starting and ending
/// with a letter or digit.
enum ExtraName {
    static func isValid(_ name: String) -> Bool {
        guard name.count <= 64, let first = name.unicodeScalars.first, let last = name.unicodeScalars.last,
            TagGrammar.isAlphanumeric(first), TagGrammar.isAlphanumeric(last)
        else { return false }
        return name.unicodeScalars.allSatisfy { TagGrammar.isAlphanumeric($0) || "-_.".unicodeScalars.contains($0) }
    }
}
