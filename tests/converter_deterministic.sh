#!/usr/bin/env bash
# The converter must write the same bytes every time, and its cfg must be the
# one committed in models/ (the readable description of what we serve). Also:
# it must refuse a damaged TFLite file with a message, not crash, and the build
# must refuse a source file whose sha256 is not the pinned one.
set -uo pipefail
converter=$1 models_src=$2 source_root=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
here=$(cd "$(dirname "$0")/.." && pwd)
pass=0 fail=0
ok()  { echo "ok - $*"; pass=$((pass+1)); }
bad() { echo "not ok - $*"; fail=$((fail+1)); }

for name in mobilenet_v1 mobilenet_v2; do
  for run in a b; do
    mkdir -p "$tmp/$run"
    bash "$here/tools/make_model.sh" "$converter" "$models_src/$name.sources" "$source_root" "$tmp/$run" "$name" \
      2>"$tmp/$run/$name.log" || { bad "$name: conversion $run failed: $(cat "$tmp/$run/$name.log")"; continue 2; }
  done
  for ext in cfg weights labels; do
    if cmp -s "$tmp/a/$name.$ext" "$tmp/b/$name.$ext"; then ok "$name.$ext identical across two conversions"
    else bad "$name.$ext differs between two conversions"; fi
  done
  if cmp -s "$tmp/a/$name.cfg" "$models_src/$name.cfg"; then ok "$name.cfg equals the committed models/$name.cfg"
  else bad "$name.cfg differs from the committed models/$name.cfg"; fi
done

# Damaged inputs: a truncated model and a non-TFLite file.
src=$(ls "$tmp"/a/*.weights | head -1)
head -c 100000 "$source_root/mobilenet_v2_1.0_224_quant/mobilenet_v2_1.0_224_quant.tflite" > "$tmp/trunc.tflite"
for f in "$tmp/trunc.tflite" "$src"; do
  "$converter" -o "$tmp/x" "$f" 2>"$tmp/err"; rc=$?
  if [[ $rc == 1 ]] && grep -q "tflite2darknet: " "$tmp/err"; then ok "refuses $(basename "$f"): $(head -c 120 "$tmp/err")"
  else bad "damaged input $(basename "$f") gave exit $rc: $(cat "$tmp/err")"; fi
done
# A source file that does not match its pinned sha256 stops the build, naming the file.
mkdir -p "$tmp/tampered/mobilenet_v2_1.0_224_quant"
cp "$source_root/mobilenet_v2_1.0_224_quant/"* "$tmp/tampered/mobilenet_v2_1.0_224_quant/"
chmod u+w "$tmp/tampered/mobilenet_v2_1.0_224_quant/"*
printf 'x' >> "$tmp/tampered/mobilenet_v2_1.0_224_quant/mobilenet_v2_1.0_224_quant.tflite"
mkdir -p "$tmp/c"
if LOOKSLIKE_MODEL_SOURCE="$tmp/tampered" bash "$here/tools/make_model.sh" "$converter" \
     "$models_src/mobilenet_v2.sources" /nonexistent "$tmp/c" mobilenet_v2 2>"$tmp/err"; then
  bad "a tampered model source was converted"
elif grep -q "checksum mismatch for mobilenet_v2_1.0_224_quant.tflite" "$tmp/err" && [[ ! -e $tmp/c/mobilenet_v2.weights ]]; then
  ok "tampered source refused: $(head -c 100 "$tmp/err")"
else
  bad "tampered source failed without naming the file: $(cat "$tmp/err")"
fi
echo "# $pass passed, $fail failed"
[[ $fail == 0 ]]
