#!/usr/bin/env bash
# The container image's build stage, as one script so that the Dockerfile and
# tools/verify_fresh_debian.sh run exactly the same steps: install the build
# packages, build, convert the model, install everything under PREFIX.
# usage: container_build.sh [PREFIX]        environment: WITH_DARKNET=1 (default) or 0
# Model sources come from ./model-source/<folder>/ when that exists (put the
# official files there to build offline), else ../shared/models, else the
# pinned download; tools/make_model.sh checks their sha256 either way.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-/opt/lookslike}
with_darknet=${WITH_DARKNET:-1}
build=${LOOKSLIKE_CONTAINER_BUILD_DIR:-/tmp/lookslike-build}

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
grep -v '^\s*\(#\|$\)' tools/debian-packages.txt \
  | { if [[ $with_darknet == 1 ]]; then cat; else grep -vx darknet; fi; } \
  | xargs apt-get install -y -q --no-install-recommends

options=(--prefix="$prefix" -Ddarknet="$([[ $with_darknet == 1 ]] && echo enabled || echo disabled)")
[[ -d model-source ]] && options+=(-Dmodel_source="$PWD/model-source")
rm -rf "$build"
meson setup "$build" "${options[@]}"
meson compile -C "$build"
meson install -C "$build"
