import Foundation
import LinbuildCLI
import LinbuildProcess

#if canImport(Glibc)
import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == ChildSupervisor.marker { ChildSupervisor.execChild(Array(arguments.dropFirst())) }
// Builds and pushes run through this binary as their supervisor (see ChildSupervisor).
ChildSupervisor.executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
exit(Linbuild.run(arguments: arguments))
