# Functions for Tests/recipe/standins/up and down (sourced; expects $dir, $cache, $here).

log() { echo "standins: $*" >&2; }
# shellcheck source=Tests/support/service-helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../support/service-helpers.sh"

# port_for NAME: the port NAME had in this DIR before (so a second `up` keeps the env file's
# addresses), else a free one.
port_for() {
  local file="$dir/ports/$1"
  [[ -s $file ]] || free_port > "$file"
  cat "$file"
}

alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

all_up() {
  [[ -f $dir/env ]] || return 1
  alive "$dir/engine/dockerd.pid" && alive "$dir/registry/pid" && alive "$dir/http/pid" || return 1
  DOCKER_HOST="unix://$dir/engine/docker.sock" /usr/bin/docker version >/dev/null 2>&1 || return 1
  curl -sf -o /dev/null "http://127.0.0.1:$(cat "$dir/ports/registry")/v2/" || return 1
  curl -sf -o /dev/null "http://127.0.0.1:$(cat "$dir/ports/http")/simple/" || return 1
  alive "$dir/http-auth/pid" || return 1
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(cat "$dir/ports/http-auth")/simple/") == 401 ]] || return 1
}

# The engine's own bridge: its name and subnet come from DIR, so two stand-in sets (and the shared
# end-to-end engine on docker0) do not collide. No iptables rules: builds use the host's network.
bridge_name() { echo "lbr$(printf %s "$dir" | md5sum | cut -c1-9)"; }

# The engine's exec-root holds containerd's sockets, whose paths must stay under 104 bytes: a short
# folder under /run named after DIR, so DIR itself may be long (only DIR/engine/docker.sock counts).
exec_root() { echo "/run/lbr-$(printf %s "$dir" | md5sum | cut -c1-10)"; }

start_engine() {
  local engine="$dir/engine" sock="$dir/engine/docker.sock" bridge subnet=""
  if alive "$engine/dockerd.pid" && DOCKER_HOST="unix://$sock" /usr/bin/docker version >/dev/null 2>&1; then
    return 0
  fi
  stop_engine
  mkdir -p "$engine"
  bridge=$(bridge_name)
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    local a b routes
    # Read once: `ip route | grep -q` under pipefail fails when grep stops early, and reads as free.
    routes=$(ip -4 route)
    for a in 29 30 31; do
      for b in $(seq 200 249); do
        grep -q "^172\.$a\.$b\." <<<"$routes" || { subnet=172.$a.$b; break 2; }
      done
    done
    [[ -n $subnet ]] || { log "no free 172.{29,30,31}.x.0/24 for the engine's bridge"; exit 69; }
    ip link add name "$bridge" type bridge && ip addr add "$subnet.1/24" dev "$bridge" && ip link set "$bridge" up \
      || { log "cannot create bridge $bridge (needs root and CAP_NET_ADMIN)"; exit 69; }
  fi
  echo "$bridge" > "$engine/bridge"
  log "starting dockerd (overlay2, data under $engine, bridge $bridge)"
  # BuildKit clips a step's log at 2 MiB by default; the stand-in engine shows all of it.
  BUILDKIT_STEP_LOG_MAX_SIZE=1073741824 BUILDKIT_STEP_LOG_MAX_SPEED=1073741824 \
  dockerd --data-root "$engine/data" --exec-root "$(exec_root)" --pidfile "$engine/dockerd.pid" \
    --storage-driver overlay2 --host "unix://$sock" --bridge "$bridge" --iptables=false --ip-masq=false \
    > "$engine/log" 2>&1 9>&- &  # 9: up's cache lock, which the daemons must not keep
  wait_for 60 "dockerd" env DOCKER_HOST="unix://$sock" /usr/bin/docker version || { tail -20 "$engine/log" >&2; exit 69; }
  local driver
  driver=$(DOCKER_HOST="unix://$sock" /usr/bin/docker info -f '{{.Driver}}')
  [[ $driver == overlay2 ]] || { log "the engine runs $driver, not overlay2"; exit 69; }
}

stop_engine() {
  local engine="$dir/engine"
  stop_pidfile "$engine/dockerd.pid"
  # dockerd stops its containerd when it exits cleanly; one left behind has its pid file here.
  stop_pidfile "$(exec_root)/containerd/containerd.pid"
  stop_pidfile "$engine/exec/containerd/containerd.pid"  # where stand-ins before d912b7c kept it
  grep " $(exec_root)/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$(exec_root)"
  if [[ -f $engine/bridge ]]; then
    ip link del "$(cat "$engine/bridge")" 2>/dev/null || true
    rm -f "$engine/bridge"
  fi
}

start_registry() { # start_registry PORT
  local port=$1 reg="$dir/registry"
  if alive "$reg/pid" && curl -sf -o /dev/null "http://127.0.0.1:$port/v2/"; then return 0; fi
  stop_pidfile "$reg/pid"
  mkdir -p "$reg/data"
  registry_config "$reg/data" "$port" > "$reg/config.yml"
  docker-registry serve "$reg/config.yml" > "$reg/log" 2>&1 9>&- &
  echo $! > "$reg/pid"
  wait_for 20 "registry on 127.0.0.1:$port" curl -sf -o /dev/null "http://127.0.0.1:$port/v2/" || { tail -20 "$reg/log" >&2; exit 69; }
}

start_http() { # start_http PORT ROOT [NAME CREDENTIALS]: NAME (default http) with its state in DIR/NAME;
  # with CREDENTIALS (standins.py serve's file), every request needs one of them (answers 401 without)
  local port=$1 root=$2 name=${3:-http} credentials=${4:-} expected=200
  local http="$dir/$name"
  [[ -z $credentials ]] || expected=401
  mkdir -p "$http"
  ready() { [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/simple/") == "$expected" ]]; }
  if alive "$http/pid" && ready; then return 0; fi
  stop_pidfile "$http/pid"
  rm -f "$http/port"
  RECIPE_HTTP_PORT=$port python3 "$here/standins.py" serve "$root" "$root/git" "$http/port" $credentials > "$http/log" 2>&1 9>&- &
  echo $! > "$http/pid"
  wait_for 20 "HTTP server $name on 127.0.0.1:$port" ready || { tail -20 "$http/log" >&2; exit 69; }
}

# make_credentials FILE ACCEPTED: the private mirror's credentials, made once per DIR: FILE (shell
# assignments RECIPE_AUTH_USER, RECIPE_AUTH_PASSWORD, RECIPE_AUTH_TOKEN, mode 0600) and ACCEPTED
# (standins.py serve's file: the two Basic forms, user:password and a lone token). The password has
# characters a URL must percent-encode, as real ones do.
make_credentials() {
  local file=$1 accepted=$2
  [[ -s $file && -s $accepted ]] && return 0
  local password token
  password="rcp-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')@/:pw"
  token="lbtok_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  (umask 077
   printf 'RECIPE_AUTH_USER=recipe\nRECIPE_AUTH_PASSWORD=%q\nRECIPE_AUTH_TOKEN=%q\n' "$password" "$token" > "$file"
   printf 'password %s\ntoken %s\n' "$(printf '%s' "recipe:$password" | base64 -w 0)" "$(printf '%s' "$token:" | base64 -w 0)" > "$accepted")
}

# The Debian mirror apt uses on this host (deb822 or one-line sources), else deb.debian.org.
debian_mirror() {
  local uri
  uri=$(grep -hs -m1 -E '^URIs: .*/debian/?$' /etc/apt/sources.list.d/*.sources | awk '{print $2}' || true)
  [[ -n $uri ]] || uri=$(grep -hs -m1 -E '^deb +(\[[^]]*\] +)?https?://[^ ]*/debian/? +bookworm' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
                        | sed -E 's/^deb +(\[[^]]*\] +)?//' | awk '{print $1}' || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

key_of() { printf '%s' "$*" | sha256sum | cut -c1-16; }

# make_rootfs NAME INCLUDE: $cache/rootfs/NAME.tar, a Debian bookworm minbase rootfs (plus the
# INCLUDE packages), trimmed of apt lists, docs and locales; rebuilt only when its recipe changes.
make_rootfs() {
  local name=$1 include=$2 out="$cache/rootfs"
  local key; key=$(key_of "bookworm minbase $mirror $include v1")
  if [[ -f $out/$name.tar && $(cat "$out/$name.key" 2>/dev/null) == "$key" ]]; then return 0; fi
  mkdir -p "$out" "$cache/debs"
  local root="$out/$name.tmp" t=$SECONDS
  rm -rf "$root"
  log "debootstrap --variant=minbase bookworm${include:+ +$include} from $mirror (about a minute; cached in $out)"
  debootstrap --variant=minbase --cache-dir="$cache/debs" ${include:+--include="$include"} bookworm "$root" "$mirror" \
    > "$out/$name.log" 2>&1 || { tail -20 "$out/$name.log" >&2; exit 1; }
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
    "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/* "$root"/etc/resolv.conf "$root"/etc/hostname
  mkdir -p "$root/var/lib/apt/lists/partial"
  echo "deb $mirror bookworm main" > "$root/etc/apt/sources.list"
  tar --numeric-owner -C "$root" -cf "$out/$name.tar.tmp" .
  mv "$out/$name.tar.tmp" "$out/$name.tar"
  echo "$key" > "$out/$name.key"
  rm -rf "$root"
  log "rootfs $name: $(du -h "$out/$name.tar" | cut -f1) in $((SECONDS - t))s"
}

label_of() { $docker image inspect -f '{{index .Config.Labels "org.linbuild.standin"}}' "$1" 2>/dev/null || true; }

# import_image NAME TAR REF: one layer from TAR, unless REF already holds this TAR's recipe.
import_image() {
  local name=$1 tar=$2 ref=$3 key
  key=$(cat "${tar%.tar}.key")
  [[ $(label_of "$ref") == "$key" ]] && return 0
  $docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' --change "LABEL org.linbuild.standin=$key" "$tar" "$ref" >/dev/null
  log "imported $ref ($name)"
}

registry_path() { # ubuntu:22.04 -> library/ubuntu:22.04; docker.io/x/y:t -> x/y:t
  local ref=${1#docker.io/}
  [[ $ref == */* ]] || ref="library/$ref"
  echo "$ref"
}

# tag_and_push SRC ENGINE_REF REGISTRY_PATH: SRC under its real name in the engine, and in the
# stand-in registry under its real repository path (pushed only when the registry lacks it).
tag_and_push() {
  local src=$1 ref=$2 path=$3 id have
  $docker tag "$src" "$ref"
  $docker tag "$src" "$registry/$path"
  id=$($docker image inspect -f '{{.Id}}' "$src")
  have=$(curl -sf -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$registry/v2/${path%:*}/manifests/${path##*:}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])' 2>/dev/null || true)
  if [[ $have != "$id" ]]; then
    $docker push -q "$registry/$path" >/dev/null
    log "pushed $registry/$path"
  fi
}

# make_cuda_image TAG: recipe-standin/cuda:TAG = the OS rootfs + a small layer with an nvcc that
# reports TAG's release, a libcudart stub, headers and NVIDIA's environment variables. No gcc, g++
# or Python: the recipe's builder installs its own host compiler and Python (nothing says NVIDIA's
# devel image brings them), and this stand-in makes a recipe that assumes them fail.
make_cuda_image() {
  local tag=$1 ref="recipe-standin/cuda:$1" key
  [[ $tag =~ ^([0-9]+)\.([0-9]+)\.([0-9]+) ]] || { log "cannot read a CUDA version from nvidia/cuda tag $tag"; exit 1; }
  local major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]} patch=${BASH_REMATCH[3]}
  key=$(key_of "$tag $(cat "$cache/rootfs/os.key") $(sha256sum "$here/lib.sh" | cut -c1-16)")
  [[ $(label_of "$ref") == "$key" ]] && return 0
  local v="$major.$minor" build="V$major.$minor.$((patch == 0 ? 61 : 85 + patch))"
  case "$major.$minor.$patch" in 12.6.3) build=V12.6.85 ;; 12.8.0) build=V12.8.61 ;; 12.8.1) build=V12.8.93 ;; 12.4.1) build=V12.4.131 ;; esac
  local ctx="$dir/build/cuda-$tag" cuda="usr/local/cuda-$v"
  rm -rf "$ctx"; mkdir -p "$ctx/root/$cuda/bin" "$ctx/root/$cuda/lib64" "$ctx/root/$cuda/include" "$ctx/root/etc/ld.so.conf.d" "$ctx/root/usr/include"
  ln -s "cuda-$v" "$ctx/root/usr/local/cuda"
  cat > "$ctx/root/$cuda/bin/nvcc" <<NVCC
#!/bin/sh
# Stand-in nvcc (linbuild recipe test): reports the release of nvidia/cuda:$tag and compiles nothing.
for arg in "\$@"; do
  case "\$arg" in
    --version|-V) cat <<EOF
nvcc: NVIDIA (R) Cuda compiler driver
Copyright (c) 2005-2025 NVIDIA Corporation
Built on Wed_Jan_15_19:20:09_PST_2025
Cuda compilation tools, release $v, $build
Build cuda_$v.r$v/compiler.35404655_0
EOF
      exit 0 ;;
  esac
done
echo "nvcc (stand-in for CUDA $v): compiles nothing in the linbuild recipe test; called with: \$*" >&2
exit 1
NVCC
  chmod 755 "$ctx/root/$cuda/bin/nvcc"
  printf 'int cudaRuntimeGetVersion(int *v) { *v = %d; return 0; }\nint cudaGetDeviceCount(int *n) { *n = 0; return 100; }\n' \
    $((major * 1000 + minor * 10)) > "$ctx/cudart.c"
  gcc -shared -fPIC -Wl,-soname,libcudart.so.$major -o "$ctx/root/$cuda/lib64/libcudart.so.$v.$patch" "$ctx/cudart.c"
  rm "$ctx/cudart.c"
  ln -s "libcudart.so.$v.$patch" "$ctx/root/$cuda/lib64/libcudart.so.$major"
  ln -s "libcudart.so.$major" "$ctx/root/$cuda/lib64/libcudart.so"
  printf '#pragma once\n#define CUDART_VERSION %d\nint cudaRuntimeGetVersion(int *v);\n' $((major * 1000 + minor * 10)) > "$ctx/root/$cuda/include/cuda_runtime.h"
  printf '{"cuda": {"name": "CUDA SDK", "version": "%s"}}\n' "$major.$minor.$patch" > "$ctx/root/$cuda/version.json"
  echo "/usr/local/cuda/lib64" > "$ctx/root/etc/ld.so.conf.d/000_cuda.conf"
  printf '#define CUDNN_MAJOR 9\n#define CUDNN_MINOR 7\n#define CUDNN_PATCHLEVEL 0\n' > "$ctx/root/usr/include/cudnn_version.h"
  cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM recipe-standin/os:bookworm
COPY root/ /
RUN ldconfig
ENV PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64 \\
    CUDA_VERSION=$major.$minor.$patch \\
    NV_CUDNN_VERSION=9.7.0.66 \\
    NVIDIA_REQUIRE_CUDA=cuda>=$v \\
    NVIDIA_VISIBLE_DEVICES=all \\
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
LABEL maintainer="NVIDIA CORPORATION <cudatools@nvidia.com>" org.linbuild.standin=$key
CMD ["bash"]
DOCKERFILE
  DOCKER_BUILDKIT=1 $docker build -q -t "$ref" "$ctx" >/dev/null 2> "$ctx/log" || { cat "$ctx/log" >&2; exit 1; }
  log "built $ref (nvcc release $v, $build)"
}

# make_uid1000_image: recipe-standin/os-uid1000:bookworm = the OS image with a user and group of
# UID/GID 1000 named 'ubuntu', as Ubuntu's 24.04 images have: the recipe's user step must reuse
# that ID rather than fail on `useradd --uid 1000`.
make_uid1000_image() {
  local ref=recipe-standin/os-uid1000:bookworm key ctx="$dir/build/os-uid1000"
  key=$(key_of "$(cat "$cache/rootfs/os.key") uid1000 v1")
  [[ $(label_of "$ref") == "$key" ]] && return 0
  rm -rf "$ctx"; mkdir -p "$ctx"
  printf '%s\n' "FROM recipe-standin/os:bookworm" \
    "RUN groupadd --gid 1000 ubuntu && useradd --uid 1000 --gid 1000 --create-home --shell /bin/bash ubuntu" \
    "LABEL org.linbuild.standin=$key" > "$ctx/Dockerfile"
  DOCKER_BUILDKIT=1 $docker build -q -t "$ref" "$ctx" >/dev/null 2> "$ctx/log" || { cat "$ctx/log" >&2; exit 1; }
  log "built $ref (user ubuntu, UID 1000)"
}

pip_download() { # pip on the host, without this machine's pip configuration (find-links etc.)
  env -u PIP_FIND_LINKS -u PIP_CONFIG_FILE PIP_CONFIG_FILE=/dev/null \
    python3 -m pip download --disable-pip-version-check --cert /etc/ssl/certs/ca-certificates.crt "$@"
}

# make_uv_image VERSION: recipe-standin/uv:VERSION from scratch with /uv and /uvx out of PyPI's
# uv wheel of that version (the static musl build, as in astral's image).
make_uv_image() {
  local version=$1 ref="recipe-standin/uv:$1" wheel key
  mkdir -p "$cache/uv"
  wheel=$(ls "$cache/uv/uv-$version-"*musllinux*x86_64*.whl 2>/dev/null | head -1 || true)
  if [[ -z $wheel ]]; then
    log "pip download uv==$version (musllinux x86_64 wheel)"
    pip_download -q --no-deps --only-binary=:all: --platform musllinux_1_1_x86_64 --python-version 3.11 \
      --dest "$cache/uv" "uv==$version" >&2
    wheel=$(ls "$cache/uv/uv-$version-"*musllinux*x86_64*.whl | head -1)
  fi
  key=$(key_of "$(sha256sum "$wheel")")
  [[ $(label_of "$ref") == "$key" ]] && return 0
  local root="$dir/build/uv-root"
  rm -rf "$root"; mkdir -p "$root"
  python3 - "$wheel" "$root" <<'PY'
import os, sys, zipfile
wheel, root = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        base = os.path.basename(name)
        if "/scripts/" in name and base in ("uv", "uvx"):
            with open(os.path.join(root, base), "wb") as f:
                f.write(z.read(name))
            os.chmod(os.path.join(root, base), 0o755)
PY
  [[ -x $root/uv ]] || { log "no uv binary in $wheel"; exit 1; }
  tar --numeric-owner --owner=0 --group=0 -C "$root" -c uv uvx \
    | $docker import --change 'ENTRYPOINT ["/uv"]' --change "LABEL org.linbuild.standin=$key" - "$ref" >/dev/null
  rm -rf "$root"
  log "imported $ref from $(basename "$wheel")"
}

# The requirements /simple must hold: the Dockerfile's build tools (pip: the Flash Attention build's
# `pip wheel`), the stub wheels' dependencies,
# the fixture application's dependencies and extras (torch and friends excluded: they come from
# the torch index), and RECIPE_PYPI_EXTRA.
pypi_requirements() {
  python3 - "$here/../app/pyproject.toml" ${RECIPE_PYPI_EXTRA:-} <<'PY'
import os, re, sys, tomllib
# editables: what hatchling's editable build asks for besides build-system.requires (the runtime
# installs the application --editable).
reqs = ["setuptools", "wheel", "ninja", "packaging", "psutil", "einops", "pip", "editables",
        "filelock", "typing-extensions", "sympy", "networkx", "jinja2", "fsspec", "numpy", "pillow"]
skip = {"torch", "torchvision", "torchaudio", "flash-attn", "flash-attn-3"}
def from_pyproject(path):
    data = tomllib.load(open(path, "rb"))
    project = data.get("project", {})
    out = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        out += extra
    out += data.get("build-system", {}).get("requires", [])
    return out
for arg in sys.argv[1:]:
    if os.path.isfile(arg) and arg.endswith(".toml"):
        reqs += from_pyproject(arg)
    elif os.path.isfile(arg):
        reqs += [l.strip() for l in open(arg) if l.strip() and not l.startswith(("#", "-"))]
    elif not os.path.exists(arg) and not arg.endswith(".toml"):
        reqs.append(arg)
name = lambda r: re.sub(r"[-_.]+", "-", re.split(r"[<>=!~;\[ @]", r, 1)[0]).lower()
seen = []
for r in reqs:
    if name(r) not in skip and r not in seen:
        seen.append(r)
print("\n".join(seen))
PY
}

pypi_download() {
  local out="$cache/pypi" reqs key t=$SECONDS
  mkdir -p "$out/files"
  reqs=$(pypi_requirements)
  key=$(key_of "$reqs")
  if [[ $(cat "$out/key" 2>/dev/null) == "$key" ]]; then return 0; fi
  printf '%s\n' "$reqs" > "$out/requirements.txt"
  log "pip download of $(wc -l < "$out/requirements.txt") requirements and their dependencies into $out/files"
  # Wheels for the stand-in images' Python (CPython 3.11, glibc 2.36, x86_64) whatever the host's
  # Python or glibc is. If something exists only as an sdist, and the host's Python is 3.11 too,
  # the host's own pip download (which can take sdists) is the fallback.
  local platforms
  mapfile -t platforms < <(wheel_platforms | tr ' ' '\n')
  if ! pip_download -q --dest "$out/files" --only-binary=:all: --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none \
       "${platforms[@]}" -r "$out/requirements.txt" > "$out/log" 2>&1; then
    if [[ $(python3 -c 'import sys, platform; print(sys.version_info[:2] == (3, 11) and platform.machine() == "x86_64")') == True ]]; then
      log "some requirement has no cp311 manylinux wheel: falling back to the host's pip download (host Python is 3.11)"
      pip_download -q --dest "$out/files" -r "$out/requirements.txt" >> "$out/log" 2>&1 || { tail -20 "$out/log" >&2; exit 1; }
    else
      tail -20 "$out/log" >&2; exit 1
    fi
  fi
  echo "$key" > "$out/key"
  log "pip mirror: $(ls "$out/files" | wc -l) files, $(du -sb "$out/files" | cut -f1) bytes in $((SECONDS - t))s"
}

# The platform tags of the stand-in images' Python (CPython 3.11, glibc 2.36, x86_64), for pip
# download on a host whose Python or glibc may differ.
wheel_platforms() {
  local v
  printf -- '--platform %s\n' linux_x86_64 manylinux1_x86_64 manylinux2010_x86_64 manylinux2014_x86_64
  for v in $(seq 36 -1 5); do printf -- '--platform manylinux_2_%s_x86_64\n' "$v"; done
}

# What only the stand-in PyTorch index serves: an older numpy than the stand-in PyPI's (the real
# index mirrors numpy, pillow, jinja2 ... at versions of its own). $cache/torch-index-only.
INDEX_ONLY_REQUIREMENTS="numpy==2.0.2"
index_only_download() {
  local out="$cache/torch-index-only"
  [[ $(cat "$out/key" 2>/dev/null) == "$INDEX_ONLY_REQUIREMENTS" ]] && return 0
  rm -rf "$out"; mkdir -p "$out"
  # shellcheck disable=SC2046
  pip_download -q --no-deps --dest "$out" --only-binary=:all: --python-version 3.11 --implementation cp --abi cp311 \
    $(wheel_platforms) $INDEX_ONLY_REQUIREMENTS > "$out/log" 2>&1 || { tail -20 "$out/log" >&2; exit 1; }
  echo "$INDEX_ONLY_REQUIREMENTS" > "$out/key"
}

# TORCH=real: PyPI's torch, torchvision and torchaudio of each TORCH_SPECS entry and everything
# they pin (nvidia-*, triton, ...) in $cache/torch-real/pypi-<torch>/, and the three relabeled with
# the CUDA suffix the presets ask for in $cache/torch-real/local-<torch>+<suffix>/ (PyPI's linux
# wheels of torch 2.7.1 and 2.8.0 are the cu126 and cu128 builds: relabel_wheel.py says why that
# is only a rename). Several GB per torch version, downloaded once and kept in the cache.
torch_real_download() {
  local spec ver suffix channel vision audio out relabeled t wheel name version
  for spec in $TORCH_SPECS; do
    IFS=: read -r ver suffix channel vision audio <<<"$spec"
    out="$cache/torch-real/pypi-$ver"
    if [[ $(cat "$out/key" 2>/dev/null) != "$ver $vision $audio" ]]; then
      t=$SECONDS
      log "TORCH=real: pip download of PyPI's torch $ver, torchvision $vision, torchaudio $audio and their dependencies (several GB, once) into $out"
      rm -rf "$out"; mkdir -p "$out"
      # shellcheck disable=SC2046
      pip_download -q --dest "$out" --only-binary=:all: --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none \
        $(wheel_platforms) "torch==$ver" "torchvision==$vision" "torchaudio==$audio" > "$out.log" 2>&1 \
        || { tail -20 "$out.log" >&2; rm -rf "$out"; exit 1; }
      echo "$ver $vision $audio" > "$out/key"
      log "TORCH=real: $(ls "$out" | wc -l) files, $(du -sh "$out" | cut -f1) in $((SECONDS - t))s"
    fi
    relabeled="$cache/torch-real/local-$ver+$suffix"
    if [[ $(cat "$relabeled/key" 2>/dev/null) != "$(cat "$out/key") $(sha256sum "$here/relabel_wheel.py" | cut -c1-16)" ]]; then
      rm -rf "$relabeled"; mkdir -p "$relabeled"
      for name in torch torchvision torchaudio; do
        case $name in torch) version=$ver ;; torchvision) version=$vision ;; torchaudio) version=$audio ;; esac
        wheel=$(ls "$out/$name-$version-"*.whl 2>/dev/null | head -1)
        [[ -n $wheel ]] || { log "no $name $version wheel in $out"; exit 1; }
        python3 "$here/relabel_wheel.py" "$wheel" "$suffix" "$relabeled" >/dev/null
      done
      echo "$(cat "$out/key") $(sha256sum "$here/relabel_wheel.py" | cut -c1-16)" > "$relabeled/key"
      log "TORCH=real: relabeled torch $ver, torchvision $vision, torchaudio $audio as +$suffix"
    fi
  done
}

link_files() { # link_files DEST DIR...: a symlink in DEST for each file in the DIRs
  local dest=$1 d f; shift
  for d in "$@"; do
    for f in "$d"/*; do
      [[ -f $f ]] && ln -sfn "$f" "$dest/$(basename "$f")"
    done
  done
}
