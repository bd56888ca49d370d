"""7. Preflight: linbuild preflight --arch all against a slow package index stand-in."""
import json
import os
import subprocess
import sys
import urllib.request

from ..common import ROOT, Abort, check, median, stats


def run(bench):
    """7. Preflight: linbuild preflight --arch all (3 archs: images, 3 PyTorch pages per CUDA suffix,
    flash-attn, FA3 at its pinned commit) against a package index that takes DELAY to answer each page."""
    delay_ms = 300
    folder, _, namespace = bench.project("preflight")
    wheels = lambda project, versions: ["%s-%s-cp311-cp311-manylinux_2_28_x86_64.whl" % (project, v) for v in versions]
    tree = {"whl/cu126": {"torch": wheels("torch", ["2.7.0+cu126", "2.7.1+cu126"]), "torchvision": wheels("torchvision", ["0.22.1+cu126"]),
                          "torchaudio": wheels("torchaudio", ["2.7.1+cu126"])},
            "whl/cu128": {"torch": wheels("torch", ["2.8.0+cu128"]), "torchvision": wheels("torchvision", ["0.23.0+cu128"]),
                          "torchaudio": wheels("torchaudio", ["2.8.0+cu128"])},
            "simple": {"flash-attn": ["flash_attn-2.7.4.post1.tar.gz"]}}
    with open(os.path.join(folder, "index.json"), "w") as f:
        json.dump(tree, f)
    with open(os.path.join(folder, "presets.json")) as f:
        matrix = json.load(f)
    fa = os.path.join(folder, "flash-attention")
    check(["git", "init", "-q", "-b", "main", fa], bench.env)
    bench.commit(fa, "fa")
    fa_commit = subprocess.run(["git", "-C", fa, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    pairs = lambda torch, vision, audio: {"torchVersion": torch, "torchvisionVersion": vision, "torchaudioVersion": audio}
    matrix["architectures"] = {
        "ampere": dict(pairs("2.7.1", "0.22.1", "2.7.1"), torchChannel="stable", cudaSuffix="cu126", cudaArchList="8.0;8.6",
                       flashAttention={"version": "2.7.4.post1", "major": 2}),
        "turing": dict(pairs("2.7.1", "0.22.1", "2.7.1"), torchChannel="stable", cudaSuffix="cu126", cudaArchList="7.5", flashAttention=None),
        "hopper": dict(pairs("2.8.0", "0.23.0", "2.8.0"), torchChannel="stable", cudaSuffix="cu128", cudaArchList="9.0",
                       flashAttention={"version": "3.0.0", "major": 3, "commit": fa_commit})}
    matrix["defaults"]["arch"] = "ampere"
    with open(os.path.join(folder, "presets.json"), "w") as f:
        json.dump(matrix, f)
    # The recipe's image and Python ARGs, which preflight reads (`${OS_IMAGE}:${OS_TAG}`, ...).
    with open(os.path.join(folder, "Dockerfile")) as f:
        dockerfile = f.read()
    with open(os.path.join(folder, "Dockerfile"), "w") as f:
        f.write("ARG OS_IMAGE=ubuntu\nARG OS_TAG=22.04\nARG UV_IMAGE=ghcr.io/astral-sh/uv\nARG UV_VERSION=0.7.2\nARG PYTHON_VERSION=3.11\n" + dockerfile)
    images = {}
    for name, tag in (("cuda", "bench"), ("os", "22.04"), ("uv", "0.7.2")):
        images[name] = "%s/%s/%s:%s" % (bench.registry, namespace, name, tag)
        check([bench.docker, "tag", bench.busybox, images[name]], bench.env)
        check([bench.docker, "push", images[name]], bench.env)
    index = subprocess.Popen([sys.executable, os.path.join(ROOT, "Tests/support/index-standin.py"), os.path.join(folder, "index.json")],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        root = "http://127.0.0.1:%s/slow-%d" % (index.stdout.readline().strip(), delay_ms)
        stats_url = root.rsplit("/", 1)[0] + "/_stats"
        def counters():
            with urllib.request.urlopen(stats_url, timeout=10) as answer:
                return json.load(answer)
        env = dict(bench.env, LINBUILD_NO_PREFLIGHT="", LINBUILD_TORCH_INDEX=root + "/whl", LINBUILD_PYPI_INDEX=root + "/simple",
                   LINBUILD_CUDA_IMAGE=images["cuda"].rsplit(":", 1)[0], LINBUILD_OS_IMAGE=images["os"].rsplit(":", 1)[0],
                   LINBUILD_UV_IMAGE=images["uv"].rsplit(":", 1)[0],
                   LINBUILD_FA3_GIT=fa)
        argv = [bench.linbuild, "preflight", "--presets", os.path.join(folder, "presets.json"), "--arch", "all", "--probe-timeout", "10"]
        n = 3 if bench.quick else 10
        results, requests, connections = [], [], []
        for _ in range(n):
            before = counters()
            result = bench.runner.run(argv, env, stdout="pipe")
            after = counters()
            if result.code != 0:
                raise Abort("linbuild preflight failed (exit %s): %s" % (result.code, (result.stdout or "")[-2000:]))
            results.append(result)
            requests.append(after["requests"] - before["requests"])
            connections.append(after["connections"] - before["connections"])
    finally:
        index.kill()
        index.wait()
    wall = stats([r.seconds for r in results])
    lines = [line for line in (results[-1].stdout or "").split("\n") if line.startswith("preflight [")]
    serial = median(requests) * delay_ms / 1000
    rows = [{"what": "preflight --arch all (3 archs, %d inputs)" % len(lines), "wall": wall, "cpu": stats([r.cpu for r in results]),
             "compare": "%d requests on %d connections; one at a time: >= %.1f s" % (median(requests), median(connections), serial)}]
    verdicts = [("all archs under 3 s (index answers in %d ms)" % delay_ms, wall["median"] < 3.0),
                ("each index page asked once", median(requests) == 7),
                ("every input reported present", len(lines) == 20 and all(" present " in line for line in lines))]
    bench.results["7 preflight"] = {"rows": rows, "requests": median(requests), "connections": median(connections),
                                   "index_delay_ms": delay_ms, "verdicts": verdicts}
