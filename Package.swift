// swift-tools-version:6.0
import PackageDescription

// No package dependencies, by design: the toolchain's Foundation, Dispatch and
// Swift Testing are all linbuild needs.
//
// Targets are layers; each depends only on the ones below it (docs/design.md, "Targets"):
//   linbuild          the executable: a few lines that call LinbuildCLI
//   LinbuildCLI       commands, help, completions: reads the options and wires the layers together
//   LinbuildRun       the effects: runs a plan against the engine, registry and git
//   LinbuildModel     pure values and decisions: options, presets, Dockerfile contract, the plan
//   LinbuildProcess   the narrow process interface (ProcessRunning) and its runners
//   LinbuildSupport   values every layer shares: Command, errors, exit codes, hashing, the JSON
//                     parser, names and paths
//
// LinbuildModel does not depend on LinbuildProcess: the compiler, not a test, keeps process code
// out of the pure core (`make` and `make test` build with the explicit import check, so even an
// import the build graph would happen to satisfy is an error).
let layers: [Target.Dependency] = ["LinbuildSupport", "LinbuildProcess", "LinbuildModel", "LinbuildRun", "LinbuildCLI"]

let package = Package(
    name: "linbuild",
    products: [
        .executable(name: "linbuild", targets: ["linbuild"])
    ],
    dependencies: [],
    targets: [
        .target(name: "LinbuildSupport"),
        .target(name: "LinbuildProcess", dependencies: ["LinbuildSupport"]),
        .target(name: "LinbuildModel", dependencies: ["LinbuildSupport"]),
        .target(name: "LinbuildRun", dependencies: ["LinbuildSupport", "LinbuildProcess", "LinbuildModel"]),
        .target(name: "LinbuildCLI", dependencies: ["LinbuildSupport", "LinbuildProcess", "LinbuildModel", "LinbuildRun"]),
        .executableTarget(name: "linbuild", dependencies: ["LinbuildCLI", "LinbuildProcess"]),
        // Runs the real binary and tools for the suites below.
        .target(name: "LinbuildTestSupport", dependencies: layers, path: "Tests/LinbuildTestSupport"),
        .testTarget(name: "LinbuildUnitTests", dependencies: layers + ["LinbuildTestSupport", "linbuild"]),
        .testTarget(name: "LinbuildEndToEndTests", dependencies: layers + ["LinbuildTestSupport", "linbuild"]),
        .testTarget(name: "LinbuildReliabilityTests", dependencies: layers + ["LinbuildTestSupport", "linbuild"]),
    ]
)
