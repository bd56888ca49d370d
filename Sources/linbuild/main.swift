import LinbuildCore
#if canImport(Glibc)
import Glibc
#endif

exit(Linbuild.run(arguments: Array(CommandLine.arguments.dropFirst())))
