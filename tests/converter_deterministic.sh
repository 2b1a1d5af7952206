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
# Hostile files made by hand (tests/tools/tflite_build.py): refused with a
# message (exit 1, nothing written) or, the model without parameters,
# converted; never a crash (a signal), never an output the input's bytes
# cannot account for.
python3 "$here/tests/tools/tflite_build.py" "$tmp/hostile"
hostile=(
  "maxpool_without_options|MAX_POOL_2D with a 0x0 window and stride 0 is not a pool"
  "fully_connected_bias_without_quantization|bias 'b' or input 'in' of a quantized layer has no quantization"
  "per_channel_along_inputs|weights quantised along dimension 3 are not supported"
  "shared_operator_table|operator #1: tensor 'y' is written a second time"
  "shared_weights|operator #1: tensor 'w' is read as weights by operator #0 already"
  "maxpool_only|"
)
for h in "${hostile[@]}"; do
  IFS='|' read -r name expect <<< "$h"
  rm -f "$tmp/h".*
  "$converter" -o "$tmp/h" "$tmp/hostile/$name.tflite" 2>"$tmp/err"; rc=$?
  if [[ -z $expect ]]; then
    if [[ $rc == 0 && $(stat -c %s "$tmp/h.weights") == 20 ]]; then ok "$name: converted, a 20-byte weights image"
    else bad "$name gave exit $rc: $(cat "$tmp/err")"; fi
  elif [[ $rc == 1 ]] && grep -qF "$expect" "$tmp/err" && [[ ! -e $tmp/h.cfg ]]; then ok "refuses $name: $(cat "$tmp/err")"
  else bad "$name gave exit $rc (wanted 1 and \"$expect\"): $(cat "$tmp/err")"; fi
done

# Labels the server would refuse are refused here, by line: not UTF-8.
printf 'cat\ncaf\xe9\n' > "$tmp/latin1.labels"
"$converter" --labels "$tmp/latin1.labels" -o "$tmp/l" "$source_root/coral_classifiers/mobilenet_v1_0.25_128_quant.tflite" \
  2>"$tmp/err"; rc=$?
if [[ $rc == 1 ]] && grep -qF "latin1.labels:2: not UTF-8 text (byte 0xe9 at column 4)" "$tmp/err" && [[ ! -e $tmp/l.cfg ]]; then
  ok "refuses Latin-1 labels: $(cat "$tmp/err")"
else bad "Latin-1 labels gave exit $rc: $(cat "$tmp/err")"; fi

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
