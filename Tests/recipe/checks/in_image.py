"""The Python scripts check-image runs inside the images (python -c SCRIPT, no network). Each prints
one JSON value on its last line. They find the application from /opt/linnaeus/pyproject.toml and
what its installation put in the venv, and never name an architecture."""

# The application's top-level modules: its distribution's top_level.txt (setuptools, editable or
# not), else what its RECORD installs, and for an editable install through a .pth file, the
# packages in the folders that file adds to sys.path (pdm-backend, hatchling, flit).
APP_TOP_LEVEL = r"""
import importlib.metadata as md, os, re, tomllib
ROOT = "/opt/linnaeus"
NOT_APP = {"tests", "test", "docs", "doc", "examples"}


def app_top_level():
    name = tomllib.load(open(ROOT + "/pyproject.toml", "rb"))["project"]["name"]
    dist = md.distribution(name)
    top = set()
    text = dist.read_text("top_level.txt")
    if text:
        top = {line.strip() for line in text.splitlines() if line.strip()}
    for f in dist.files or []:
        first = f.parts[0]
        if first.endswith(".pth"):
            for line in open(f.locate()).read().splitlines():
                folder = line.strip()
                if folder and not folder.startswith(("#", "import")) and os.path.isdir(folder):
                    top |= {e for e in os.listdir(folder) if os.path.isfile(os.path.join(folder, e, "__init__.py"))}
            continue
        if text or first.endswith((".dist-info", ".data")) or first in ("..", "__pycache__") or first.startswith("__editable__"):
            continue
        top.add(first[:-3] if first.endswith(".py") else first)
    return name, sorted(t for t in top if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", t) and t not in NOT_APP)
"""

# Imports every module of the application (its top-level packages and their submodules), and
# reports each failure with its exception, message and, for a missing module, its name.
APP_MODULES = APP_TOP_LEVEL + r"""
import importlib, json, pkgutil
name, top = app_top_level()
modules, failed = [], {}


def attempt(module):
    try:
        imported = importlib.import_module(module)
        modules.append(module)
        return imported
    except BaseException as e:
        failed[module] = {"type": type(e).__name__, "message": str(e), "missing": getattr(e, "name", None)
                          if isinstance(e, ModuleNotFoundError) else None}


for t in top:
    package = attempt(t)
    for info in pkgutil.walk_packages(getattr(package, "__path__", []), t + "."):
        leaf = info.name.split(".")[-1]
        if leaf in ("__main__", "tests", "test", "conftest") or ".tests." in info.name or leaf.startswith("test_"):
            continue
        attempt(info.name)
print(json.dumps({"name": name, "top": top, "modules": modules, "failed": failed}))
"""

ENTRY_POINTS = APP_TOP_LEVEL + r"""
import importlib.metadata as md, json, tomllib
name = tomllib.load(open(ROOT + "/pyproject.toml", "rb"))["project"]["name"]
loaded, failed = [], {}
for ep in md.distribution(name).entry_points:
    if ep.group != "console_scripts":
        continue
    try:
        ep.load()
        loaded.append(ep.name)
    except BaseException as e:
        failed[ep.name] = {"type": type(e).__name__, "message": str(e), "missing": getattr(e, "name", None)
                           if isinstance(e, ModuleNotFoundError) else None}
print(json.dumps({"loaded": loaded, "failed": failed}))
"""

# Where `import <top>` resolves from three working directories (a child Python each, so '' on
# sys.path is each one's own), and whether site-packages holds a copy of any of it.
CODE_ONCE = APP_TOP_LEVEL + r"""
import json, subprocess, sys, sysconfig
name, top = app_top_level()
probe = "import importlib.util as u, json, os, sys; print(json.dumps({t: (lambda s: s and os.path.realpath(s.origin or list(s.submodule_search_locations)[0]))(u.find_spec(t)) for t in sys.argv[1:]}))"
where = {}
for cwd in ("/", "/tmp", ROOT):
    done = subprocess.run([sys.executable, "-c", probe] + top, cwd=cwd, capture_output=True, text=True)
    where[cwd] = json.loads(done.stdout) if done.returncode == 0 else {"error": done.stderr[-300:]}
site = sysconfig.get_paths()["purelib"]
copies = [p for t in top for p in (os.path.join(site, t), os.path.join(site, t + ".py")) if os.path.exists(p)]
print(json.dumps({"top": top, "where": where, "copies": copies}))
"""

# Every .py under /opt/linnaeus and whether its bytecode is there (nothing is imported).
BYTECODE = r"""
import importlib.util as u, json, os
ROOT = "/opt/linnaeus"
sources, missing = 0, []
for folder, dirs, files in os.walk(ROOT):
    dirs[:] = [d for d in dirs if d != "__pycache__"]
    for f in files:
        if f.endswith(".py"):
            sources += 1
            path = os.path.join(folder, f)
            if not os.path.exists(u.cache_from_source(path)):
                missing.append(os.path.relpath(path, ROOT))
print(json.dumps({"sources": sources, "missing": sorted(missing)}))
"""

# Which of the commit's tracked files (one per line on standard input) are in /opt/linnaeus.
TRACKED_FILES = r"""
import json, os, sys
names = [line for line in sys.stdin.read().split("\n") if line]
print(json.dumps([n for n in names if not os.path.lexists(os.path.join("/opt/linnaeus", n))]))
"""

PACKAGES = r"""
import importlib.metadata as md, hashlib, json
out = {}
for d in md.distributions():
    name = d.metadata["Name"].lower().replace("_", "-")
    record = d.read_text("RECORD") or ""
    out[name] = [d.version, hashlib.sha256(record.encode()).hexdigest()[:16]]
print(json.dumps(out))
"""

# A real torch at work, as the runtime's user, without a GPU: a tensor operation, and
# torch.compile of a small function (Inductor compiles C++ for the CPU with the base's g++).
REAL_TORCH = r"""
import json, os, time, torch
x = torch.arange(6, dtype=torch.float32).reshape(2, 3)
product = (x @ x.T).tolist()
assert product == [[5.0, 14.0], [14.0, 50.0]], product


def f(a, b):
    return torch.sin(a) ** 2 + torch.cos(a) ** 2 + b * 2


started = time.monotonic()
compiled = torch.compile(f)
got = compiled(x, x)
assert torch.allclose(got, 1 + 2 * x), got.tolist()
from torch._inductor import config
print(json.dumps({"torch": torch.__version__, "matmul": product, "compiled": got.tolist(), "compile_seconds": round(time.monotonic() - started, 1),
                  "cxx": config.cpp.cxx, "cuda_available": torch.cuda.is_available(), "uid": os.getuid()}))
"""

# Every Flash Attention API the presets promise (JSON list of [major, version] in argv[1]) imports,
# at that version, and none beyond them.
FLASH_ATTENTION_APIS = r"""
import importlib.metadata as md, importlib.util as u, json, sys
promised = json.loads(sys.argv[1])
result = {"imported": [], "problems": []}
apis = {2: ("flash_attn", "flash_attn", "from flash_attn import flash_attn_func"),
        3: ("flash_attn_interface", "flash_attn_3", "from flash_attn_interface import flash_attn_func")}
for major, (module, dist, statement) in apis.items():
    version = next((v for m, v in promised if m == major), None)
    present = u.find_spec(module) is not None
    if version is None:
        if present:
            result["problems"].append("%s is installed, but presets promise no Flash Attention %d" % (module, major))
        continue
    try:
        exec(statement, {})
        installed = md.version(dist)
        if installed != version:
            result["problems"].append("%s %s, presets say %s" % (dist, installed, version))
        result["imported"].append("%s (%s %s)" % (statement, dist, installed))
    except BaseException as e:
        result["problems"].append("%s: %s: %s" % (statement, type(e).__name__, e))
unknown = [m for m, _ in promised if m not in apis]
if unknown:
    result["problems"].append("check-image knows no API of Flash Attention %s" % unknown)
print(json.dumps(result))
"""

# The build environment each Flash Attention stand-in recorded (flash_attn/_build_env.json,
# flash_attn_3/_build_env.json), by major.
BUILD_ENV = r"""
import importlib.util as u, json, os
found = {}
for major, module in (("2", "flash_attn"), ("3", "flash_attn_3")):
    spec = u.find_spec(module)
    if spec is None:
        continue
    path = os.path.join(list(spec.submodule_search_locations)[0], "_build_env.json")
    found[major] = json.load(open(path)) if os.path.exists(path) else None
print(json.dumps(found))
"""

NUMPY = r"""
import importlib.metadata as md, json
print(json.dumps({d: md.version(d) for d in ("numpy", "torch", "torchvision", "torchaudio")}))
"""

# The base's compiler, as the runtime's user: a C extension against Python.h built the way Triton
# builds its launcher (cc -shared -fPIC) and imported, and a C++ program with OpenMP as Inductor
# builds its CPU kernels (g++ -fopenmp); and no CUDA compiler or development tree.
COMPILER = r"""
set -e
cd "$(mktemp -d)"
include="$(python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
suffix="$(python -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
printf '#include <Python.h>\nstatic struct PyModuleDef m = {PyModuleDef_HEAD_INIT, "probe", NULL, -1, NULL};\nPyMODINIT_FUNC PyInit_probe(void) { return PyModule_Create(&m); }\n' > probe.c
cc -O2 -shared -fPIC -I"$include" probe.c -o "probe$suffix"
python -c 'import probe; print("c extension:", probe.__file__)'
printf '#include <omp.h>\n#include <cstdio>\nint main() { int n = 0;\n#pragma omp parallel reduction(+:n)\n  n += 1;\n  std::printf("openmp threads: %%d\\n", n); return n > 0 ? 0 : 1; }\n' > omp.cpp
g++ -O2 -fopenmp omp.cpp -o omp
./omp
echo "$(cc --version | head -1); $(g++ --version | head -1)"
"""

# What the base must not hold (run as root, who can look everywhere): a CUDA compiler or
# development tree, pip's or uv's caches.
NOT_IN_BASE = r"""
for c in nvcc clang; do if command -v "$c" >/dev/null; then echo "FOUND $c"; fi; done
for d in /usr/local/cuda /usr/include/cuda_runtime.h /usr/include/cudnn.h; do if [ -e "$d" ]; then echo "FOUND $d"; fi; done
for d in /root/.cache/pip /root/.cache/uv /home/linnaeus/.cache/pip /home/linnaeus/.cache/uv /tmp/uv-cache; do if [ -e "$d" ]; then echo "FOUND cache $d"; fi; done
true
"""
