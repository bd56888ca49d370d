extension String {
    /// The text left-aligned in a column `width` characters wide, with at least one space after it,
    /// for the tables linbuild prints (help, summary, validation, preflight).
    public func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
