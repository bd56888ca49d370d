# The Flash Attention wheels artifact in Tests/recipe/run (issue 21): for an arch with Flash Attention,
# in a namespace of its own, builds through ./linbuild --push, each with the compiles it ran counted
# (fa_compiles: the stand-in builds record each compile at the stand-in server):
#   0. the first build, BuildKit's cache pruned: each version compiled once; then the same base built
#      in-file by a plain `docker build` (FA_WHEELS=fa-wheels), BuildKit's cache pruned again: the
#      reference the artifact's wheels must equal (the same wheel files, the same RECORDs but FA 2's
#      extension's hash: see fa_comparable);
#   1. an OS package added to the presets, BuildKit's cache pruned first (so nothing but the
#      artifact can spare the compile): the base is rebuilt, Flash Attention compiled 0 times, and
#      the runtime holds exactly the in-file build's Flash Attention files;
#   2. the arch list changed: each version compiled once;
#   3. the Flash Attention 2 version changed (to another one the stand-in index serves): that version
#      compiled once, the old one not at all, and the total checked: the artifact is rebuilt whole in
#      one compile step for all of FA_VER, so each other version compiles again, once;
#   4. the local store and BuildKit's cache wiped, the registry alone holding the wheels, and the base
#      rebuilt (another OS package): 0 times.
# Sourced by Tests/recipe/run; uses its $work, $linbuild, $presets, $source_dir, $commit, $repo, say().

# fa_compiles MARK [VERSION]: the Flash Attention compiles (of VERSION, or of any) recorded since line
# MARK of the stand-ins' request log: each stand-in build sends GET /compiled?flavour=…&version=…
# once its C extension is compiled (fa_record.compiled), so a build that stopped earlier, or one
# that never ran, records nothing. Nothing else is counted (no fetch stands for a compile).
fa_compiles() {
  local served
  served=$(tail -n +"$(($1 + 1))" "$RECIPE_DIR/http/log" | grep -F '"GET /compiled?' || true)
  [[ -z ${2:-} ]] || served=$(grep -F "&version=$2&" <<<"$served" || true)
  grep -c . <<<"$served" || true
}
fa_mark() { wc -l < "$RECIPE_DIR/http/log"; }

# fa_presets OUT PYTHON-EDIT: the run's presets with ARCH's entry edited by a Python expression on `e`.
fa_presets() {
  python3 - "$presets" "$1" "$fa_arch" "$2" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
e, d = p["architectures"][sys.argv[3]], p["defaults"]
exec(sys.argv[4])
json.dump(p, open(sys.argv[2], "w"), indent=2)
EOF
}

# fa_build LABEL PRESETS EXPECTED-COMPILES EXPECTED-LINE [VERSION=COUNT ...]: one build and push; the
# compiles must be as expected (in all, and of each VERSION given; COUNT ? only reports them) and
# linbuild's output must say EXPECTED-LINE (its fa decision).
fa_build() {
  local label=$1 file=$2 expected=$3 line=$4 mark compiles t0 pair
  shift 4
  mark=$(fa_mark)
  t0=$SECONDS
  if ! "$linbuild" --arch "$fa_arch" --presets "$file" --dockerfile "${RECIPE_DOCKERFILE:-$repo/docker/Dockerfile}" --source "$source_dir" \
       --branch "$commit" --registry "$RECIPE_REGISTRY" --namespace "$fa_namespace" --push --log-dir "$work/logs-fa-$label" \
       > "$work/output-fa-$label.txt" 2>&1; then
    tail -n 40 "$work/output-fa-$label.txt" >&2
    fa_failed+=("$label: the build failed")
    return 1
  fi
  compiles=$(fa_compiles "$mark")
  # What ccache found (the compile step's last line), and how long the compile step took.
  local ccache step
  ccache=$(grep -h -o 'ccache: .*' "$work/logs-fa-$label"/*/compile-fa-*.log 2>/dev/null | tail -n 1 || true)
  step=$(grep -E '^  fa \[' "$work/output-fa-$label.txt" | awk '{print $4}' | head -n 1 || true)
  fa_summary+=("$fa_arch $label: $((SECONDS - t0)) s, Flash Attention compiled $compiles time(s) (expected $expected)${step:+, fa step $step}${ccache:+, $ccache}")
  if [[ $compiles != "$expected" ]]; then
    fa_failed+=("$label: Flash Attention compiled $compiles time(s), not $expected")
  fi
  for pair in "$@"; do
    compiles=$(fa_compiles "$mark" "${pair%%=*}")
    fa_summary+=("$fa_arch $label: Flash Attention ${pair%%=*} compiled $compiles time(s) (expected ${pair#*=})")
    [[ ${pair#*=} == '?' || $compiles == "${pair#*=}" ]] || fa_failed+=("$label: Flash Attention ${pair%%=*} compiled $compiles time(s), not ${pair#*=}")
  done
  fa_summary+=("$fa_arch $label: linbuild said: $(grep -o -E 'fa \[[^]]*\]: .*' "$work/output-fa-$label.txt" | tr '\n' ';' || true)")
  if ! grep -q -F "$line" "$work/output-fa-$label.txt"; then
    fa_failed+=("$label: linbuild did not say '$line' ($(grep -E '^(base|fa) \[' "$work/output-fa-$label.txt" | tr '\n' ';' || true))")
  fi
}

# fa_plan_field PRESETS FIELD: a field of this arch's target in linbuild's plan.
fa_plan_field() {
  "$linbuild" --arch "$fa_arch" --presets "$1" --dockerfile "${RECIPE_DOCKERFILE:-$repo/docker/Dockerfile}" --source "$source_dir" \
    --branch "$commit" --registry "$RECIPE_REGISTRY" --namespace "$fa_namespace" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["targets"][0].get(sys.argv[1]) or "")' "$2"
}

# fa_records IMAGE: each installed Flash Attention distribution's RECORD lines (path,hash,size) that
# a wheel carries (not the installer's own files), sorted, after checking every hash against the file.
fa_records() {
  /usr/bin/docker run --rm --network none --entrypoint python "$1" -c '
import base64, csv, hashlib, importlib.metadata as m, sys
lines = []
for d in m.distributions():
    name = d.metadata["Name"].lower().replace("_", "-")
    if not name.startswith("flash-attn"):
        continue
    for row in csv.reader(d.read_text("RECORD").splitlines()):
        path, digest, size = row
        # What the installer adds (uv: INSTALLER, REQUESTED, uv_cache.json; bytecode) is not in the wheel.
        if not digest or path.endswith((".pyc", "/INSTALLER", "/REQUESTED", "/direct_url.json", "/uv_cache.json")):
            continue
        algo, _, want = digest.partition("=")
        got = base64.urlsafe_b64encode(hashlib.new(algo, open(d.locate_file(path), "rb").read()).digest()).rstrip(b"=").decode()
        if got != want:
            sys.exit("%s: %s differs from its RECORD" % (name, path))
        lines.append(",".join(row))
print("\n".join(sorted(lines)))'
}

# fa_wheels_of IMAGE DIR: the wheels in the artifact IMAGE, copied into DIR.
fa_wheels_of() {
  local box
  box=$(/usr/bin/docker create "$1" /none)
  rm -rf "$2" && mkdir -p "$2"
  /usr/bin/docker cp "$box:/wheels/." "$2/" >/dev/null
  /usr/bin/docker rm "$box" >/dev/null
}

# fa_wheel_records DIR: each wheel's file name, then the RECORD lines of the wheels in DIR, sorted.
fa_wheel_records() {
  python3 - "$1"/*.whl <<'EOF'
import csv, io, os, sys, zipfile
names, lines = [], []
for wheel in sys.argv[1:]:
    names.append("wheel " + os.path.basename(wheel))
    with zipfile.ZipFile(wheel) as z:
        record = [n for n in z.namelist() if n.endswith(".dist-info/RECORD")][0]
        for row in csv.reader(io.StringIO(z.read(record).decode())):
            if row[1]:
                lines.append(",".join(row))
print("\n".join(sorted(names) + sorted(lines)))
EOF
}

# fa_in_file LABEL PRESETS RUN: the reference, a full build without linbuild's artifact: linbuild's own
# base build command (from its --json plan) run by hand with FA_WHEELS=fa-wheels, the Dockerfile's
# default, so the builder compiles the wheels in-file, on a fresh BuildKit cache (pruned here: no
# compile of an earlier build, and no ccache object, is reused). MAX_JOBS is the one linbuild's run
# RUN chose (its output says it; the --json plan does not probe the engine's memory): not a wheel
# input, but the stand-ins record it in the wheel's _build_env.json. The base is tagged
# recipe-fa-in-file:ARCH, its wheels (the fa-wheels target of the same build, a cache hit) written to
# $work/fa-in-file-wheels/wheels. Each version must have compiled once.
fa_in_file() {
  local label=$1 file=$2 mark i compiles t0 max_jobs
  local -a base_cmd wheels_cmd
  mkdir -p "$work/empty"
  max_jobs=$(grep -o -E "fa \[$fa_arch\]: MAX_JOBS=[0-9]+" "$work/output-fa-$3.txt" | head -n 1 || true)
  mapfile -d '' -t base_cmd < <("$linbuild" --arch "$fa_arch" --presets "$file" --dockerfile "${RECIPE_DOCKERFILE:-$repo/docker/Dockerfile}" --source "$source_dir" \
    --branch "$commit" --registry "$RECIPE_REGISTRY" --namespace "$fa_namespace" --json | python3 -c '
import json, sys
plan = json.load(sys.stdin)
command = [s for s in plan["steps"] if s["kind"] == "buildBase"][0]["commands"][0]["arguments"]
out = []
for i, a in enumerate(command):
    if i == len(command) - 1:
        a = sys.argv[1]  # the build context: an empty folder (the base copies nothing from it)
    elif command[i - 1] == "--build-arg" and a.startswith("FA_WHEELS="):
        a = "FA_WHEELS=fa-wheels"
    elif command[i - 1] == "--tag":
        a = "recipe-fa-in-file:" + sys.argv[2]
    elif command[i - 1] == "--build-arg" and a.startswith("MAX_JOBS=") and sys.argv[3]:
        a = sys.argv[3]
    out.append(a)
sys.stdout.write("\0".join(out) + "\0")' "$work/empty" "$fa_arch" "${max_jobs#*: }")
  if ((${#base_cmd[@]} < 5)); then
    fa_failed+=("$label: no base build in linbuild's plan"); return 1
  fi
  # The same build, target fa-wheels, written out as files instead of tagged.
  wheels_cmd=()
  for ((i = 0; i < ${#base_cmd[@]} - 1; i++)); do
    if [[ ${base_cmd[i]} == --tag ]]; then
      i=$((i + 1))
    elif [[ ${base_cmd[i]} == base && ${base_cmd[i - 1]} == --target ]]; then
      wheels_cmd+=(fa-wheels)
    else
      wheels_cmd+=("${base_cmd[i]}")
    fi
  done
  rm -rf "$work/fa-in-file-wheels"
  wheels_cmd+=(--output "type=local,dest=$work/fa-in-file-wheels" "${base_cmd[-1]}")
  /usr/bin/docker builder prune -af >/dev/null
  mark=$(fa_mark)
  t0=$SECONDS
  if ! DOCKER_BUILDKIT=1 /usr/bin/docker "${base_cmd[@]:0:${#base_cmd[@]}-1}" --network "${LINBUILD_NETWORK:-host}" "${base_cmd[-1]}" > "$work/output-fa-$label.txt" 2>&1 \
     || ! DOCKER_BUILDKIT=1 /usr/bin/docker "${wheels_cmd[@]:0:${#wheels_cmd[@]}-1}" --network "${LINBUILD_NETWORK:-host}" "${wheels_cmd[-1]}" >> "$work/output-fa-$label.txt" 2>&1; then
    tail -n 40 "$work/output-fa-$label.txt" >&2
    fa_failed+=("$label: the in-file build failed"); return 1
  fi
  compiles=$(fa_compiles "$mark")
  fa_summary+=("$fa_arch $label (docker build, FA_WHEELS=fa-wheels): $((SECONDS - t0)) s, Flash Attention compiled $compiles time(s) (expected $versions)")
  [[ $compiles == "$versions" ]] || fa_failed+=("$label: the in-file build compiled Flash Attention $compiles time(s), not $versions")
}

# fa_fa2_version PRESETS [3]: the arch's Flash Attention 2 version in PRESETS; with 3, its other versions.
fa_fa2_version() {
  python3 -c 'import json, sys; f = json.load(open(sys.argv[1]))["architectures"][sys.argv[2]]["flashAttention"]; f = [f] if isinstance(f, dict) else f; print("\n".join(e["version"] for e in f if (str(e["major"]) == "2") == (sys.argv[3] == "2")))' "$1" "$fa_arch" "${2:-2}"
}

# fa_comparable: RECORD lines as two builds of the same inputs must agree on them. The one thing that
# truly differs per build is FA 2's extension: pip builds the sdist in a random folder
# (/tmp/pip-wheel-XXXXXXXX/flash-attn_<32 hex>), which gcc writes into the .so's debug info (the
# compile folder) and its GNU build ID, so its hash differs while its size does not (measured: 55
# bytes differ, the folder and the ID). Its hash is left out, its path and size kept; every other
# file (FA 3's extension too: hopper/ is built in /tmp/fa, always the same folder) must match.
fa_comparable() {
  sed -E 's#^(flash_attn_2_cuda\.[^,]*\.so),sha256=[^,]*,#\1,(differs per build),#'
}

# fa_scenarios ARCH: the cases for ARCH; appends to failed and summary.
fa_scenarios() {
  fa_arch=$1
  fa_namespace=recipe-fa-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
  fa_failed=()
  fa_summary=()
  versions=$(python3 -c 'import json, sys; f = json.load(open(sys.argv[1]))["architectures"][sys.argv[2]].get("flashAttention") or []; f = [f] if isinstance(f, dict) else f; print(len(f))' "$presets" "$fa_arch")
  say "$fa_arch: the Flash Attention wheels artifact, namespace $fa_namespace ($versions version(s))"
  # 0. The first build, on an engine without BuildKit's cache (as a fresh machine has: the runs above
  # left the compile in it), compiles every version once.
  /usr/bin/docker builder prune -af >/dev/null
  fa_build full "$presets" "$versions" "fa [$fa_arch]: compiling" || { fa_report; return; }
  local artifact
  artifact=$(fa_plan_field "$presets" faImage)
  # The reference: the same base compiled in-file. Its wheels and the artifact's: the same files, the
  # same RECORDs (every file's hash). Then what each base installed: the same lines.
  fa_in_file in-file "$presets" full || { fa_report; return; }
  fa_wheels_of "$artifact" "$work/fa-artifact-wheels"
  local reference artifact_records
  # (--output writes the stage's file system: its /wheels is fa-in-file-wheels/wheels.)
  reference=$(fa_wheel_records "$work/fa-in-file-wheels/wheels" | fa_comparable) || reference=""
  artifact_records=$(fa_wheel_records "$work/fa-artifact-wheels" | fa_comparable) || artifact_records=""
  [[ $reference == *"wheel "* && $reference == "$artifact_records" ]] \
    || fa_failed+=("in-file: the artifact's wheels differ from the in-file build's: $(diff <(echo "$reference") <(echo "$artifact_records") | head -n 6 | tr '\n' ' ' || true)")
  local in_file_records
  in_file_records=$(fa_records recipe-fa-in-file:"$fa_arch" | fa_comparable) || fa_failed+=("in-file: the installed wheels do not match their RECORD")
  # 1. An OS package added, BuildKit's cache pruned first: the base is rebuilt on the same wheels.
  fa_presets "$work/presets-fa-os.json" 'd["osPackages"] = d["osPackages"] + ["less"]'
  /usr/bin/docker builder prune -af >/dev/null
  fa_build os-package "$work/presets-fa-os.json" 0 "fa [$fa_arch]: cached locally" || { fa_report; return; }
  local records
  records=$(fa_records "$(fa_plan_field "$work/presets-fa-os.json" runtimeImage)" | fa_comparable) || fa_failed+=("os-package: the installed wheels do not match their RECORD")
  [[ -n $records && $records == "$in_file_records" ]] \
    || fa_failed+=("os-package: the runtime's Flash Attention files differ from the in-file build's: $(diff <(echo "$in_file_records") <(echo "$records") | head -n 6 | tr '\n' ' ' || true)")
  /usr/bin/docker image rm recipe-fa-in-file:"$fa_arch" >/dev/null
  # 2. Another arch list: every version compiled once (ccache misses: case 1's prune emptied its mount).
  fa_presets "$work/presets-fa-archs.json" 'e["cudaArchList"] = e["cudaArchList"] + "+PTX"'
  fa_build arch-list "$work/presets-fa-archs.json" "$versions" "fa [$fa_arch]: compiling" || { fa_report; return; }
  # 3. The Flash Attention 2 version changed, to another the stand-in index serves: that version
  # compiled once and the old one not at all. The artifact is rebuilt whole: fa-compile compiles every
  # version of FA_VER in one step, so hopper's unchanged FA 3 compiles again too (ccache serves its
  # objects, its hits show here); the total checks it compiled once.
  local old new v others=()
  old=$(fa_fa2_version "$presets")
  new=$(find "$RECIPE_DIR/www/files/" -name 'flash_attn-*.tar.gz' -printf '%f\n' | sed -e 's/^flash_attn-//' -e 's/\.tar\.gz$//' \
    | grep -v -x -F -e "$old" -e 0.0.1 | sort | head -n 1 || true)
  if [[ -z $new ]]; then
    fa_failed+=("version: the stand-in index serves no Flash Attention 2 but $old"); fa_report; return
  fi
  fa_presets "$work/presets-fa-version.json" "[f.update(version='$new') for f in (e['flashAttention'] if isinstance(e['flashAttention'], list) else [e['flashAttention']]) if str(f['major']) == '2']"
  for v in $(fa_fa2_version "$presets" 3); do others+=("$v=?"); done
  fa_build version "$work/presets-fa-version.json" "$versions" "fa [$fa_arch]: compiling" "$new=1" "$old=0" "${others[@]}" || { fa_report; return; }
  # 4. A fresh machine: nothing local but the registry; the base rebuilt for another OS package.
  /usr/bin/docker image ls --format '{{.ID}} {{.Repository}}' | awk -v ns="/$fa_namespace/" 'index($2, ns) { print $1 }' | sort -u \
    | xargs -r /usr/bin/docker image rm -f >/dev/null
  /usr/bin/docker builder prune -af >/dev/null
  fa_presets "$work/presets-fa-fresh.json" 'd["osPackages"] = d["osPackages"] + ["file"]'
  fa_build fresh-store "$work/presets-fa-fresh.json" 0 "fa [$fa_arch]: in registry" || { fa_report; return; }
  fa_report
}

fa_report() {
  local bytes
  bytes=$(/usr/bin/docker image inspect -f '{{.Size}}' "$(fa_plan_field "$presets" faImage)" 2>/dev/null || echo 0)
  fa_summary+=("$fa_arch: the wheels artifact holds $bytes bytes")
  summary+=("${fa_summary[@]}")
  if ((${#fa_failed[@]})); then
    failed+=("${fa_failed[@]/#/$fa_arch Flash Attention artifact: }")
  else
    summary+=("$fa_arch: the Flash Attention artifact: every case compiled as often as it must, and the runtime has the in-file build's wheels")
  fi
}
