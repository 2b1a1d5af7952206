#!/usr/bin/env bash
# A cross build of lookslike for arm64 on Debian 12 x86-64: the one way both
# tools/arm64_test.sh (build-arm64/, tested under qemu) and the container
# image's build stage for linux/arm64 (tools/container_build.sh) set it up.
#   cross_arm64.sh packages                 as root: dpkg --add-architecture arm64, then the
#                                           cross compiler, qemu-user and the :arm64 libraries
#                                           of tools/debian-arm64-packages.txt
#   cross_arm64.sh binfmt                   as root: qemu-aarch64 registered with binfmt_misc, so
#                                           that arm64 programs (and containers) run as they are
#   cross_arm64.sh setup DIR [OPTION...]    meson setup DIR for arm64 (tools/cross/aarch64-linux-gnu.ini),
#                                           without the libdarknet plugin; OPTIONs go to meson
# libdnnl-dev:arm64 cannot be installed beside the amd64 one (their dnnl_config.h
# differ): `packages` takes oneDNN's arm64 headers out of that package into
# $dnnl and gives libdnnl2:arm64 the unversioned name the linker looks for.
# The models are converted at build time by the arm64 converter: that needs
# qemu-aarch64 registered with binfmt_misc (`binfmt`; Debian's registration has
# the F flag, so a container build on this host uses it too).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
dnnl=/usr/local/lib/lookslike-cross/arm64 # oneDNN's arm64 headers: $dnnl/usr/include

case ${1:-} in
  packages)
    mapfile -t packages < <(grep -v '^\s*\(#\|$\)' tools/debian-arm64-packages.txt)
    if ! dpkg-query -W "${packages[@]}" >/dev/null 2>&1; then
      dpkg --add-architecture arm64
      apt-get update -q
      apt-get install -y -q --no-install-recommends "${packages[@]}"
    fi
    if [[ ! -f $dnnl/usr/include/dnnl.h ]]; then
      rm -rf "$dnnl" && mkdir -p "$dnnl"
      (cd "$dnnl" && apt-get download -q libdnnl-dev:arm64 && dpkg-deb -x libdnnl-dev_*.deb . && rm libdnnl-dev_*.deb)
    fi
    [[ -e /usr/lib/aarch64-linux-gnu/libdnnl.so ]] || ln -s libdnnl.so.2 /usr/lib/aarch64-linux-gnu/libdnnl.so
    ;;
  binfmt)
    mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    [[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || cat /usr/lib/binfmt.d/qemu-aarch64.conf >/proc/sys/fs/binfmt_misc/register
    ;;
  setup)
    [[ $# -ge 2 ]] || { echo "usage: $0 setup DIR [MESON_OPTION...]" >&2; exit 2; }
    dir=$2
    shift 2
    meson setup "$dir" --cross-file tools/cross/aarch64-linux-gnu.ini \
      -Dc_args="-I$dnnl/usr/include" -Ddarknet=disabled "$@"
    ;;
  *)
    echo "usage: $0 packages | binfmt | setup DIR [MESON_OPTION...]" >&2
    exit 2
    ;;
esac
