"""1. Plan: linbuild --dry-run and --version beside the queries they cannot avoid (bench/README.md)."""
from ..common import Abort, median, stats


GIT = "floor: git rev-parse HEAD"
CLIENT = "floor: docker version (client)"
QUERIES = "floor: the queries it cannot avoid"


def run(bench):
    """1. Plan: linbuild --dry-run and --version (start-up alone) on a local source, side by side
    with the queries a dry run cannot avoid: one git rev-parse, and the docker client's version
    (which says whether it has BuildKit: linbuild refuses to print a plan it could not run). With
    --baseline, another linbuild binary (say main's) in the same loop."""
    folder, source, _ = bench.project("plan")
    n = 10 if bench.quick else 40
    binaries = [("", bench.linbuild)] + ([("baseline ", bench.args.baseline)] if bench.args.baseline else [])
    commands = {GIT: ["git", "-C", source, "rev-parse", "HEAD"],
                CLIENT: [bench.docker, "version", "--format", "{{.Client.Version}}"]}
    for label, binary in binaries:
        commands[label + "linbuild --version"] = [binary, "--version"]
        commands[label + "linbuild --dry-run"] = [binary] + bench.linbuild_argv(folder, "--dry-run")[1:]
    samples = {name: [] for name in commands}
    for _ in range(3):
        for argv in commands.values():
            bench.runner.run(argv, bench.env)
    for _ in range(n):  # interleaved, so every command sees the same background load
        for name, argv in commands.items():
            result = bench.runner.run(argv, bench.env)
            if result.code != 0:
                raise Abort("%s failed (exit %s)" % (name, result.code))
            samples[name].append(result)
    # Peak RSS from GNU time in runs of their own (it costs an exec); a process forked from Python
    # would report Python's size, and a 5 ms process ends before the VmHWM sampler looks.
    rss = {name: median([r.tree_rss_mb or r.rss_mb for r in (bench.runner.run(argv, bench.env, rss=True) for _ in range(5))])
           for name, argv in commands.items()}
    rows = {name: {"what": name, "wall": stats([r.seconds for r in results]), "cpu": stats([r.cpu for r in results]),
                   "peak_rss_mb": rss[name]} for name, results in samples.items()}
    # The two queries one after another, as one figure: each run's git and client times added.
    queries = [git.seconds + client.seconds for git, client in zip(samples[GIT], samples[CLIENT])]
    rows[QUERIES] = {"what": QUERIES + " (git + client)", "wall": stats(queries),
                     "cpu": stats([g.cpu + c.cpu for g, c in zip(samples[GIT], samples[CLIENT])])}
    floor = rows[GIT]
    for name, row in rows.items():
        if not name.startswith("floor"):
            row["ratio_to_floor"] = row["wall"]["median"] / floor["wall"]["median"]
            row["compare"] = "%.1fx floor (cpu %.1fx)" % (row["ratio_to_floor"], row["cpu"]["median"] / max(floor["cpu"]["median"], 1e-4))
            if name.startswith("baseline "):
                mine = rows[name[len("baseline "):]]
                mine["compare"] += "; %.2fx baseline's time, %.2fx its RSS" % (
                    mine["wall"]["median"] / row["wall"]["median"], mine["peak_rss_mb"] / row["peak_rss_mb"])
    plan, version = rows["linbuild --dry-run"], rows["linbuild --version"]
    plan["ratio_to_queries"] = plan["wall"]["median"] / rows[QUERIES]["wall"]["median"]
    plan["compare"] = "%.2fx the queries; " % plan["ratio_to_queries"] + plan["compare"]
    for name, row in rows.items():
        if name.startswith("baseline ") and name.endswith("--dry-run"):
            row["compare"] = "%.2fx the queries; " % (row["wall"]["median"] / rows[QUERIES]["wall"]["median"]) + row["compare"]
    verdicts = [("under 50 ms", plan["wall"]["median"] < 0.050),
                ("--dry-run within 1.5x the queries it cannot avoid", plan["ratio_to_queries"] <= 1.5),
                ("--dry-run within 5x the floor", plan["ratio_to_floor"] <= 5.0),
                ("--dry-run peak RSS at most 12 MiB", plan["peak_rss_mb"] <= 12.0),
                ("--version within 2x the floor", version["ratio_to_floor"] <= 2.0)]
    order = [GIT, CLIENT, QUERIES] + [name for name in rows if not name.startswith("floor")]
    bench.results["1 plan"] = {"rows": [rows[name] for name in order],
                              "ratio_to_floor": plan["ratio_to_floor"], "ratio_to_queries": plan["ratio_to_queries"],
                              "cpu_ratio_to_floor": plan["cpu"]["median"] / max(floor["cpu"]["median"], 1e-4),
                              "verdicts": verdicts}
