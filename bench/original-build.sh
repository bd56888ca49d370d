#!/usr/bin/env bash
# What the original build.sh did on every run, kept for comparison (bench/README.md, case 2 and 3):
# build the base, then the runtime, both with the whole source folder (data, checkpoints, .git) as
# the build context, the runtime tagged with the checkout's HEAD. No cache decision: the base build
# runs every time (BuildKit may answer it from its cache; the original could not skip it).
#
# Usage: original-build.sh SOURCE DOCKERFILE REPOSITORY_PREFIX
# The fixture presets' single architecture (arch0) is hard-wired, as build.sh hard-wired its matrix.
# Its tags (original-base, original-dev) are its own, so it never touches linbuild's cached base.
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: $0 SOURCE DOCKERFILE REPOSITORY_PREFIX" >&2; exit 64; }
source=$1 dockerfile=$2 prefix=$3
docker=${LINBUILD_ENGINE:-docker}
sha=$(git -C "$source" rev-parse HEAD)
base="$prefix/original-base:arch0-cu126-torch2.7.1-fav2"
export DOCKER_BUILDKIT=1
"$docker" build --progress plain --file "$dockerfile" --target base \
  --build-arg NVIDIA_CUDA_TAG=bench --build-arg TORCH_CHANNEL=stable --build-arg TORCH_VER=2.7.1+cu126 \
  --build-arg TORCH_CUDA_SUFFIX=cu126 --build-arg FA_VER=2.7.4.post1 --build-arg CUDA_ARCH_LIST=8.0 \
  --build-arg MAX_JOBS=2 --build-arg BASE_IMAGE="$base" --tag "$base" "$source"
"$docker" build --progress plain --file "$dockerfile" --target runtime \
  --build-arg BASE_IMAGE="$base" --build-arg LINNAEUS_REF="$sha" \
  --tag "$prefix/original-dev:${sha:0:12}-arch0" "$source"
