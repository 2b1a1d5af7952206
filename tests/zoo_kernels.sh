#!/usr/bin/env bash
# engine_kernels.sh for Darknet zoo models: each is made with random weights by
# libdarknet (make_darknet_weights) in a scratch directory, with placeholder
# labels, then every layer must run on a JIT kernel of this CPU. Grouped
# convolutions of 4 channels per group (ResNeXt) once ran on oneDNN's
# reference kernel: 1.3 s for one layer.
# usage: zoo_kernels.sh LOOKSLIKE MAKE_DARKNET_WEIGHTS ZOO_CFG_DIR IMAGE.jpg MODEL...
set -euo pipefail
lookslike=$1 make=$2 zoo=$3 image=$4
shift 4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for model in "$@"; do
  "$make" "$zoo/$model.cfg" "$dir/$model" >/dev/null 2>&1
  seq 1000 | sed 's/^/class /' >"$dir/$model.labels"
done
bash "$(dirname "$0")/engine_kernels.sh" "$lookslike" "$dir" "$image" "$@"
