#!/usr/bin/env bash
# The container image's build stage, as one script so that the Dockerfile and
# tools/verify_fresh_debian.sh run exactly the same steps: install the build
# packages (unless LOOKSLIKE_SKIP_PACKAGES=1), build, convert the models,
# install everything under PREFIX.
# usage: container_build.sh [PREFIX]       build and install (default /opt/lookslike)
#        container_build.sh --packages     only the packages (the Dockerfile's layer of its own)
# environment: WITH_DARKNET=0 (default) or 1; TARGETARCH, the Debian architecture
# to build for (the Dockerfile passes its --platform's): when it is not this
# machine's, a cross build (tools/cross_arm64.sh: arm64 on amd64; no libdarknet
# plugin), so that a multi-architecture image compiles at native speed and
# only the runtime stage's apt-get runs under emulation.
# Model sources come from ./model-source/<folder>/ when that exists (put the
# official files there to build offline), else ../shared/models, else the
# pinned download; tools/make_model.sh checks their sha256 either way.
set -euo pipefail
cd "$(dirname "$0")/.."
with_darknet=${WITH_DARKNET:-0}
build=${LOOKSLIKE_CONTAINER_BUILD_DIR:-/tmp/lookslike-build}
native=$(dpkg --print-architecture)
target=${TARGETARCH:-$native}
die() { echo "container_build.sh: $*" >&2; exit 1; }
if [[ $target != "$native" ]]; then
  [[ $native == amd64 && $target == arm64 ]] || die "cannot build for $target on $native (cross builds: arm64 on amd64)"
  [[ $with_darknet != 1 ]] || die "WITH_DARKNET=1 is built for the build machine's architecture only ($native), not $target"
fi

packages() {
  WITH_DARKNET=$with_darknet bash tools/install_packages.sh tools/debian-packages.txt
  [[ $target == "$native" ]] || bash tools/cross_arm64.sh packages
}
if [[ ${1:-} == --packages ]]; then
  packages
  exit
fi
prefix=${1:-/opt/lookslike}
[[ ${LOOKSLIKE_SKIP_PACKAGES:-0} == 1 ]] || packages

options=(--prefix="$prefix")
[[ -d model-source ]] && options+=(-Dmodel_source="$PWD/model-source")
rm -rf "$build"
if [[ $target == "$native" ]]; then
  meson setup "$build" "${options[@]}" -Ddarknet="$([[ $with_darknet == 1 ]] && echo enabled || echo disabled)"
else
  bash tools/cross_arm64.sh setup "$build" "${options[@]}"
fi
meson compile -C "$build"
meson install -C "$build"
rm -rf "$build"
