// swift-tools-version:6.0
import PackageDescription

// No package dependencies, by design: the toolchain's Foundation, Dispatch and
// Swift Testing are all linbuild needs.
let package = Package(
    name: "linbuild",
    products: [
        .executable(name: "linbuild", targets: ["linbuild"]),
        .library(name: "LinbuildCore", targets: ["LinbuildCore"]),
    ],
    dependencies: [],
    targets: [
        .target(name: "LinbuildCore"),
        .executableTarget(name: "linbuild", dependencies: ["LinbuildCore"]),
        .testTarget(name: "LinbuildCoreTests", dependencies: ["LinbuildCore", "LinbuildTestSupport", "linbuild"]),
        // Runs the real binary and tools for the suites below.
        .target(name: "LinbuildTestSupport", dependencies: ["LinbuildCore"], path: "Tests/LinbuildTestSupport"),
        .testTarget(name: "LinbuildEndToEndTests", dependencies: ["LinbuildCore", "LinbuildTestSupport", "linbuild"]),
        .testTarget(name: "LinbuildReliabilityTests", dependencies: ["LinbuildCore", "LinbuildTestSupport", "linbuild"]),
    ]
)
