#!/usr/bin/env bash
# Installs the Debian packages named in a package list (one a line, # comments),
# leaving out `darknet` unless WITH_DARKNET=1. Used by both stages of the
# Dockerfile and by tools/container_build.sh.
# usage: install_packages.sh LIST...        environment: WITH_DARKNET=0 (default) or 1
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
mapfile -t packages < <(cat "$@" | grep -v '^\s*\(#\|$\)' \
  | { if [[ ${WITH_DARKNET:-0} == 1 ]]; then cat; else grep -vx darknet; fi; })
apt-get update -q
apt-get install -y -q --no-install-recommends "${packages[@]}"
