#!/usr/bin/env bash
# Where --engine darknet loads its plugin from: a binary in the build tree
# loads the build tree's plugin; the same binary anywhere else (as installed)
# must never look into the build tree (in the container that directory was a
# writable /tmp, so a planted file would have been loaded). Checked with the
# dynamic loader's own trace (LD_DEBUG=files) of a copy outside the tree.
# usage: plugin_path.sh LOOKSLIKE BUILD_PLUGIN IMAGE.jpg MODEL_DIR
set -uo pipefail
lookslike=$1 build_plugin=$2 image=$3 model_dir=$4
fails=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

trace=$(LD_DEBUG=files "$lookslike" classify --engine darknet --model-dir "$model_dir" "$image" 2>&1)
if grep -q "file=$build_plugin .*dynamically loaded" <<<"$trace" && grep -q "macaw" <<<"$trace"; then
  echo "ok - the build tree's binary loads the build tree's plugin"
else
  echo "not ok - the build tree's binary did not load $build_plugin"; fails=$((fails + 1))
fi

cp "$lookslike" "$tmp/lookslike"
trace=$(LD_DEBUG=files "$tmp/lookslike" classify --engine darknet --model-dir "$model_dir" "$image" 2>&1)
if grep -q "$build_plugin" <<<"$trace"; then
  echo "not ok - a binary outside the build tree tried the build tree's plugin:"
  grep "$build_plugin" <<<"$trace" | head -3
  fails=$((fails + 1))
else
  echo "ok - a binary outside the build tree never opens $build_plugin"
  grep -m1 "engine 'darknet'" <<<"$trace" | sed 's/^/# /'
fi
echo "# $((2 - fails)) passed, $fails failed"
exit $((fails > 0))
