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
        // Values and fakes every suite shares: the contract fixture, the shipped presets, plans, a
        // scripted runner, scratch folders. Nothing here starts a process or opens a socket.
        .target(
            name: "LinbuildTestFixtures", dependencies: ["LinbuildSupport", "LinbuildProcess", "LinbuildModel"],
            path: "Tests/LinbuildTestFixtures"),
        // Runs the real binary, git and the loopback stand-ins for the suites that need them.
        .target(name: "LinbuildTestSupport", dependencies: layers + ["LinbuildTestFixtures"], path: "Tests/LinbuildTestSupport"),
        // The pure core and the executor over fakes: no process, no socket, no binary (it is not a
        // dependency: a unit test cannot run it).
        .testTarget(name: "LinbuildUnitTests", dependencies: layers + ["LinbuildTestFixtures"]),
        // The binary, git, shells, the process runners, the loopback registries and indexes.
        .testTarget(name: "LinbuildIntegrationTests", dependencies: layers + ["LinbuildTestFixtures", "LinbuildTestSupport", "linbuild"]),
        .testTarget(name: "LinbuildEndToEndTests", dependencies: layers + ["LinbuildTestFixtures", "LinbuildTestSupport", "linbuild"]),
        .testTarget(name: "LinbuildReliabilityTests", dependencies: layers + ["LinbuildTestFixtures", "LinbuildTestSupport", "linbuild"]),
    ]
)
