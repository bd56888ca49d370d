"""6. Matrix: --dry-run --arch all with 1, 4, 16 and 64 architectures."""
from ..common import Abort, median, stats


def run(bench):
    """6. Matrix: --dry-run --arch all with 1, 4, 16 and 64 architectures in presets."""
    counts = [1, 4, 16, 64]
    n = 3 if bench.quick else 15
    argv = {}
    for archs in counts:
        folder, _, _ = bench.project("matrix%d" % archs, archs=archs)
        argv[archs] = bench.linbuild_argv(folder, "--dry-run", "--arch", "all")
        bench.runner.run(argv[archs], bench.env)
    samples = {archs: [] for archs in counts}
    for _ in range(n):
        for archs in counts:
            result = bench.runner.run(argv[archs], bench.env)
            if result.code != 0:
                raise Abort("matrix %d failed (exit %s)" % (archs, result.code))
            samples[archs].append(result)
    rows = []
    cpu = {a: median([r.cpu for r in samples[a]]) for a in counts}
    for archs in counts:
        rows.append({"what": "%d arch%s" % (archs, "" if archs == 1 else "s"), "wall": stats([r.seconds for r in samples[archs]]),
                     "cpu": stats([r.cpu for r in samples[archs]]),
                     "compare": "cpu %.1f ms" % (cpu[archs] * 1000)})
    # Least squares on CPU time (less sensitive to other load than wall time).
    xs, ys = counts, [cpu[a] for a in counts]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    intercept = my - slope * mx
    worst = max(abs(y - (intercept + slope * x)) / y for x, y in zip(xs, ys))
    early = (cpu[16] - cpu[1]) / 15
    late = (cpu[64] - cpu[16]) / 48
    linear = worst < 0.15 or late <= 2 * max(early, 1e-4)
    verdicts = [("time grows linearly", linear)]
    bench.results["6 matrix"] = {"rows": rows, "cpu_ms_per_arch": slope * 1000, "cpu_ms_fixed": intercept * 1000,
                                "worst_deviation_from_line": worst, "ms_per_arch_1_to_16": early * 1000,
                                "ms_per_arch_16_to_64": late * 1000, "verdicts": verdicts}
