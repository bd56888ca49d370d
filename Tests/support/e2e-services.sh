#!/usr/bin/env bash
# Starts (up) or stops (down) a throwaway Docker engine and two registries on loopback for the
# end-to-end suite, each with its own state under DIR:
#   - dockerd on its own unix socket and its own bridge (vfs storage, so it runs anywhere, also
#     nested; no docker0, so service sets in two folders can run side by side);
#   - an anonymous registry and one that needs a login (htpasswd);
#   - a busybox base image made locally (no image can be pulled here) as linbuild-fixture/busybox;
#   - a second dockerd listening only on a loopback TCP port (the remote-engine test), on its own
#     bridge, with the busybox image too;
#   - when podman is installed, a podman store of its own (vfs, cgroupfs) with the busybox image.
# Writes DIR/env with the addresses, which the tests read through LINBUILD_E2E_ENV.
set -euo pipefail

command=${1:-}
dir=${2:-}
[[ -n $command && -n $dir ]] || { echo "usage: $0 up|down DIR" >&2; exit 64; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

log() { echo "e2e-services: $*" >&2; }
# shellcheck source=Tests/support/service-helpers.sh
source "$(dirname "${BASH_SOURCE[0]}")/service-helpers.sh"

# start_dockerd ENGINE_DIR HOST [DOCKERD_FLAGS...]: an engine with its state under ENGINE_DIR.
start_dockerd() {
  local engine=$1 host=$2; shift 2
  mkdir -p "$engine"
  # BuildKit clips a step's log at 2 MiB by default (and this version reads -1 as 0): a 1 GiB cap
  # lets the streaming benchmark's whole output reach the client.
  BUILDKIT_STEP_LOG_MAX_SIZE=1073741824 BUILDKIT_STEP_LOG_MAX_SPEED=1073741824 \
  dockerd --data-root "$engine/data" --exec-root "$engine/exec" --pidfile "$engine/dockerd.pid" \
    --storage-driver vfs --host "$host" "$@" > "$engine/log" 2>&1 &
  wait_for 60 "dockerd on $host" env DOCKER_HOST="$host" /usr/bin/docker version || { tail -20 "$engine/log" >&2; exit 69; }
}

# stop_dockerd ENGINE_DIR: the engine, and the containerd it leaves behind when killed hard.
stop_dockerd() {
  stop_pidfile "$1/dockerd.pid"
  pkill -f "containerd --config $1/exec" 2>/dev/null || true
}


start_registry() { # start_registry NAME PORT [HTPASSWD] [DELETES]
  local name=$1 port=$2 htpasswd=${3:-} deletes=${4:-true}
  mkdir -p "$dir/$name/data"
  registry_config "$dir/$name/data" "$port" "$htpasswd" "$deletes" > "$dir/$name/config.yml"
  docker-registry serve "$dir/$name/config.yml" > "$dir/$name/log" 2>&1 &
  echo $! > "$dir/$name/pid"
  local expected=200
  [[ -z $htpasswd ]] || expected=401
  wait_for 20 "registry $name" bash -c "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/v2/ | grep -qx $expected" \
    || { tail -20 "$dir/$name/log" >&2; exit 69; }
}

# make_bridge ENGINE_DIR NAME: a bridge of its own for an engine, on a free private /24, recorded in
# ENGINE_DIR/bridge so `down` removes it. Every engine here gets one (none uses docker0), so two
# service sets in two folders (parallel worktrees) can run at once. `--bridge=none` is no way out:
# dockerd then deletes docker0 from the host, under another engine's feet. The lock keeps two `up`s
# from taking the same subnet.
make_bridge() {
  local engine=$1 bridge=$2 subnet="" candidate routes
  command -v ip >/dev/null || { log "'ip' is missing (apt-get install -y iproute2)"; return 1; }
  mkdir -p "$engine"
  exec 8>/run/linbuild-e2e-bridges.lock && flock 8
  ip link del "$bridge" 2>/dev/null || true
  # Read once: `ip route | grep -q` under pipefail fails when grep stops early, and reads as free.
  routes=$(ip -4 route)
  for candidate in $(seq 200 249 | sed 's/^/172.28./') $(seq 200 249 | sed 's/^/10.199./'); do
    grep -q "^$candidate\." <<<"$routes" || { subnet=$candidate; break; }
  done
  if [[ -z $subnet ]] || ! { ip link add name "$bridge" type bridge && ip addr add "$subnet.1/24" dev "$bridge" && ip link set "$bridge" up; }; then
    exec 8>&-; log "cannot create bridge $bridge (needs root and CAP_NET_ADMIN)"; return 1
  fi
  exec 8>&-
  echo "$bridge" > "$engine/bridge"
}

# An interface name from DIR (at most 15 characters): the same folder always gets the same names.
bridge_for() { echo "$1$(printf %s "$dir" | md5sum | cut -c1-9)"; }

# The remote-engine test needs an engine that only TCP reaches, with the busybox image too.
start_tcp_engine() {
  local engine="$dir/engine-tcp" bridge port
  bridge=$(bridge_for lbt)
  make_bridge "$engine" "$bridge" || { log "no remote-engine test"; return 0; }
  port=$(free_port)
  log "starting a second dockerd on tcp://127.0.0.1:$port only (data under $engine, bridge $bridge)"
  start_dockerd "$engine" "tcp://127.0.0.1:$port" --bridge "$bridge" --iptables=false --ip-masq=false
  /usr/bin/docker save linbuild-fixture/busybox:latest | DOCKER_HOST="tcp://127.0.0.1:$port" /usr/bin/docker load >/dev/null
  echo "LINBUILD_E2E_TCP_HOST=tcp://127.0.0.1:$port" >> "$dir/env"
}

# podman as root in its own store: vfs (runs nested), cgroupfs and a file for events (no systemd
# here), and the host's network for RUN steps (no podman bridge). The tests point CONTAINERS_CONF
# and CONTAINERS_STORAGE_CONF at these files. (`podman run` here needs lower --ulimit values than
# podman's defaults for root, which this kernel refuses; builds are not affected.)
prepare_podman() {
  command -v podman >/dev/null || { log "no podman test: podman is not installed (apt-get install -y podman)"; return 0; }
  local store="$dir/podman"
  mkdir -p "$store/tmp" "$store/networks"
  printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' "$store/root" "$store/run" > "$store/storage.conf"
  {
    echo "[containers]"
    echo 'netns = "host"'
    echo "[engine]"
    echo 'cgroup_manager = "cgroupfs"'
    echo 'events_logger = "file"'
    echo "events_logfile_path = \"$store/events.log\""
    echo "tmp_dir = \"$store/tmp\""
    echo "[network]"
    echo "network_config_dir = \"$store/networks\""
  } > "$store/containers.conf"
  log "preparing podman $(podman --version | awk '{print $3}') (store under $store)"
  /usr/bin/docker save linbuild-fixture/busybox:latest \
    | CONTAINERS_CONF="$store/containers.conf" CONTAINERS_STORAGE_CONF="$store/storage.conf" podman load -q >/dev/null \
    || { log "podman cannot load an image here; no podman test"; return 0; }
  {
    echo "LINBUILD_E2E_PODMAN_CONF=$store/containers.conf"
    echo "LINBUILD_E2E_PODMAN_STORAGE_CONF=$store/storage.conf"
  } >> "$dir/env"
}


up() {
  for tool in dockerd docker-registry busybox python3 curl; do
    command -v "$tool" >/dev/null || { log "$tool is missing: apt-get install -y docker.io docker-registry busybox-static curl"; exit 69; }
  done
  [[ -x /usr/bin/docker ]] || { log "/usr/bin/docker (Debian's docker.io client, with BuildKit built in) is missing"; exit 69; }
  down quiet

  local bridge; bridge=$(bridge_for lbe)
  make_bridge "$dir/engine" "$bridge" || exit 69
  log "starting dockerd (data under $dir/engine, bridge $bridge)"
  export DOCKER_HOST="unix://$dir/engine/docker.sock"
  start_dockerd "$dir/engine" "$DOCKER_HOST" --bridge "$bridge" --iptables=false --ip-masq=false

  local anonymous_port login_port no_delete_port
  anonymous_port=$(free_port)
  login_port=$(free_port)
  no_delete_port=$(free_port)
  # htpasswd needs bcrypt; python's crypt module has it on Debian 12.
  local password="e2e-secret-$RANDOM$RANDOM"
  python3 -W ignore - "$dir/htpasswd" "$password" <<'PY'
import crypt, sys
path, password = sys.argv[1], sys.argv[2]
with open(path, "w") as f:
    f.write("linbuild:" + crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH)) + "\n")
PY
  log "starting registries on 127.0.0.1:$anonymous_port (anonymous) and 127.0.0.1:$login_port (login)"
  start_registry registry "$anonymous_port"
  start_registry registry-login "$login_port" "$dir/htpasswd"
  log "starting a registry that refuses deletes on 127.0.0.1:$no_delete_port"
  start_registry registry-no-delete "$no_delete_port" "" false

  log "importing a busybox base image"
  local rootfs="$dir/rootfs"
  rm -rf "$rootfs"; mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/root" "$rootfs/home"
  cp "$(command -v busybox)" "$rootfs/bin/busybox"
  for applet in $("$rootfs/bin/busybox" --list); do
    [[ $applet == busybox ]] || ln -sf busybox "$rootfs/bin/$applet"
  done
  echo "root:x:0:0:root:/root:/bin/sh" > "$rootfs/etc/passwd"
  echo "root:x:0:" > "$rootfs/etc/group"
  tar -C "$rootfs" -c . | /usr/bin/docker import --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' - linbuild-fixture/busybox:latest >/dev/null
  rm -rf "$rootfs"

  cat > "$dir/env" <<ENV
DOCKER_HOST=unix://$dir/engine/docker.sock
LINBUILD_E2E_ENGINE=/usr/bin/docker
LINBUILD_E2E_REGISTRY=127.0.0.1:$anonymous_port
LINBUILD_E2E_LOGIN_REGISTRY=127.0.0.1:$login_port
LINBUILD_E2E_LOGIN_USER=linbuild
LINBUILD_E2E_LOGIN_PASSWORD=$password
LINBUILD_E2E_NO_DELETE_REGISTRY=127.0.0.1:$no_delete_port
LINBUILD_E2E_BASE_IMAGE=linbuild-fixture/busybox:latest
LINBUILD_E2E_DIR=$dir
ENV
  start_tcp_engine
  prepare_podman
  log "ready: LINBUILD_E2E_ENV=$dir/env"
}

down() {
  stop_pidfile "$dir/registry/pid"
  stop_pidfile "$dir/registry-login/pid"
  stop_pidfile "$dir/registry-no-delete/pid"
  local engine
  for engine in "$dir/engine" "$dir/engine-tcp"; do
    stop_dockerd "$engine"
    if [[ -f $engine/bridge ]]; then
      ip link del "$(cat "$engine/bridge")" 2>/dev/null || true
      rm -f "$engine/bridge"
    fi
  done
  if [[ ${1:-} != quiet ]]; then
    # vfs layers are plain folders; mounts under exec-root must go before removal.
    grep " $dir/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$dir"
    log "stopped and removed $dir"
  fi
}

case $command in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down DIR" >&2; exit 64 ;;
esac
