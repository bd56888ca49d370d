#!/usr/bin/env python3
"""Helpers for Tests/recipe/standins/up: read what presets.json and docker/Dockerfile ask for, make
the stub PyTorch wheels (or serve the real ones) and the PEP 503 trees, pack the Flash Attention 2 stand-in sdist, and serve
it all (static files plus git's smart HTTP) on loopback.

Subcommands (all print or write; none reach the network):
  plan REPO                         shell assignments: CUDA_TAGS, OS_IMAGES, UV_VERSION, TORCH_SPECS, FA2_VERSIONS
  torch-index OUT SPECS DEPS_DIR INDEX_ONLY_DIR [REAL_DIR]
                                    the /whl tree under OUT: stub torch/torchvision/torchaudio wheels,
                                    or /whl-real: the real ones relabeled under REAL_DIR (TORCH=real)
  simple-index OUT URL_PREFIX DIR.. a PEP 503 tree at OUT linking to URL_PREFIX/<file> for files in DIRs
  fa2-sdist TEMPLATE VERSION OUT SERVER
                                    flash_attn-VERSION.tar.gz from the template folder; its setup.py
                                    records each compile at SERVER (GET /compiled?…)
  serve ROOT GIT_ROOT PORTFILE [CREDENTIALS]
                                    HTTP on 127.0.0.1 (a free port, written to PORTFILE); with a
                                    CREDENTIALS file (lines "FORM BASE64-OF-USER:PASSWORD"), every
                                    request needs one of them (HTTP Basic), else 401, and each one
                                    is logged as "auth FORM|none METHOD PATH STATUS"
"""
import base64
import glob
import gzip
import hashlib
import html
import io
import json
import os
import re
import shlex
import subprocess
import sys
import tarfile
import urllib.parse
import zipfile

# torch -> (torchvision, torchaudio): the pairs PyTorch publishes (pytorch.org/get-started/previous-versions).
TORCH_PAIRS = {
    "2.6.0": ("0.21.0", "2.6.0"),
    "2.7.0": ("0.22.0", "2.7.0"),
    "2.7.1": ("0.22.1", "2.7.1"),
    "2.8.0": ("0.23.0", "2.8.0"),
    "2.9.0": ("0.24.0", "2.9.0"),
    "2.9.1": ("0.24.1", "2.9.1"),
}
# cuDNN that each CUDA suffix's wheels ship (an int, as torch.backends.cudnn.version() reports it).
CUDNN = {"cu118": 90100, "cu121": 90100, "cu124": 90100, "cu126": 90501, "cu128": 91002, "cu129": 91002}
# What each stand-in wheel requires besides its torch pin (the real ones require these too, and the
# real index serves them next to torch).
TORCH_DEPS = ["filelock", "typing-extensions>=4.10.0"]
TORCHVISION_DEPS = ["numpy", "pillow!=8.3.*,>=5.3.0"]
PY_TAG = "cp311"
PLATFORM = "manylinux_2_28_x86_64"
FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def walk_strings(value, key=""):
    """(key, string) for every string leaf of a JSON value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk_strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from walk_strings(v, key)
    elif isinstance(value, str):
        yield key, value


def flash_attentions(arch):
    """An architecture's Flash Attention entries: presets allow null, one object or an array."""
    fa = arch.get("flashAttention")
    return [] if fa is None else fa if isinstance(fa, list) else [fa]


def plan(repo):
    presets = json.load(open(os.path.join(repo, "presets.json")))
    dockerfile = open(os.path.join(repo, "docker", "Dockerfile")).read()
    defaults = presets.get("defaults", {})
    archs = presets.get("architectures", {})
    cuda, os_images, uv = [], [], []

    def add(lst, v):
        if v and v not in lst:
            lst.append(v)

    add(cuda, defaults.get("nvidiaCudaTag"))
    for a in archs.values():
        add(cuda, a.get("nvidiaCudaTag"))
    # The OS and uv images: presets keys (osImage/osTag, uvVersion) first, then the Dockerfile's
    # ARG defaults (OS_IMAGE/OS_TAG, UV_VERSION), then any `ubuntu:X` / `astral-sh/uv:X` reference.
    keys = {}
    for key, s in walk_strings(presets):
        keys.setdefault(key.lower(), s)
    args = dict(re.findall(r"(?m)^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)", dockerfile))
    os_name = keys.get("osimage") or args.get("OS_IMAGE")
    os_tag = keys.get("ostag") or args.get("OS_TAG")
    if os_name and ":" in os_name.rsplit("/", 1)[-1]:
        add(os_images, os_name)
    elif os_name and os_tag:
        add(os_images, f"{os_name}:{os_tag}")
    add(uv, keys.get("uvversion") or args.get("UV_VERSION"))
    for text in [s for _, s in walk_strings(presets)] + [dockerfile]:
        for m in re.finditer(r"(?:^|[\s=\"'/])(ubuntu:[0-9][0-9.]*)", text):
            add(os_images, m.group(1))
        for m in re.finditer(r"astral-sh/uv:([0-9][0-9A-Za-z.+-]*)", text):
            add(uv, m.group(1))
    torch_specs, fa2 = [], []
    for name, a in archs.items():
        ver, suffix, channel = a.get("torchVersion"), a.get("cudaSuffix"), a.get("torchChannel", "stable")
        if not ver or not suffix:
            continue
        base = ver.split("+")[0]
        vision = a.get("torchvisionVersion") or TORCH_PAIRS.get(base, (None, None))[0]
        audio = a.get("torchaudioVersion") or TORCH_PAIRS.get(base, (None, None))[1]
        if not vision or not audio:
            print(f"standins: WARNING: no torchvision/torchaudio pair known for torch {ver} (arch {name}), "
                  f"so the stand-in index will not serve it; add it to TORCH_PAIRS in {__file__}", file=sys.stderr)
            continue
        add(torch_specs, f"{base}:{suffix}:{channel}:{vision}:{audio}")
        for fa in flash_attentions(a):
            if str(fa.get("major")) == "2" and fa.get("version"):
                add(fa2, fa["version"])
    out = {
        "CUDA_TAGS": cuda, "OS_IMAGES": os_images or ["ubuntu:22.04"], "UV_VERSION": uv[:1],
        "TORCH_SPECS": torch_specs, "FA2_VERSIONS": fa2,
    }
    for k, v in out.items():
        print(f"{k}={shlex.quote(' '.join(v))}")


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def write_wheel(out_dir, name, version, files, requires, summary):
    """A valid wheel: METADATA, WHEEL and a RECORD with every file's hash; fixed timestamps, so the
    same inputs give the same bytes (and the same sha256 in the index)."""
    tag = f"{PY_TAG}-{PY_TAG}-{PLATFORM}"
    dist = f"{name}-{version}.dist-info"
    meta = [f"Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", f"Summary: {summary}",
            "Requires-Python: >=3.9"] + [f"Requires-Dist: {r}" for r in requires]
    files = dict(files)
    files[f"{dist}/METADATA"] = "\n".join(meta) + "\n"
    files[f"{dist}/WHEEL"] = f"Wheel-Version: 1.0\nGenerator: linbuild-standin\nRoot-Is-Purelib: false\nTag: {tag}\n"
    files[f"{dist}/top_level.txt"] = name + "\n"
    record = []
    path = os.path.join(out_dir, f"{name}-{version}-{tag}.whl")
    with zipfile.ZipFile(path + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
        for arc in sorted(files):
            data = files[arc].encode()
            info = zipfile.ZipInfo(arc, FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
            record.append(f"{arc},{record_hash(data)},{len(data)}")
        record.append(f"{dist}/RECORD,,")
        info = zipfile.ZipInfo(f"{dist}/RECORD", FIXED_TIME)
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, "\n".join(record) + "\n")
    os.replace(path + ".tmp", path)
    return path


# What the stub torch, torchvision and torchaudio say when an application asks for more than they
# have (torch.nn, torch.Tensor, torchvision.transforms ...). check-image reports a module that fails
# with it as skipped in TORCH=stub mode (it needs the real torch, which TORCH=real serves) and as a
# failure in TORCH=real mode.
STUB_MARKER = "the stub torch of make recipe-test (TORCH=stub)"
STUB_SURFACE = (
    "import importlib.abc as _abc, sys as _sys\n\n\n"
    "class StubMissing(ImportError):\n"
    f"    \"\"\"Raised for what {STUB_MARKER} does not have.\"\"\"\n\n\n"
    "class _Missing(_abc.MetaPathFinder):\n"
    "    # Last on sys.meta_path: asked only for a submodule no other finder has.\n"
    "    def find_spec(self, fullname, path=None, target=None):\n"
    "        if fullname.partition('.')[0] in ('torch', 'torchvision', 'torchaudio') and '.' in fullname:\n"
    f"            raise ModuleNotFoundError('No module named %r: {STUB_MARKER} has none; TORCH=real serves the real one' % fullname, name=fullname)\n"
    "        return None\n\n\n"
    "if not any(isinstance(f, _Missing) for f in _sys.meta_path):\n"
    "    _sys.meta_path.append(_Missing())\n\n\n"
    "def missing(module, name):\n"
    "    # Dunder lookups (copy, pickle, inspect) get the usual AttributeError.\n"
    "    if name.startswith('__'):\n"
    "        raise AttributeError(name)\n"
    f"    raise StubMissing('%s.%s: {STUB_MARKER} has no such attribute; TORCH=real serves the real one' % (module, name))\n"
)


def torch_files(version, cuda, cudnn):
    return {
        "torch/_stub.py": STUB_SURFACE,
        "torch/__init__.py": (
            '"""Stand-in torch for linbuild\'s offline recipe test: no tensors, only the facts a\n'
            'non-GPU validation reads. Anything else raises torch._stub.StubMissing, which says so."""\n'
            f"__version__ = {version!r}\n"
            "from . import _stub, version, backends, cuda, utils  # noqa: E402,F401\n\n\n"
            "def __getattr__(name):\n"
            "    _stub.missing('torch', name)\n\n\n"
            "def randn(*args, **kwargs):\n"
            "    raise RuntimeError('stand-in torch has no tensors (linbuild recipe test)')\n"
        ),
        "torch/version.py": f"__version__ = {version!r}\ncuda = {cuda!r}\nhip = None\ndebug = False\ngit_version = 'standin'\n",
        "torch/backends/__init__.py": "from . import cuda, cudnn  # noqa: F401\n",
        "torch/backends/cuda.py": "def is_built():\n    return True\n",
        "torch/backends/cudnn.py": f"def version():\n    return {cudnn}\n\n\ndef is_available():\n    return True\n",
        "torch/cuda/__init__.py": (
            "def is_available():\n    return False\n\n\ndef device_count():\n    return 0\n\n\n"
            "def get_device_name(index=0):\n    raise RuntimeError('no CUDA device (stand-in torch)')\n\n\n"
            "def get_device_capability(index=0):\n    raise RuntimeError('no CUDA device (stand-in torch)')\n"
        ),
        "torch/utils/__init__.py": "",
    }


def torch_index(out, specs, deps_dir, index_only_dir, real_dir=""):
    """OUT/whl/<suffix>/ and OUT/whl/nightly/<suffix>/ (the layout of download.pytorch.org/whl):
    a project list, one page per project, and the files next to them. Real mode serves under
    OUT/whl-real/ instead: the real and the stub torch wheels have the same file names, and uv's
    cache (a BuildKit cache mount that outlives the stand-ins' mode) keys a wheel by index URL and
    file name, so one mode must never find the other's under the same URL.

    Stub mode (no REAL_DIR): the stub torch, torchvision and torchaudio, and their dependencies from
    DEPS_DIR (PyPI's files). Real mode: the real wheels relabeled with the CUDA suffix
    (REAL_DIR/local-<version>+<suffix>/) and every file their PyPI download brought
    (REAL_DIR/pypi-<version>/: nvidia-*, triton, sympy ...), as the real index hosts them too.
    Either way numpy comes only from INDEX_ONLY_DIR, an older numpy than the stand-in PyPI's: the
    real index mirrors some PyPI projects at versions of its own, and the recipe must take those
    from PyPI (the recipe test checks the base's numpy is PyPI's)."""
    trees = {}
    root = "whl-real" if real_dir else "whl"
    extra = [os.path.join(index_only_dir, n) for n in os.listdir(index_only_dir) if project_of(n)]
    for spec in specs.split():
        ver, suffix, channel, vision, audio = spec.split(":")
        cuda = f"{suffix[2:-1]}.{suffix[-1]}" if suffix.startswith("cu") else None
        cudnn = CUDNN.get(suffix, 90100)
        local = f"+{suffix}"
        for tree in (f"{root}/{suffix}", f"{root}/nightly/{suffix}"):
            d = os.path.join(out, tree)
            os.makedirs(d, exist_ok=True)
            files = trees.setdefault(tree, set(extra))
            if real_dir:
                relabeled = os.path.join(real_dir, f"local-{ver}{local}")
                downloads = os.path.join(real_dir, f"pypi-{ver}")
                for name, version in (("torch", ver), ("torchvision", vision), ("torchaudio", audio)):
                    found = glob.glob(os.path.join(relabeled, f"{name}-{version}{local}-*.whl"))
                    if not found:
                        sys.exit(f"standins: no relabeled {name} {version}{local} in {relabeled}")
                    files.update(found)
                files.update(os.path.join(downloads, n) for n in os.listdir(downloads)
                             if project_of(n) not in ("torch", "torchvision", "torchaudio", "numpy", None))
                continue
            files.add(write_wheel(d, "torch", ver + local, torch_files(ver + local, cuda, cudnn), TORCH_DEPS,
                                  "stand-in torch (linbuild recipe test)"))
            files.add(write_wheel(d, "torchvision", vision + local, {
                "torchvision/__init__.py": f"import torch  # noqa: F401\n__version__ = {vision + local!r}\n"
                                           "\n\ndef __getattr__(name):\n    torch._stub.missing('torchvision', name)\n",
                "torchvision/version.py": f"__version__ = {vision + local!r}\ncuda = {cuda!r}\n",
            }, [f"torch=={ver}"] + TORCHVISION_DEPS, "stand-in torchvision (linbuild recipe test)"))
            files.add(write_wheel(d, "torchaudio", audio + local, {
                "torchaudio/__init__.py": f"import torch  # noqa: F401\n__version__ = {audio + local!r}\n"
                                          "\n\ndef __getattr__(name):\n    torch._stub.missing('torchaudio', name)\n",
                "torchaudio/version.py": f"__version__ = {audio + local!r}\ncuda = {cuda!r}\n",
            }, [f"torch=={ver}"], "stand-in torchaudio (linbuild recipe test)"))
            # The real index also serves the wheels' own dependencies (pillow, filelock, ...).
            wanted = {normalize(re.split(r"[<>=!~;\[ ]", r)[0]) for r in TORCH_DEPS + TORCHVISION_DEPS} - {"numpy"}
            files.update(f for f in glob.glob(os.path.join(deps_dir, "*")) if project_of(os.path.basename(f)) in wanted)
    for tree, files in trees.items():
        d = os.path.join(out, tree)
        for f in files:
            link = os.path.join(d, os.path.basename(f))
            if not os.path.lexists(link):
                os.symlink(os.path.abspath(f), link)
        write_pep503(d, "/" + tree, [os.path.join(d, n) for n in os.listdir(d) if not n.endswith((".html", ".tmp")) and not os.path.isdir(os.path.join(d, n))])


def project_of(filename):
    if filename.endswith(".whl"):
        return normalize(filename.split("-")[0])
    for ext in (".tar.gz", ".zip", ".tar.bz2"):
        if filename.endswith(ext):
            return normalize(filename[: -len(ext)].rsplit("-", 1)[0])
    return None


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_pep503(out, url_prefix, files):
    """OUT/index.html (projects) and OUT/<project>/index.html (files, with #sha256=)."""
    projects = {}
    for f in files:
        p = project_of(os.path.basename(f))
        if p:
            projects.setdefault(p, []).append(f)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "index.html"), "w") as idx:
        idx.write("<!DOCTYPE html>\n<html><body>\n")
        for p in sorted(projects):
            idx.write(f'<a href="{p}/">{p}</a><br/>\n')
            os.makedirs(os.path.join(out, p), exist_ok=True)
            with open(os.path.join(out, p, "index.html"), "w") as page:
                page.write(f"<!DOCTYPE html>\n<html><body><h1>Links for {p}</h1>\n")
                for f in sorted(projects[p]):
                    name = os.path.basename(f)
                    href = f"{url_prefix}/{urllib.parse.quote(name)}#sha256={sha256_of(f)}"
                    page.write(f'<a href="{html.escape(href)}">{html.escape(name)}</a><br/>\n')
                page.write("</body></html>\n")
        idx.write("</body></html>\n")


def simple_index(out, url_prefix, dirs):
    files = []
    for d in dirs:
        files += [os.path.join(d, n) for n in os.listdir(d) if project_of(n)]
    write_pep503(out, url_prefix, files)


def fa2_sdist(template, version, out, server):
    """flash_attn-VERSION.tar.gz: the template folder with VERSION and SERVER (where setup.py records
    each compile) substituted, plus PKG-INFO."""
    base = f"flash_attn-{version}"
    path = os.path.join(out, base + ".tar.gz")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        members = {"PKG-INFO": f"Metadata-Version: 2.1\nName: flash_attn\nVersion: {version}\n"
                               "Summary: stand-in Flash Attention 2 (linbuild recipe test)\n"
                               "Requires-Python: >=3.9\nRequires-Dist: torch\nRequires-Dist: einops\n"}
        # fa_record.py (shared with the FA3 stand-in) sits next to the template folder.
        members["fa_record.py"] = open(os.path.join(os.path.dirname(os.path.abspath(template)), "fa_record.py")).read()
        for root, _, names in os.walk(template):
            for n in names:
                full = os.path.join(root, n)
                rel = os.path.relpath(full, template)
                members[rel] = open(full).read().replace("@VERSION@", version).replace("@SERVER@", server)
        for rel in sorted(members):
            data = members[rel].encode()
            info = tarfile.TarInfo(f"{base}/{rel}")
            info.size, info.mtime, info.mode = len(data), 1577836800, 0o644
            tar.addfile(info, io.BytesIO(data))
    with open(path + ".tmp", "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as gz:
            gz.write(buf.getvalue())
    os.replace(path + ".tmp", path)


def serve(root, git_root, portfile, credentials=None):
    """Static files under ROOT, and git's smart HTTP (git http-backend, read-only) for /git/;
    behind HTTP Basic credentials when a CREDENTIALS file is given (a private mirror)."""
    import http.server
    import socketserver

    accepted = {}
    if credentials:
        for line in open(credentials):
            form, _, encoded = line.strip().partition(" ")
            if encoded:
                accepted["Basic " + encoded] = form

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=root, **kw)

        def end_headers(self):
            # A private mirror's answers are revalidated every time (a client's cache may answer
            # with a 304 but always asks): its log then shows each build's use of the credentials.
            if accepted:
                self.send_header("Cache-Control", "no-cache")
            super().end_headers()

        def log_message(self, fmt, *args):
            sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

        def authorised(self):
            """True when no credentials are asked for or the request carries accepted ones; else
            answers 401 with a Basic challenge, as a private index or git server does."""
            if not accepted:
                return True
            form = accepted.get(self.headers.get("Authorization", "").strip())
            path = urllib.parse.urlsplit(self.path).path
            sys.stderr.write("auth %s %s %s %s\n" % (form or "none", self.command, path, "ok" if form else 401))
            sys.stderr.flush()
            if form:
                return True
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="linbuild stand-in mirror"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False

        def git(self):
            parsed = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().strip(), 16)
                    if size == 0:
                        self.rfile.readline()
                        break
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                body = b"".join(chunks)
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "GIT_PROJECT_ROOT": git_root, "GIT_HTTP_EXPORT_ALL": "1",
                "PATH_INFO": urllib.parse.unquote(parsed.path[len("/git"):]),
                "QUERY_STRING": parsed.query, "REQUEST_METHOD": self.command,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)), "REMOTE_ADDR": self.client_address[0],
                "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            }
            proc = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True)
            head, _, payload = proc.stdout.partition(b"\r\n\r\n")
            if not _:
                head, _, payload = proc.stdout.partition(b"\n\n")
            status, headers = 200, []
            for line in head.decode("latin-1").splitlines():
                k, _, v = line.partition(":")
                if k.lower() == "status":
                    status = int(v.strip().split()[0])
                elif k:
                    headers.append((k, v.strip()))
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            if not self.authorised():
                return
            # A stand-in Flash Attention build's record of a compile it ran (fa_record.compiled): the
            # request line in the log is the record.
            if urllib.parse.urlsplit(self.path).path == "/compiled":
                body = b"recorded\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if self.path.startswith("/git/") and ("/info/refs?service=" in self.path):
                return self.git()
            return super().do_GET()

        def do_HEAD(self):
            if self.authorised():
                super().do_HEAD()

        def do_POST(self):
            if not self.authorised():
                return
            if self.path.startswith("/git/"):
                return self.git()
            self.send_error(405)

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    port = int(os.environ.get("RECIPE_HTTP_PORT", "0"))
    httpd = Server(("127.0.0.1", port), Handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(httpd.server_address[1]))
    os.replace(portfile + ".tmp", portfile)
    httpd.serve_forever()


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "plan":
        plan(*args)
    elif cmd == "torch-index":
        torch_index(*args)
    elif cmd == "simple-index":
        simple_index(args[0], args[1], args[2:])
    elif cmd == "fa2-sdist":
        fa2_sdist(*args)
    elif cmd == "serve":
        serve(*args)
    else:
        sys.exit(__doc__)
