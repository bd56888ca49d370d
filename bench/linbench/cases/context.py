"""3. Context: the bytes sent to the engine, beside the whole folder build.sh sent."""
import os
import re

from ..common import BENCH, Abort, check, human_bytes


def run(bench):
    """3. Context: bytes sent to the engine with a 500 MB untracked folder and a large .git."""
    folder, source, namespace = bench.project("context")
    data_mb = 20 if bench.quick else 500
    history_mb = 8 if bench.quick else 100
    os.makedirs(os.path.join(source, "data"))
    chunk = os.urandom(1 << 20)
    with open(os.path.join(source, "data", "train-shard-000.bin"), "wb") as f:
        for i in range(data_mb):
            f.write(chunk[i % 1024:] + chunk[:i % 1024])  # distinct megabytes, no dedup anywhere
    with open(os.path.join(source, ".gitignore"), "w") as f:
        f.write("/data/\n")
    # A large .git: a checkpoint committed once and deleted (the history keeps it).
    with open(os.path.join(source, "checkpoint.pt"), "wb") as f:
        f.write(os.urandom(history_mb << 20))
    bench.commit(source, "add a checkpoint")
    os.remove(os.path.join(source, "checkpoint.pt"))
    sha = bench.commit(source, "drop the checkpoint")
    tracked = sum(int(line.split()[3]) for line in check(["git", "-C", source, "ls-tree", "-r", "-l", sha], bench.env)
                  .stdout.splitlines() if line.split()[3].isdigit())
    git_bytes = bench.size_of(os.path.join(source, ".git"))
    folder_bytes = bench.size_of(source)

    result = bench.linbuild_run(folder, lines=True)
    linbuild_log = "\n".join(text for _, text in result.lines)
    original = bench.runner.run([os.path.join(BENCH, "original-build.sh"), source, os.path.join(folder, "Dockerfile"),
                                "%s/%s" % (bench.registry, namespace)], bench.env,
                               stdout=os.path.join(folder, "original.log"), timeout=900)
    if original.code != 0:
        raise Abort("original-build.sh failed in the context case")
    with open(os.path.join(folder, "original.log"), errors="replace") as f:
        original_log = f.read()
    sent_linbuild = context_bytes(linbuild_log)
    sent_original = context_bytes(original_log)
    image = "%s/%s/bench-dev:%s-arch0" % (bench.registry, namespace, sha[:12])
    listing = check([bench.docker, "run", "--rm", "--network", "none", image, "ls", "-a", "/app"], bench.env).stdout.split()
    clean = not any(name in listing for name in (".git", "data", "checkpoint.pt"))
    rows = [{"what": "linbuild: bytes sent", "value": sent_linbuild, "unit": "bytes",
             "compare": "tracked files: %s" % human_bytes(tracked)},
            {"what": "whole folder (build.sh): bytes sent", "value": sent_original, "unit": "bytes",
             "compare": "%.0fx linbuild" % (sent_original / max(sent_linbuild or 1, 1)) if sent_original else "?"},
            {"what": "linbuild wall time", "value": result.seconds, "unit": "s"},
            {"what": "build.sh wall time (base + runtime)", "value": original.seconds, "unit": "s",
             "compare": "%.1fx linbuild" % (original.seconds / result.seconds)}]
    ok = bool(sent_linbuild) and sent_linbuild < 2 * tracked + 64 * 1024 and clean
    verdicts = [("sends only the commit's tracked files", ok)]
    bench.results["3 context"] = {"rows": rows, "untracked_data_bytes": data_mb << 20, "git_folder_bytes": git_bytes,
                                 "source_folder_bytes": folder_bytes, "tracked_bytes": tracked,
                                 "linbuild_sent_bytes": sent_linbuild, "whole_folder_sent_bytes": sent_original,
                                 "image_app_listing": listing, "verdicts": verdicts}


def context_bytes(text):
    """BuildKit's 'transferring context: 524.29MB' lines (the build context), in bytes: the last
    figure of the largest transfer."""
    units = {"B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9}
    sizes = [float(n) * units[u] for n, u in re.findall(r"transferring context: ([\d.]+)([kKMG]?B)", text)]
    return max(sizes) if sizes else None
