"""2. Iteration: a one-file commit built again by linbuild, by the bare runtime build, and as build.sh did."""
import os
import shutil

from ..common import BENCH, Abort, median, stats


def run(bench):
    """2. Iteration: commit a change to one file and build again, three ways, interleaved."""
    folder, source, namespace = bench.project("iteration")
    cold = bench.linbuild_run(folder, lines=True)
    names = ["linbuild", "floor: bare docker build --target runtime", "original build.sh behaviour"]
    samples = {name: [] for name in names}
    phases = []
    for i in range(bench.runs):
        order = names[i % 3:] + names[:i % 3]  # rotate, so no way always runs first
        for name in order:
            if name == "linbuild":
                bench.commit(source, "edit %d" % i, {"app.py": "print('edit %d linbuild')\n" % i})
                result = bench.linbuild_run(folder, lines=True)
                phases.append(split_phases(result))
            elif name.startswith("floor"):
                sha = bench.commit(source, "edit %d floor" % i, {"app.py": "print('edit %d floor')\n" % i})
                context = os.path.join(folder, "context-%d" % i)
                bench.export(source, sha, context)
                argv, env = bench.runtime_command(folder, context)
                result = bench.runner.run(argv, env, stdout=os.path.join(folder, "floor.log"), timeout=300)
                shutil.rmtree(context)
            else:
                bench.commit(source, "edit %d original" % i, {"app.py": "print('edit %d original')\n" % i})
                result = bench.runner.run([os.path.join(BENCH, "original-build.sh"), source, os.path.join(folder, "Dockerfile"),
                                          "%s/%s" % (bench.registry, namespace)], bench.env,
                                         stdout=os.path.join(folder, "original.log"), timeout=300)
            if result.code != 0 or result.hung:
                raise Abort("%s failed in iteration %d (exit %s%s)" % (name, i, result.code, ", hung" if result.hung else ""))
            samples[name].append(result.seconds)
    rows = [{"what": name, "wall": stats(values)} for name, values in samples.items()]
    linbuild, floor, original = (median(samples[name]) for name in names)
    overhead = linbuild - floor
    rows[0]["compare"] = "+%.0f ms (%.1f%%) over floor" % (overhead * 1000, 100 * overhead / floor)
    rows[2]["compare"] = "%.2fx linbuild" % (original / linbuild)
    split = {}
    for key in (phases[0] or {}):
        split[key] = median([p[key] for p in phases if p])
    verdicts = [("within 5% or 300 ms of the floor", overhead <= max(0.05 * floor, 0.300))]
    bench.results["2 iteration"] = {"rows": rows, "cold_build_seconds": cold.seconds, "overhead_seconds": overhead,
                                   "ratio_to_floor": linbuild / floor, "original_over_linbuild": original / linbuild,
                                   "linbuild_phases_median_seconds": split, "verdicts": verdicts}


def split_phases(result):
    """linbuild's time split by its own progress lines."""
    marks = {}
    for at, text in result.lines:
        for key, prefix in (("probe", "engine:"), ("export", "source: exported"), ("decide", "base ["),
                            ("runtime", "==> build runtime")):
            if key not in marks and text.startswith(prefix):
                marks[key] = at
    if len(marks) < 4:
        return None
    return {"start-up + engine probe": marks["probe"], "resolve + export": marks["export"] - marks["probe"],
            "base decision": marks["decide"] - marks["export"], "to the runtime build": marks["runtime"] - marks["decide"],
            "runtime build + summary": result.seconds - marks["runtime"]}
