/// Makes untrusted text safe to put in a one-line message: control characters and newlines
/// are escaped, and very long values are cut, so an error can never spill over several lines.
public enum Sanitized {
    /// `text` with every control character escaped and nothing else changed.
    public static func escapingControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        return String(forMessage(text, limit: .max).dropFirst().dropLast())
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.value < 0x20 || scalar.value == 0x7F }

    public static func forMessage(_ text: String, limit: Int = 80) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if out.count >= limit { out += "…"; break }
            switch scalar {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return "'" + out + "'"
    }
}
