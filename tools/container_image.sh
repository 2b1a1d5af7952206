#!/usr/bin/env bash
# The multi-architecture image: the Dockerfile built with podman for
# linux/amd64 and linux/arm64, joined in one manifest list, so that one name
# runs on x86-64 and arm64 nodes alike (each pulls its own image). The arm64
# image's build stage cross-compiles at native speed; its runtime stage runs
# apt-get under qemu-user, which must be registered with binfmt_misc (as root
# this script registers it: tools/cross_arm64.sh binfmt).
# usage: tools/container_image.sh [NAME [CONTEXT [PODMAN_BUILD_ARG...]]]
#   NAME     the manifest list (default localhost/lookslike:multiarch); each
#            image is also tagged NAME-amd64 and NAME-arm64
#   CONTEXT  the build context (default: this checkout)
# Then, to publish both under one name:
#   podman manifest push --all localhost/lookslike:multiarch docker://REGISTRY/lookslike:TAG
# Docker users: docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/lookslike:TAG --push .
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-localhost/lookslike:multiarch}
context=${2:-$PWD}
shift $(($# > 2 ? 2 : $#))
[[ $(id -u) != 0 ]] || bash tools/cross_arm64.sh binfmt
podman manifest exists "$name" && podman manifest rm "$name" >/dev/null
podman manifest create "$name" >/dev/null
for arch in amd64 arm64; do
  echo "# $(date +%T) podman build --platform linux/$arch -t $name-$arch"
  podman build --format docker --platform "linux/$arch" "$@" -t "$name-$arch" "$context"
  podman manifest add "$name" "containers-storage:$(podman image inspect --format '{{.Id}}' "$name-$arch")" >/dev/null
done
podman manifest inspect "$name" | python3 -c 'import json, sys
for m in json.load(sys.stdin)["manifests"]:
    p = m["platform"]
    print("# %s/%s: %s" % (p["os"], p["architecture"], m["digest"]))'
echo "# $name: the manifest list of both"
