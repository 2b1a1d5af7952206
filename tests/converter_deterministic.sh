#!/usr/bin/env bash
# The converter must write the same bytes every time, and its cfg must be the
# one committed in models/ (the readable description of what we serve). Also:
# it must refuse a damaged TFLite file with a message, not crash, refuse what
# it cannot represent exactly, naming the operator, and the build must refuse
# a source file whose sha256 is not the pinned one.
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
# What the converter cannot represent exactly is refused, naming the operator
# or tensor: real models with one thing changed (tests/tools/tflite_patch.py).
coral=$source_root/coral_classifiers
bird=$coral/mobilenet_v2_1.0_224_inat_bird_quant.tflite tf2=$coral/tf2_mobilenet_v2_1.0_224_ptq.tflite
refusals=(
  "$bird|opcode:9:2|operator #63: unsupported operator CONCATENATION|an operator outside the list"
  "$bird|opcode:3:14|operator #0: unsupported operator LOGISTIC|another operator outside the list"
  "$bird|input-type:0|is float32: only quantized models|a float model"
  "$tf2|output-scale:0:0.5|operator #0: QUANTIZE from scale 0.00784313772 zero point 127 (uint8) to scale 0.5|a QUANTIZE that rescales"
  "$tf2|option-byte:63:0:0|operator #63: MEAN without keep_dims is not supported|a MEAN of another kernel"
)
for r in "${refusals[@]}"; do
  IFS='|' read -r model change expect what <<< "$r"
  if [[ ! -f $model ]]; then echo "ok - # SKIP $what: $model missing"; continue; fi
  python3 "$here/tests/tools/tflite_patch.py" "$model" "$tmp/patched.tflite" "$change" &&
    "$converter" -o "$tmp/patched" "$tmp/patched.tflite" 2>"$tmp/err"; rc=$?
  if [[ $rc == 1 ]] && grep -qF "$expect" "$tmp/err" && [[ ! -e $tmp/patched.cfg ]]; then ok "refuses $what: $(cat "$tmp/err")"
  else bad "$what ($change) gave exit $rc: $(cat "$tmp/err")"; fi
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
