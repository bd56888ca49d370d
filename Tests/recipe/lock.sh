# The locked mode of Tests/recipe/run (--lock, make recipe-test RECIPE_LOCK=1): the shipped
# Dockerfile built from a lock of the stand-ins. Sourced by it after the stand-ins' env file and the
# presets copy; uses its $work, $linbuild, $presets, $repo, $source_dir, $commit, $arches and say().

# The lock file linbuild reads for $presets: beside it, named after it.
lock_file=${presets%.json}.lock.json

# lock_pin: `linbuild lock` pins, for every arch of the run, the three images the base's stages pull
# from the stand-in registry and the three torch wheels from the stand-in PyTorch index.
lock_pin() {
  local arch_list=${arches// /,} pinned expected
  "$linbuild" lock --arch "$arch_list" --presets "$presets" --dockerfile "$dockerfile" > "$work/lock.txt" \
    || { say "linbuild lock failed:"; cat "$work/lock.txt" >&2; exit 1; }
  pinned=$(grep -c ': sha256:[0-9a-f]*… (pinned)$' "$work/lock.txt" || true)
  expected=$((6 * $(wc -w <<<"$arches")))
  ((pinned == expected)) || { say "linbuild lock pinned $pinned images and wheels, expected $expected (3 images and 3 wheels per arch):"; cat "$work/lock.txt" >&2; exit 1; }
  say "linbuild lock pinned $pinned images and wheels in $lock_file"
}

# lock_pins ARCH: "stage image digest" and "wheel project hash" lines, as the lock holds them.
lock_pins() {
  python3 - "$lock_file" "$1" <<'EOF'
import json, sys
for platform in json.load(open(sys.argv[1]))["architectures"][sys.argv[2]].values():
    for stage, pin in sorted(platform["images"].items()):
        print("image", stage, pin["image"], pin["digest"])
    for project, pin in sorted(platform["wheels"].items()):
        for digest in pin["files"].values():
            print("wheel", project, pin["version"], digest.removeprefix("sha256:"))
EOF
}

# lock_used LABEL ARCH: the base build's log shows every stage pulled by its locked digest and every
# torch requirement given its locked hash (BuildKit names a step with its arguments expanded).
lock_used() {
  local label=$1 a=$2 log kind name image digest status=0
  log=$(find "$work/logs-$label" -name "build-base-$a.log" | head -n 1)
  [[ -n $log ]] || { say "$label: no base build log: the locked build did not build the base"; return 1; }
  while read -r kind name image digest; do
    if [[ $kind == image ]]; then
      grep -q -F "FROM $image@$digest" "$log" || { say "$label: the stage $name did not pull $image by its locked $digest"; status=1; }
    else
      grep -q -F "requirement $name \"" "$log" && grep -F "requirement $name \"" "$log" | grep -q -F "$digest" \
        || { say "$label: the torch step was not passed the locked hash $digest of $name"; status=1; }
    fi
  done < <(lock_pins "$a")
  ((status)) || say "$label: every stage pulled by its locked digest, the torch step passed every locked wheel hash"
  return "$status"
}

# lock_refusals ARCH: what a lock must refuse, on copies of the presets and the lock. A torch hash
# the index's file does not have fails the base build in uv's hash check; a locked digest the
# registry no longer has stops the run before anything is built (exit 65). And `outdated` finds
# nothing moved.
lock_refusals() {
  local a=$1 status=0 code
  local bad=$work/lock-refusals common_bad
  mkdir -p "$bad"
  cp "$presets" "$bad/presets.json"
  common_bad=(--arch "$a" --presets "$bad/presets.json" --dockerfile "$dockerfile" --source "$source_dir"
              --branch "$commit" --registry "$RECIPE_REGISTRY" --namespace recipe-lock-refused)
  lock_edit "$a" wheel torch > "$bad/presets.lock.json"
  set +e
  "$linbuild" "${common_bad[@]}" --log-dir "$bad/logs-hash" > "$bad/hash.txt" 2>&1
  code=$?
  set -e
  if [[ $code == 1 ]] && grep -r -q -F 'Hash mismatch for `torch==' "$bad/logs-hash"; then
    say "$a: a torch hash the file does not have: the base build failed in uv's hash check (exit 1)"
  else
    say "$a: a wrong torch hash in the lock ended with exit $code and no hash mismatch from uv; it must fail the build:"
    tail -n 20 "$bad/hash.txt" >&2; status=1
  fi
  lock_edit "$a" image base > "$bad/presets.lock.json"
  set +e
  "$linbuild" "${common_bad[@]}" --log-dir "$bad/logs-lost" > "$bad/lost.txt" 2>&1
  code=$?
  set -e
  if [[ $code == 65 ]] && [[ $(grep -c 'linbuild: error:' "$bad/lost.txt") == 1 ]] && grep -q 'lock --update' "$bad/lost.txt" \
     && ! find "$bad/logs-lost" -name 'build-*.log' 2>/dev/null | grep -q .; then
    say "$a: a locked digest the registry does not have: $(grep 'linbuild: error:' "$bad/lost.txt")"
  else
    say "$a: a locked digest the registry does not have ended with exit $code; it must stop before building (exit 65, one line):"
    tail -n 20 "$bad/lost.txt" >&2; status=1
  fi
  set +e
  "$linbuild" outdated --arch "$a" --presets "$presets" --dockerfile "$dockerfile" > "$work/outdated.txt" 2>&1
  code=$?
  set -e
  if [[ $code == 0 ]] && ! grep -v -q '(current)$' "$work/outdated.txt"; then
    say "$a: linbuild outdated: every pin current (exit 0)"
  else
    say "$a: linbuild outdated ended with exit $code, on stand-ins that did not move:"; cat "$work/outdated.txt" >&2; status=1
  fi
  return "$status"
}

# lock_edit ARCH KIND NAME: the lock with ARCH's pin KIND NAME (wheel torch, image base) replaced by
# a digest nothing has.
lock_edit() {
  python3 - "$lock_file" "$@" <<'EOF'
import json, sys
lock = json.load(open(sys.argv[1]))
nothing = "sha256:" + "0" * 63 + "1"
for platform in lock["architectures"][sys.argv[2]].values():
    pin = platform[sys.argv[3] + "s"][sys.argv[4]]
    if sys.argv[3] == "wheel":
        pin["files"] = {name: nothing for name in pin["files"]}
    else:
        pin["digest"] = nothing
print(json.dumps(lock, indent=2))
EOF
}
