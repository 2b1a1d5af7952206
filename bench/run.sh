#!/usr/bin/env bash
# The whole performance table in one command (see docs/performance.md):
# builds what is missing, installs the peer runtimes from npm (pinned by
# bench/peers/package-lock.json) and runs bench/report.py. About 5 minutes;
# --quick for a rougher table in about 2.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/bootstrap.sh --with-tests >&2
# XNNPACK (bench/xnnpack_peer.c) and OpenCV DNN (bench/peers/opencv_dnn.py), peers: installed here,
# then the build picks XNNPACK up.
mapfile -t peers < <(grep -v '^\s*\(#\|$\)' tools/debian-bench-packages.txt)
if ! dpkg-query -W "${peers[@]}" >/dev/null 2>&1; then
  sudo=; [[ $(id -u) == 0 ]] || sudo=sudo
  $sudo apt-get install -y -q --no-install-recommends "${peers[@]}" >&2
  meson setup --reconfigure build >&2
fi
meson compile -C build >&2
meson compile -C build coral-models >&2 # the bring-your-own rows
if [[ ! -d bench/peers/node_modules/onnxruntime-node ]]; then
  # onnxruntime-node's install step would try to download CUDA libraries; its CPU library is in the package.
  (cd bench/peers && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund >&2)
fi
exec python3 bench/report.py "$@"
