# The Flash Attention wheels artifact in Tests/recipe/run (issue 21): for an arch with Flash Attention,
# in a namespace of its own, four builds through ./linbuild --push, each with the compiles it may run
# counted (fa_compiles):
#   1. an OS package added to the presets: the base is rebuilt, Flash Attention compiled 0 times;
#   2. the arch list changed: once (each version it gets, once);
#   3. the local store and BuildKit's cache wiped, the registry alone holding the wheels, and the base
#      rebuilt (another OS package): 0 times;
#   and the runtime of build 1 holds exactly the wheels of the full build (build 0) and of the
#   artifact: the same files, by the RECORD their wheels carry.
# Sourced by Tests/recipe/run; uses its $work, $linbuild, $presets, $source_dir, $commit, $repo, say().

# fa_compiles MARK: the Flash Attention compiles the stand-ins served since line MARK of their
# request log: each FA 2 compile fetches its sdist from the index (pip, no cache), each FA 3
# compile fetches the cutlass submodule once (one ref advertisement of cutlass.git; not the
# repository's own, which linbuild's preflight also asks for).
fa_compiles() {
  local served
  served=$(tail -n +"$(($1 + 1))" "$RECIPE_DIR/http/log")
  echo $(($(grep -c 'GET /files/flash_attn-[^ /]*\.tar\.gz' <<<"$served" || true) + $(grep -c 'GET /git/cutlass\.git/info/refs' <<<"$served" || true)))
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

# fa_build LABEL PRESETS EXPECTED-COMPILES EXPECTED-LINE: one build and push; the compiles must be as
# expected and linbuild's output must say EXPECTED-LINE (its fa decision).
fa_build() {
  local label=$1 file=$2 expected=$3 line=$4 mark compiles t0
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
  step=$(grep -E '^  fa \[' "$work/output-fa-$label.txt" | awk '{print $4}' | head -n 1)
  fa_summary+=("$fa_arch $label: $((SECONDS - t0)) s, Flash Attention compiled $compiles time(s) (expected $expected)${step:+, fa step $step}${ccache:+, $ccache}")
  if [[ $compiles != "$expected" ]]; then
    fa_failed+=("$label: Flash Attention compiled $compiles time(s), not $expected")
  fi
  if ! grep -q -F "$line" "$work/output-fa-$label.txt"; then
    fa_failed+=("$label: linbuild did not say '$line' ($(grep -E '^(base|fa) \[' "$work/output-fa-$label.txt" | tr '\n' ';'))")
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

# fa_wheel_records IMAGE: the same lines from the wheels in the artifact IMAGE itself.
fa_wheel_records() {
  local box
  box=$(/usr/bin/docker create "$1" /none)
  rm -rf "$work/fa-wheels" && mkdir -p "$work/fa-wheels"
  /usr/bin/docker cp "$box:/wheels/." "$work/fa-wheels/" >/dev/null
  /usr/bin/docker rm "$box" >/dev/null
  python3 - "$work"/fa-wheels/*.whl <<'EOF'
import csv, io, sys, zipfile
lines = []
for wheel in sys.argv[1:]:
    with zipfile.ZipFile(wheel) as z:
        record = [n for n in z.namelist() if n.endswith(".dist-info/RECORD")][0]
        for row in csv.reader(io.StringIO(z.read(record).decode())):
            if row[1]:
                lines.append(",".join(row))
print("\n".join(sorted(lines)))
EOF
}

# fa_scenarios ARCH: the four cases for ARCH; appends to failed and summary.
fa_scenarios() {
  fa_arch=$1
  fa_namespace=recipe-fa-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
  fa_failed=()
  fa_summary=()
  local versions
  versions=$(python3 -c 'import json, sys; f = json.load(open(sys.argv[1]))["architectures"][sys.argv[2]].get("flashAttention") or []; f = [f] if isinstance(f, dict) else f; print(len(f))' "$presets" "$fa_arch")
  say "$fa_arch: the Flash Attention wheels artifact, namespace $fa_namespace ($versions version(s))"
  # 0. The first build, on an engine without BuildKit's cache (as a fresh machine has: the runs above
  # left the compile in it), compiles every version once: the full build the others are compared with.
  /usr/bin/docker builder prune -af >/dev/null
  fa_build full "$presets" "$versions" "fa [$fa_arch]: compiling" || { fa_report; return; }
  local full_runtime artifact
  full_runtime=$(fa_plan_field "$presets" runtimeImage)
  artifact=$(fa_plan_field "$presets" faImage)
  local full_records
  full_records=$(fa_records "$full_runtime") || fa_failed+=("full: the installed wheels do not match their RECORD")
  # 1. An OS package added: the base is rebuilt on the same wheels.
  fa_presets "$work/presets-fa-os.json" 'd["osPackages"] = d["osPackages"] + ["less"]'
  fa_build os-package "$work/presets-fa-os.json" 0 "fa [$fa_arch]: cached locally" || { fa_report; return; }
  local records
  records=$(fa_records "$(fa_plan_field "$work/presets-fa-os.json" runtimeImage)") || fa_failed+=("os-package: the installed wheels do not match their RECORD")
  [[ -n $records && $records == "$full_records" ]] || fa_failed+=("os-package: the runtime's Flash Attention files differ from the full build's")
  [[ $records == "$(fa_wheel_records "$artifact")" ]] || fa_failed+=("os-package: the runtime's Flash Attention files differ from the artifact's wheels")
  # 2. Another arch list: every version compiled once (ccache has what the full build compiled).
  fa_presets "$work/presets-fa-archs.json" 'e["cudaArchList"] = e["cudaArchList"] + "+PTX"'
  fa_build arch-list "$work/presets-fa-archs.json" "$versions" "fa [$fa_arch]: compiling" || { fa_report; return; }
  # 3. A fresh machine: nothing local but the registry; the base rebuilt for another OS package.
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
    summary+=("$fa_arch: the Flash Attention artifact: every case compiled as often as it must, and the runtime has the full build's wheels")
  fi
}
