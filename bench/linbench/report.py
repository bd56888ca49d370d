"""The one table the benchmark prints, and the machine it ran on."""
import os
import platform
import subprocess
import time

from .common import human_bytes, seconds


def machine(bench):
    docker = subprocess.run([bench.docker, "version", "--format", "{{.Client.Version}}/{{.Server.Version}}"], env=bench.env,
                            capture_output=True, text=True).stdout.strip()
    memory = next((int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    swift = subprocess.run(["swift", "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    swift = next((line.strip() for line in swift.split("\n") if "Swift version" in line), "?")
    return {"cpus": os.cpu_count(), "memory_gib": round(memory / 1048576, 1), "kernel": platform.release(),
            "docker_client_server": docker, "swift": swift, "python": platform.python_version(),
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def table(report):
    m = report["machine"]
    out = ["linbuild benchmarks: %s CPUs, %s GiB, Linux %s, docker %s, %s%s" % (
        m["cpus"], m["memory_gib"], m["kernel"], m["docker_client_server"], m["when"], " (--quick)" if report["quick"] else "")]
    header = ("case", "measurement", "median", "min", "max", "peak RSS", "comparison")
    rows = [header]
    for case, figures in report["results"].items():
        first = True
        for row in figures["rows"]:
            if "wall" in row and row["wall"]:
                median_, low, high = (seconds(row["wall"][k]) for k in ("median", "min", "max"))
            elif row.get("unit") == "bytes":
                median_, low, high = human_bytes(row.get("value")), "", ""
            else:
                median_, low, high = seconds(row.get("value")), "", ""
            rss = "%.1f MB" % row["peak_rss_mb"] if row.get("peak_rss_mb") else ""
            if rss and row.get("private_rss_mb"):
                rss += " (%.1f private)" % row["private_rss_mb"]
            rows.append((case if first else "", row["what"], median_, low, high, rss, row.get("compare", "")))
            first = False
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(header))]
    for index, row in enumerate(rows):
        out.append("  ".join(str(cell).ljust(widths[i]) if i < 2 or i == len(row) - 1 else str(cell).rjust(widths[i])
                             for i, cell in enumerate(row)).rstrip())
        if index == 0:
            out.append("  ".join("-" * w for w in widths))
    out.append("")
    out.append("targets:")
    for case, figures in report["results"].items():
        for target, met in figures["verdicts"]:
            out.append("  %-14s %-58s %s" % (case, target, "met" if met else "MISSED"))
    for warning in report.get("warnings", []):
        out.append("warning: " + warning)
    return "\n".join(out)
