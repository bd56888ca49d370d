# The private-mirror mode of Tests/recipe/run (--auth, make recipe-test RECIPE_AUTH=1). Sourced by
# it after the stand-ins' env file and DIR/auth/credentials; uses its $work, $linbuild, $common,
# $namespace and say().

# The PyTorch index's tree the stand-ins serve for this run's torch mode: /whl (stub) or /whl-real.
torch_tree=${RECIPE_TORCH_INDEX##*/}

urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

# auth_setup: the three locations with their credentials in LINBUILD_*, the same without them, a
# ~/.netrc, and the needles (every form the credentials could take, in a file) for the scan. Proves
# on the host that the mirror refuses each location without credentials and serves it with them.
auth_setup() {
  local host=${RECIPE_AUTH_HTTP#http://} encoded basic_password basic_token
  encoded=$(urlencode "$RECIPE_AUTH_PASSWORD")
  plain_pypi=http://$host/simple
  plain_torch=http://$host/$torch_tree
  plain_git=http://$host/git/flash-attention.git
  export LINBUILD_PYPI_INDEX="http://$RECIPE_AUTH_USER:$encoded@$host/simple"
  export LINBUILD_TORCH_INDEX="http://$RECIPE_AUTH_TOKEN@$host/$torch_tree"
  export LINBUILD_FA3_GIT="http://$RECIPE_AUTH_TOKEN@$host/git/flash-attention.git"
  basic_password=$(printf '%s' "$RECIPE_AUTH_USER:$RECIPE_AUTH_PASSWORD" | base64 -w 0)
  basic_token=$(printf '%s' "$RECIPE_AUTH_TOKEN:" | base64 -w 0)
  # The user's own credentials for the mirror's host (a ~/.netrc of a HOME of its own, as a
  # developer's machine has): nothing may copy them into a build either.
  local netrc_password
  netrc_password="netrc-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  mkdir -p "$work/home"
  (umask 077; printf 'machine 127.0.0.1 login netrc-user password %s\n' "$netrc_password" > "$work/home/.netrc")
  export HOME=$work/home
  needles=$work/needles
  (umask 077
   printf '%s %s\n' password "$RECIPE_AUTH_PASSWORD" password-percent-encoded "$encoded" token "$RECIPE_AUTH_TOKEN" \
     user-and-password "$RECIPE_AUTH_USER:$RECIPE_AUTH_PASSWORD" basic-header-user-and-password "$basic_password" \
     basic-header-token "$basic_token" netrc-password "$netrc_password" > "$needles")
  local status
  for url in "$plain_pypi/" "$plain_torch/"; do
    status=$(curl -s -o /dev/null -w '%{http_code}' "$url")
    [[ $status == 401 ]] || { say "the private mirror answers $url with $status without credentials, not 401"; exit 1; }
  done
  [[ $(curl -s -o /dev/null -w '%{http_code}' -u "$RECIPE_AUTH_USER:$RECIPE_AUTH_PASSWORD" "$plain_pypi/") == 200 ]] \
    || { say "the private mirror refuses $plain_pypi/ with its user and password"; exit 1; }
  [[ $(curl -s -o /dev/null -w '%{http_code}' -u "$RECIPE_AUTH_TOKEN:" "$plain_torch/") == 200 ]] \
    || { say "the private mirror refuses $plain_torch/ with its token"; exit 1; }
  if GIT_TERMINAL_PROMPT=0 GIT_ASKPASS=/bin/false git ls-remote "$plain_git" >/dev/null 2>&1; then
    say "the private mirror lets git ls-remote $plain_git through without credentials"; exit 1
  fi
  GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0="http.http://$host/.extraHeader" GIT_CONFIG_VALUE_0="Authorization: Basic $basic_token" \
    git ls-remote "$plain_git" >/dev/null || { say "the private mirror refuses git ls-remote $plain_git with its token"; exit 1; }
  say "private mirror $RECIPE_AUTH_HTTP: /simple, /whl and /git answer 401 without credentials and serve them with them"
  say "PYPI_INDEX carries a user and a percent-encoded password; TORCH_INDEX and FA3_GIT a lone token"
}

# auth_refused ARCH: a build of ARCH from the mirror without credentials must fail, refused by it.
auth_refused() {
  local a=$1 before status
  before=$(grep -c '^auth none ' "$RECIPE_AUTH_LOG" || true)
  set +e
  LINBUILD_PYPI_INDEX=$plain_pypi LINBUILD_TORCH_INDEX=$plain_torch LINBUILD_FA3_GIT=$plain_git \
    "$linbuild" "${common[@]}" --no-preflight --log-dir "$work/logs-$a-refused" > "$work/refused-$a.txt" 2>&1
  status=$?
  set -e
  local refused=$(($(grep -c '^auth none ' "$RECIPE_AUTH_LOG" || true) - before))
  if [[ $status != 1 ]] || ((refused == 0)); then
    say "$a: a build without credentials ended with exit $status and $refused refused request(s); it must fail (exit 1), refused by the mirror:"
    tail -n 30 "$work/refused-$a.txt" >&2
    return 1
  fi
  say "$a: without credentials the build failed as it must (exit 1; the mirror refused $refused request(s): $(grep '^auth none ' "$RECIPE_AUTH_LOG" | tail -n 1))"
  auth_log_mark=$(wc -l < "$RECIPE_AUTH_LOG")
}

# auth_used FORM METHOD PATH-PREFIX: the mirror's log, since this arch's credentialed build began,
# shows a request for PATH-PREFIX… accepted with credentials of FORM.
auth_used() {
  # Read whole, then searched: `tail | grep -q` under pipefail fails when grep stops early.
  local served
  served=$(tail -n +"$((auth_log_mark + 1))" "$RECIPE_AUTH_LOG" | grep '^auth ' || true)
  grep -q -E "^auth $1 $2 $3[^ ]* ok$" <<<"$served" && return 0
  say "the private mirror never served $2 $3… with the $1 credentials during this build: they did not reach the step; it served:"
  awk '{print $2, $3, $4, $5}' <<<"$served" | sed -E 's#^([^ ]+ [^ ]+ /[^/ ]+/)[^ ]*#\1…#' | sort | uniq -c >&2
  return 1
}

# auth_scan ARCH: each location's credentials reached the build, and no credential is
# in any image of the run (history, inspect, layers), the registry, BuildKit's uv cache mount, or
# linbuild's logs, plan, dry-run and output. Every check runs, so a failure says all that is wrong.
auth_scan() {
  local a=$1 fa_commit fa_version status=0
  read -r fa_commit fa_version < <(python3 -c 'import json, sys; a = json.load(open(sys.argv[1]))["targets"][0]["baseArguments"]; print(a.get("FA_COMMIT") or "-", a.get("FA_VER") or "-")' "$work/plan-$a.json")
  auth_used password GET /simple/ || status=1
  auth_used token GET "/$torch_tree/" || status=1
  # An arch may get FA 2 (its sdist from /simple), FA 3 (the git clone) or both (hopper).
  local served="/simple with the user and password" by_token="/$torch_tree"
  if [[ " $fa_version " == *" 2."* ]]; then
    auth_used password GET /files/flash_attn- || status=1
    served+=" (Flash Attention 2's sdist too)"
  fi
  if [[ $fa_commit != - ]]; then
    auth_used token POST /git/flash-attention.git/git-upload-pack || status=1
    auth_used token POST /git/cutlass.git/git-upload-pack || status=1
    by_token+=" and the FA3 clone (and its cutlass submodule)"
  fi
  ((status)) || say "$a: the mirror served $served, $by_token with the token"
  # The dry-run script reads each secret from its variable.
  "$linbuild" "${common[@]}" --dry-run > "$work/dry-run-$a.sh"
  grep -q '"$LINBUILD_PYPI_INDEX"' "$work/dry-run-$a.sh" || { say "$a: the dry-run script does not read LINBUILD_PYPI_INDEX"; status=1; }
  # BuildKit's uv cache mount is no layer, but it stays on the engine's disk: copied out to search it.
  # Not with --no-cache, which would mount a fresh, empty cache; a RUN text of its own runs instead.
  mkdir -p "$work/uv-cache-context"
  printf '%s\n' 'FROM recipe-standin/os:bookworm AS cache' \
    "RUN --mount=type=cache,target=/root/.cache/uv mkdir /copy && cp -a /root/.cache/uv/. /copy/ && echo $(date +%s%N)" \
    'FROM scratch' 'COPY --from=cache /copy /' > "$work/uv-cache-context/Dockerfile"
  DOCKER_BUILDKIT=1 /usr/bin/docker build -q -o "type=local,dest=$work/uv-cache-$a" "$work/uv-cache-context" >/dev/null
  # Every image of the namespace, once each (an image an earlier run left untagged, by its ID).
  local images=() id reference seen=" "
  while read -r id reference; do
    [[ $reference != *:\<none\> ]] || reference=$id
    [[ $seen == *" $id "* ]] || { images+=(--image "$reference"); seen+="$id "; }
  done < <(/usr/bin/docker images --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}' | grep " [^ ]*/$namespace/")
  ((${#images[@]} >= 2)) || { say "$a: found ${#images[@]} image(s) of $namespace in the engine, expected a base and a runtime"; return 1; }
  # The Flash Attention wheels artifact (an image of the namespace, and its registry entry) is searched
  # like the others; its own label in a registry config proves its entry was read.
  local fa_canary=()
  if [[ $fa_version != - ]]; then
    /usr/bin/docker images --format '{{.Repository}}' | grep -q "/$namespace/linnaeus-fa\$" \
      || { say "$a: no Flash Attention wheels artifact of $namespace in the engine"; return 1; }
    fa_canary=(--canary "registry-holds-the-wheels-artifact=dev.linbuild.fa.inputs@registry config")
  fi
  local host=${RECIPE_AUTH_HTTP#http://} sha
  sha=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["commit"])' "$work/plan-$a.json")
  Tests/recipe/scan-secrets --needles "$needles" --docker /usr/bin/docker "${images[@]}" \
    --registry "$RECIPE_REGISTRY" --repository-prefix "$namespace/" \
    --path "$work/logs-$a" --path "$work/output-$a.txt" --path "$work/plan-$a.json" --path "$work/dry-run-$a.sh" \
    --path "$work/logs-$a-refused" --path "$work/refused-$a.txt" --path "$work/uv-cache-$a" \
    --canary "history-holds-the-location-without-credentials=$host/simple@history" \
    --canary "inspect-holds-the-revision=$sha@inspect" \
    --canary "layers-hold-the-constraints=opt/venv/constraints.txt@layer" \
    --canary "registry-config-holds-the-revision=$sha@registry config" \
    --canary "uv-cache-holds-numpy=numpy@file $work/uv-cache-$a" \
    --canary "dry-run-holds-the-base-build=--target base@file $work/dry-run-$a.sh" \
    --canary "logs-hold-the-build-output=writing image sha256@file $work/logs-$a" "${fa_canary[@]}" || status=1
  return "$status"
}
