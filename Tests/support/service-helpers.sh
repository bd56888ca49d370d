# Shell helpers shared by the test services (Tests/support/e2e-services.sh and
# Tests/recipe/standins/): sourced, and they expect the sourcing script to define `log`.

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then log "$what did not come up within ${seconds}s"; return 1; fi
    sleep 0.2
  done
}

# stop_pidfile FILE: TERM the process it names, KILL it after 15 s, remove the file.
stop_pidfile() {
  local pidfile=$1
  [[ -f $pidfile ]] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# registry_config DATA PORT [HTPASSWD] [DELETES]: a docker-registry config.yml on stdout, storage
# under DATA; deletes are enabled unless DELETES is `false` (a registry that refuses them, for prune)
# (deletes allowed), on 127.0.0.1:PORT, behind an htpasswd login when HTPASSWD is given.
registry_config() {
  local data=$1 port=$2 htpasswd=${3:-} deletes=${4:-true}
  printf 'version: 0.1\nlog: {level: warn}\nstorage:\n  filesystem: {rootdirectory: %s}\n  delete: {enabled: %s}\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$data" "$deletes" "$port"
  [[ -z $htpasswd ]] || printf 'auth:\n  htpasswd: {realm: linbuild-e2e, path: %s}\n' "$htpasswd"
}
