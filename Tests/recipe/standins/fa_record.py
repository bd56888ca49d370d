"""Shared by the Flash Attention stand-ins' setup.py files (copied next to each): what a real build
would depend on, checked and recorded. Imported by setup.py, so torch must be importable at build
time, as for the real packages (which is why they are installed with --no-build-isolation)."""
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

try:
    import torch
except ImportError as error:  # the real setup.py fails the same way
    sys.exit(f"flash-attention stand-in: torch is not importable at build time ({error}): "
             "install with --no-build-isolation into an environment that has torch")

RECORDED = ["MAX_JOBS", "NVCC_THREADS", "FLASH_ATTN_CUDA_ARCHS", "TORCH_CUDA_ARCH_LIST",
            "FLASH_ATTENTION_DISABLE_SM80", "FLASH_ATTENTION_FORCE_BUILD", "FLASH_ATTENTION_OFFLINE_BUILD",
            "CUDA_HOME", "PYTORCH_NVCC", "TORCH_EXTENSION_SKIP_NVCC_GEN_DEPENDENCIES"]


def nvcc_release():
    cuda_home = os.environ.get("CUDA_HOME") or "/usr/local/cuda"
    nvcc = shutil.which("nvcc") or os.path.join(cuda_home, "bin", "nvcc")
    if not os.path.exists(nvcc):
        sys.exit("flash-attention stand-in: nvcc not found (no CUDA toolkit in the build image)")
    out = subprocess.run([nvcc, "--version"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"release (\d+\.\d+)", out)
    return m.group(1) if m else None


def build_env(flavour, extra=None):
    env = {k: os.environ.get(k) for k in RECORDED}
    # FA 3's trimming switches (FLASH_ATTENTION_DISABLE_BACKWARD ...), whichever the build set.
    env.update({k: v for k, v in os.environ.items() if k.startswith("FLASH_ATTENTION_DISABLE_")})
    env.update({
        "flavour": flavour,
        "torch": torch.__version__,
        "torch_cuda": torch.version.cuda,
        "python": sys.version.split()[0],
        "nvcc_release": nvcc_release(),
        "build_isolation": False,
    })
    env.update(extra or {})
    return env


def write(path, env):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(env, f, indent=1, sort_keys=True)
    print("flash-attention stand-in: recorded " + json.dumps(env, sort_keys=True))


def kernels(directory, count=20):
    """A C source of COUNT generated "kernels", written into DIRECTORY and returned (relative to it)
    for the extension's sources: real compile work of a few seconds with the build image's gcc, as a
    real build's thousands of nvcc kernels are hours, so a test sees what skipping the compile saves
    (not a sleep: what it costs is the compiler's, and a compiler cache could save it)."""
    lines = ["#include <stdint.h>"]
    for i in range(count):
        lines.append(
            f"uint64_t standin_kernel_{i}(const uint64_t *x, int n) {{\n"
            f"  uint64_t acc = {i}u;\n"
            "  for (int a = 0; a < n; a++) {\n"
            "    #pragma GCC unroll 16\n"
            f"    for (int b = 0; b < 16; b++) acc = acc * 6364136223846793005u + (x[(a + b) % n] ^ ({i}u << (b % 7)));\n"
            "  }\n"
            "  return acc;\n"
            "}")
    name = "standin_kernels.c"
    with open(os.path.join(directory, name), "w") as f:
        f.write("\n".join(lines) + "\n")
    return name


def compiled(server, flavour, version, archs):
    """Tells the stand-in server SERVER (http://host:port) that this build really compiled, once its C
    work is done: GET /compiled?flavour=…&version=…&archs=…, one line of the server's request log,
    which the recipe test counts (Tests/recipe/fa-artifact.sh). An answer of any status was logged
    (the private mirror answers 401); no answer at all fails the build, so a count can never be
    short because the counter was unreachable."""
    query = urllib.parse.urlencode({"flavour": flavour, "version": version, "archs": ",".join(archs)})
    url = server.rstrip("/") + "/compiled?" + query
    try:
        urllib.request.urlopen(url, timeout=30).close()
    except urllib.error.HTTPError:
        pass
    except OSError as error:
        sys.exit(f"flash-attention stand-in: could not record the compile at {url}: {error}")
    print(f"flash-attention stand-in: compiled, recorded at {url}")
