"""linbuild's benchmarks as a package: `bench/run` is its command (bench/README.md)."""
