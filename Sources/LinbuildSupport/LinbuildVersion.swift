public enum LinbuildVersion {
    public static let current = "0.1.0"
}
