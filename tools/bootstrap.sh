#!/usr/bin/env bash
# Installs the Debian packages in tools/debian-packages.txt (with --with-tests
# also tools/debian-test-packages.txt) when missing,
# configures the meson build directory (once) and builds everything,
# including the model converted from its pinned sources. With --install-only
# it stops after installing.
# Environment: LOOKSLIKE_BUILD_DIR (default build), LOOKSLIKE_MESON_ARGS (extra setup options).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${LOOKSLIKE_BUILD_DIR:-build}

lists=(tools/debian-packages.txt)
install_only=0
for arg in "$@"; do
  case $arg in
    --with-tests) lists+=(tools/debian-test-packages.txt) ;;
    --install-only) install_only=1 ;;
    *) echo "usage: bootstrap.sh [--with-tests] [--install-only]" >&2; exit 2 ;;
  esac
done
mapfile -t packages < <(cat "${lists[@]}" | grep -v '^\s*\(#\|$\)')
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=; [[ $(id -u) == 0 ]] || sudo=sudo
  echo "bootstrap: installing ${missing[*]}" >&2
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

((install_only)) && exit 0

if [[ ! -f $build/build.ninja ]]; then
  # shellcheck disable=SC2086
  meson setup "$build" ${LOOKSLIKE_MESON_ARGS:-}
fi
meson compile -C "$build"
