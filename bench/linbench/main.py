"""The command line: which cases run, how often, and where the figures go."""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

from .cases import CASES
from .common import BENCH, TIME, Abort, Runner, log
from .harness import Bench
from .report import machine, table


def main(doc):
    parser = argparse.ArgumentParser(description=doc.split("\n")[0], usage=doc.split("\n\n")[1].split(": ", 1)[1])
    parser.add_argument("--quick", action="store_true", help="small sizes, few runs: a smoke check of the harness (CI)")
    parser.add_argument("--runs", type=int, help="runs for iteration and base check (default 5; 1 with --quick); plan and matrix are fixed")
    parser.add_argument("--only", help="comma list of cases: " + ",".join(CASES))
    parser.add_argument("--baseline", help="case 1 (plan): another linbuild binary measured beside this one, e.g. main's")
    parser.add_argument("--json", help="where the figures go (bench/results/latest.json; quick.json with --quick)")
    args = parser.parse_args()
    args.json = args.json or os.path.join(BENCH, "results", "quick.json" if args.quick else "latest.json")
    chosen = args.only.split(",") if args.only else CASES
    unknown = [c for c in chosen if c not in CASES]
    if unknown:
        parser.error("unknown case(s): %s (choose from %s)" % (", ".join(unknown), ", ".join(CASES)))
    for tool in ("git", "tar", "make"):
        if not shutil.which(tool):
            sys.exit("bench: %s is missing (apt-get install -y %s)" % (tool, tool))
    if not os.access(TIME, os.X_OK) and os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing GNU time for peak-RSS figures (apt-get install -y time)")
        subprocess.run(["apt-get", "install", "-y", "-qq", "time"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    bench = Bench(args)

    def stop(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    report = None
    try:
        bench.engine()
        bench.build_linbuild()
        for name in chosen:
            log("case %s" % name)
            started = time.perf_counter()
            CASES[name](bench)
            log("case %s done in %.0f s" % (name, time.perf_counter() - started))
        if not Runner().time:
            bench.warnings.append("no /usr/bin/time: the peak-RSS figures are the processes' own (VmHWM) only")
        report = {"command": " ".join(["bench/run"] + sys.argv[1:]), "quick": args.quick, "runs": bench.runs,
                  "machine": machine(bench), "results": bench.results, "warnings": bench.warnings}
    except Abort as error:
        log("error: %s" % error)
        status = 1
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        status = 130
    finally:
        log("cleaning up (images, build cache records, registry tags, %s)" % bench.work)
        bench.cleanup()
    if report is None:
        return status
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(report, f, indent=2, default=str)
    print(table(report))
    print("\nfigures: %s" % args.json)
    return status
