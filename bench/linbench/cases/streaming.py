"""4. Streaming: 20 MB and 200 MB build logs through linbuild and directly, and linbuild's own ceiling."""
import os
import shutil

from ..common import Abort, median, stats
from ..fixture import LOG_LINE_BYTES


def run(bench):
    """4. Streaming: a build step printing 20 MB and 200 MB of log lines, through linbuild and
    directly; and linbuild's own ceiling with an engine that only prints."""
    folder, source, namespace = bench.project("streaming")
    bench.linbuild_run(folder)  # base and a first runtime
    sizes = [2, 8] if bench.quick else [20, 200]
    runs = 1 if bench.quick else max(2, min(bench.runs, 3))
    figures = {}
    rows = []
    for megabytes in sizes:
        lines = megabytes * 1_000_000 // LOG_LINE_BYTES
        per = {"linbuild": [], "direct": []}
        for i in range(runs):
            for way in (["linbuild", "direct"] if i % 2 == 0 else ["direct", "linbuild"]):
                sha = bench.commit(source, "log %d MB %s %d" % (megabytes, way, i),
                                  {"log-lines": "%d\n" % lines, "app.py": "print('%s %d')\n" % (way, i)})
                logs = os.path.join(folder, "logs")
                shutil.rmtree(logs, ignore_errors=True)
                if way == "linbuild":
                    result = bench.runner.run(bench.linbuild_argv(folder), bench.env, rss=True, timeout=1800,
                                             stall=60, watch=lambda: bench.size_of(logs))
                    delivered = count_lines(logs)
                else:
                    context = os.path.join(folder, "context")
                    bench.export(source, sha, context)
                    argv, env = bench.runtime_command(folder, context)
                    output = os.path.join(folder, "direct.log")
                    result = bench.runner.run(argv, env, rss=True, stdout=output, timeout=1800, stall=60,
                                             watch=lambda: os.path.getsize(output) if os.path.exists(output) else 0)
                    shutil.rmtree(context)
                    delivered = count_lines(output)
                    os.remove(output)
                shutil.rmtree(logs, ignore_errors=True)
                result.delivered = delivered
                if result.hung:
                    bench.warnings.append("case 4: %s at %d MB hung (no output for 60 s) and was killed" % (way, megabytes))
                elif result.code != 0:
                    raise Abort("case 4: %s at %d MB failed (exit %s)" % (way, megabytes, result.code))
                per[way].append(result)
        done = {way: [r for r in results if not r.hung] for way, results in per.items()}
        if not done["linbuild"] or not done["direct"]:
            figures["%d MB" % megabytes] = {"hung": {w: len(per[w]) - len(done[w]) for w in per}}
            continue
        entry = {}
        for way in ("linbuild", "direct"):
            results = done[way]
            entry[way] = {"wall": stats([r.seconds for r in results]), "cpu": stats([r.cpu for r in results]),
                          "peak_rss_mb": stats([r.rss_mb for r in results]),
                          "private_rss_mb": stats([r.anon_mb for r in results]),
                          "tree_peak_rss_mb": stats([r.tree_rss_mb for r in results]),
                          "lines_delivered": min(r.delivered for r in results), "lines_expected": lines,
                          "hung_runs": len(per[way]) - len(results)}
        lb, direct = entry["linbuild"], entry["direct"]
        entry["throughput_ratio_linbuild_over_direct"] = direct["wall"]["median"] / lb["wall"]["median"]
        figures["%d MB" % megabytes] = entry
        rows.append({"what": "%d MB log: linbuild" % megabytes, "wall": lb["wall"],
                     "compare": "%.0f%% of direct's throughput; %s lines" % (100 * entry["throughput_ratio_linbuild_over_direct"],
                                                                           "all" if lb["lines_delivered"] >= lines else "%d/%d" % (lb["lines_delivered"], lines)),
                     "peak_rss_mb": lb["peak_rss_mb"]["max"] if lb["peak_rss_mb"] else None,
                     "private_rss_mb": lb["private_rss_mb"]["max"] if lb["private_rss_mb"] else None})
        rows.append({"what": "%d MB log: docker build directly" % megabytes, "wall": direct["wall"],
                     "compare": "%.1f MB/s; docker CLI peak RSS %.0f MB" % (megabytes / direct["wall"]["median"],
                                                                             direct["peak_rss_mb"]["max"] if direct["peak_rss_mb"] else 0),
                     "peak_rss_mb": direct["peak_rss_mb"]["max"] if direct["peak_rss_mb"] else None,
                     "private_rss_mb": direct["private_rss_mb"]["max"] if direct["private_rss_mb"] else None})
    ceiling = pipe_ceiling(bench, folder, sizes[-1])
    rows.extend(ceiling.pop("rows"))
    figures["pipe ceiling"] = ceiling
    measured = [figures[k] for k in figures if k.endswith(" MB") and "linbuild" in figures[k]]
    peak = max([m["linbuild"]["peak_rss_mb"]["max"] for m in measured if m["linbuild"]["peak_rss_mb"]] +
               [ceiling["linbuild_peak_rss_mb"] or 0])
    peaks = [m["linbuild"]["peak_rss_mb"]["max"] for m in measured if m["linbuild"]["peak_rss_mb"]]
    flat = len(peaks) == len(sizes) and max(peaks) - min(peaks) < 2.0
    verdicts = [("peak RSS flat (within 2 MB from smallest to largest log)", flat),
                ("peak RSS under 30 MB at every log size", len(peaks) == len(sizes) and peak < 30),
                ("throughput within 10% of direct", bool(measured) and all(m["throughput_ratio_linbuild_over_direct"] >= 0.90 for m in measured))]
    bench.results["4 streaming"] = {"rows": rows, "figures": figures, "verdicts": verdicts}


def count_lines(path):
    count = 0
    paths = [path] if os.path.isfile(path) else [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs if "runtime" in f]
    marker = b" log line "
    for name in paths:
        with open(name, "rb") as f:
            carry = b""  # the tail of the last block, so a marker split across blocks counts once
            while True:
                block = f.read(1 << 22)
                if not block:
                    break
                data = carry + block
                count += data.count(marker)
                carry = data[-(len(marker) - 1):]
    return count


def pipe_ceiling(bench, folder, megabytes):
    """linbuild's own streaming cost, without BuildKit's: an engine whose build only prints a log
    file, through linbuild and written straight to a file."""
    fake = os.path.join(folder, "fake-engine")
    text = os.path.join(folder, "fake.log")
    with open(text, "w") as f:
        block = "".join("#9 12.345 log line %d of many: the quick brown fox jumps over the lazy dog 0123456789\n" % i for i in range(10000))
        for _ in range(max(1, megabytes * 1_000_000 // len(block))):
            f.write(block)
    with open(fake, "w") as f:
        f.write("#!/bin/sh\n# An engine for the streaming ceiling: builds print a log, the rest answers as docker 20.10 would.\n"
                "case \"$1\" in\n"
                "  version) echo '20.10.24|20.10.24' ;;\n"
                "  image) case \"$*\" in\n"
                "    *'{{json .}}'*) echo '{\"Id\": \"sha256:0000\", \"Os\": \"linux\", \"Architecture\": \"amd64\", \"Config\": {\"Labels\": {}}}' ;;\n"
                "    *Labels*) echo '{}' ;;\n"
                "    *) echo sha256:0000 ;;\n"
                "  esac ;;\n"
                "  build|buildx) exec cat \"$BENCH_FAKE_LOG\" ;;\n"
                "esac\n")
    os.chmod(fake, 0o755)
    env = dict(bench.env, LINBUILD_ENGINE=fake, BENCH_FAKE_LOG=text)
    logs = os.path.join(folder, "logs")
    runs = 3 if not bench.quick else 1
    lb, direct = [], []
    for _ in range(runs):
        shutil.rmtree(logs, ignore_errors=True)
        lb.append(bench.runner.run(bench.linbuild_argv(folder, "--skip-base"), env, rss=True, timeout=600))
        out = os.path.join(folder, "fake-direct.log")
        direct.append(bench.runner.run([fake, "build"], env, rss=True, stdout=out, timeout=600))
        os.remove(out)
    delivered = count_lines(logs)
    shutil.rmtree(logs, ignore_errors=True)
    os.remove(text)
    failed = next((r for r in lb if r.code != 0), None)
    if failed:
        tail = "\n".join(text for _, text in failed.lines[-15:])
        raise Abort("case 4: linbuild with the printing engine failed (exit %s)%s" % (failed.code, (":\n" + tail) if tail else ""))
    lb_wall, direct_wall = median([r.seconds for r in lb]), median([r.seconds for r in direct])
    size = megabytes * 1e6
    rss = max(r.rss_mb or 0 for r in lb)
    private = max(r.anon_mb or 0 for r in lb)
    return {"megabytes": megabytes, "linbuild_wall": stats([r.seconds for r in lb]), "cat_wall": stats([r.seconds for r in direct]),
            "linbuild_mb_per_s": size / 1e6 / lb_wall, "cat_mb_per_s": size / 1e6 / direct_wall,
            "linbuild_peak_rss_mb": rss, "linbuild_private_rss_mb": private, "lines_delivered": delivered,
            "rows": [{"what": "%d MB, printing engine: linbuild" % megabytes, "wall": stats([r.seconds for r in lb]),
                      "compare": "%.0f MB/s (cat to a file: %.0f MB/s)" % (size / 1e6 / lb_wall, size / 1e6 / direct_wall),
                      "peak_rss_mb": rss, "private_rss_mb": private}]}
