/// What people write in JSON files that JSON does not allow, named as such: a parser's
/// "unexpected character" at a comment or a trailing comma says nothing a person can act on.
enum JSONSyntaxHint {
    /// The first comment or trailing comma outside strings, with its line, or nil.
    static func find(in bytes: [UInt8]) -> (line: Int, problem: String)? {
        var line = 1, index = 0, inString = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") { line += 1 }
            if inString {
                if byte == UInt8(ascii: "\\") { index += 2; continue }
                if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "/"), index + 1 < bytes.count,
                bytes[index + 1] == UInt8(ascii: "/") || bytes[index + 1] == UInt8(ascii: "*")
            {
                return (
                    line, "a comment: JSON has no comments (remove it, or put the note in a \"notes\" string where the schema allows one)"
                )
            } else if byte == UInt8(ascii: "#") {
                return (line, "a '#' comment: JSON has no comments (remove it)")
            } else if byte == UInt8(ascii: ",") {
                var next = index + 1
                while next < bytes.count, [9, 10, 13, 32].contains(bytes[next]) { next += 1 }
                if next < bytes.count, bytes[next] == UInt8(ascii: "}") || bytes[next] == UInt8(ascii: "]") {
                    return (
                        line, "a trailing comma before '\(Character(Unicode.Scalar(bytes[next])))': JSON allows none (remove the comma)"
                    )
                }
            }
            index += 1
        }
        return nil
    }
}
