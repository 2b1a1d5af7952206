#!/usr/bin/env bash
# Replays a fuzz target over fresh seeds and the saved regressions for it.
# usage: replay.sh REPLAY_BINARY TARGET MAKE_TEST_JPEGS SHARED_IMAGES_DIR REGRESSIONS_DIR
set -euo pipefail
replay=$1 target=$2 make_jpegs=$3 shared=$4 regressions=$5
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bash "$(dirname "$0")/make_seeds.sh" "$tmp" "$make_jpegs" "$shared"
dirs=("$tmp/$target")
[[ -d $regressions ]] && dirs+=("$regressions")
"$replay" "${dirs[@]}"
