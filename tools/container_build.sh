#!/usr/bin/env bash
# The container image's build stage, as one script so that the Dockerfile and
# tools/verify_fresh_debian.sh run exactly the same steps: install the build
# packages (unless LOOKSLIKE_SKIP_PACKAGES=1: the Dockerfile installs them in
# a layer of their own), build, convert the model, install everything under
# PREFIX.
# usage: container_build.sh [PREFIX]        environment: WITH_DARKNET=0 (default) or 1
# Model sources come from ./model-source/<folder>/ when that exists (put the
# official files there to build offline), else ../shared/models, else the
# pinned download; tools/make_model.sh checks their sha256 either way.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-/opt/lookslike}
with_darknet=${WITH_DARKNET:-0}
build=${LOOKSLIKE_CONTAINER_BUILD_DIR:-/tmp/lookslike-build}

[[ ${LOOKSLIKE_SKIP_PACKAGES:-0} == 1 ]] || WITH_DARKNET=$with_darknet bash tools/install_packages.sh tools/debian-packages.txt

options=(--prefix="$prefix" -Ddarknet="$([[ $with_darknet == 1 ]] && echo enabled || echo disabled)")
[[ -d model-source ]] && options+=(-Dmodel_source="$PWD/model-source")
rm -rf "$build"
meson setup "$build" "${options[@]}"
meson compile -C "$build"
meson install -C "$build"
rm -rf "$build"
