#!/usr/bin/env bash
# Bring-your-own models against a real TFLite runtime, byte for byte: Coral's
# six classifiers (models/*.sources with folder coral_classifiers), converted
# by the build, each run on the 8 Coral photos and the 2 bench frames, both
# crops. lookslike computes every input tensor (tests/tools/model_input: the
# service's decoding and preprocessing); TFLite's builtin kernels, compiled to
# WebAssembly and run in Chromium (tests/tools/tflite_oracle.mjs), are fed
# those very tensors; test_int8_oracle then requires the integer engine's
# uint8 outputs to equal TFLite's on every kernel set of this CPU (the native
# fast sets on 1 and 2 threads). The oracle runs live, once per model (about
# 7 s each). Arm NN's TFLite parser (python3-pyarmnn) cross-checks TFLite's
# top-1. And the iNaturalist bird model's answers must skip its background
# class (last) and name the parrot and the owl as TFLite does.
# usage: tflite_oracle.sh MODEL_INPUT TEST_INT8_ORACLE MODEL_DIR SOURCE_ROOT IMAGES_DIR ARMNN
#   ARMNN: "armnn" for the Arm NN cross-check (about 5 s a tensor on its CpuRef
#   backend, so on the centre crops only, and not in the sanitizer build,
#   whose code it does not run), anything else to leave it out
set -uo pipefail
model_input=$1 test_oracle=$2 model_dir=$3 source_root=$4 images=$5 armnn=${6:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok()  { echo "ok - $*"; pass=$((pass+1)); }
bad() { echo "not ok - $*"; fail=$((fail+1)); }

photos=("$images"/coral/{bird.bmp,cat.bmp,dragonfly.bmp,grace_hopper.bmp,hot_dog.jpg,owl.jpg,parrot.jpg,sunflower.bmp}
        "$images"/bench/{parrot_640x480.jpg,hot_dog_4032x3024.jpg})
for f in "${photos[@]}"; do
  [[ -f $f ]] || { echo "# SKIP: $f is missing"; exit 77; }
done
if [[ ! -x /usr/bin/chromium || ! -d $here/node_modules/@tensorflow/tfjs-tflite ]]; then
  echo "# SKIP: no Chromium or no @tensorflow/tfjs-tflite in tests/node_modules (tests/run.sh installs both)"
  exit 77
fi

for sources in "$here"/../models/*.sources; do
  grep -q '^folder coral_classifiers$' "$sources" || continue
  name=$(basename "$sources" .sources)
  tflite=$source_root/coral_classifiers/$(awk '$1 == "model" {print $3}' "$sources")
  [[ -f $tflite ]] || { bad "$name: $tflite missing"; continue; }
  : > "$tmp/$name.in"
  for crop in center full; do
    "$model_input" "$model_dir" "$name" "$crop" "${photos[@]}" >> "$tmp/$name.in" 2>> "$tmp/$name.$crop.top1" ||
      { bad "$name: model_input ($crop) failed: $(tail -3 "$tmp/$name.$crop.top1")"; continue 2; }
  done
  if ! node "$here/tools/tflite_oracle.mjs" "$tflite" "$tmp/$name.in" "$tmp/$name.u8" 2> "$tmp/$name.oracle"; then
    bad "$name: the TFLite runtime failed: $(tail -5 "$tmp/$name.oracle")"
    continue
  fi
  ok "$name: TFLite ran the ${#photos[@]} x 2 tensors lookslike computed: $(grep '^tflite_oracle:' "$tmp/$name.oracle" | cut -c16-)"
  "$test_oracle" "$name" "$model_dir/$name.cfg" "$model_dir/$name.weights" "$tmp/$name.in" "$tmp/$name.u8" \
    > "$tmp/$name.test"; rc=$?
  sed 's/^/    /' "$tmp/$name.test"
  if [[ $rc == 0 ]]; then ok "$name: $(grep -c '^ok' "$tmp/$name.test") checks, every kernel set equal to TFLite's bytes"
  else bad "$name: $(grep -c '^not ok' "$tmp/$name.test") checks failed"; fi
  cp "$tmp/$name.u8" "$tmp/$name.keep"
  # A second, independent runtime: Arm NN's top-1 on the centre crops must be
  # TFLite's wherever TFLite is at least 25 % sure (its requantization rounds
  # slightly differently, which may swap two unsure classes: counted).
  size=$(( $(stat -c %s "$tmp/$name.in") / 2 ))
  head -c "$size" "$tmp/$name.in" > "$tmp/$name.center.in"
  if [[ $armnn != armnn ]]; then
    echo "ok - # SKIP $name: Arm NN cross-check (not in this build)"
  elif ! /usr/bin/python3 -c 'import pyarmnn' 2>/dev/null; then
    echo "ok - # SKIP $name: Arm NN cross-check (no python3-pyarmnn)"
  elif ! /usr/bin/python3 "$here/tools/armnn_top1.py" "$tflite" "$tmp/$name.center.in" > "$tmp/$name.armnn" 2> "$tmp/$name.armnn.err"; then
    bad "$name: Arm NN failed: $(tail -2 "$tmp/$name.armnn.err")"
  else
    verdict=$(python3 - "$tmp/$name.u8" "$tmp/$name.armnn" <<'EOF2'
import sys
data, rows = open(sys.argv[1], 'rb').read(), [tuple(map(int, l.split())) for l in open(sys.argv[2])]
n = len(data) // (2 * len(rows))  # rows: the centre crops, the first half of TFLite's outputs
same = sure = sure_same = 0
for r, (top, _) in enumerate(rows):
    v = data[r * n:(r + 1) * n]
    best = max(range(n), key=lambda i: (v[i], -i))
    same += top == best
    sure += v[best] >= 64
    sure_same += v[best] >= 64 and top == best
print('ok' if sure_same == sure else 'not', f'{same} of {len(rows)} the same top-1; {sure_same} of the {sure} '
      'TFLite is at least 25 % sure of')
EOF2
)
    if [[ $verdict == ok* ]]; then ok "$name: Arm NN (CpuRef) agrees with TFLite's top-1: ${verdict#ok }"
    else bad "$name: Arm NN disagrees with TFLite's top-1: ${verdict#not }"; fi
  fi
done

# The bird model, whose background class is its last (964): for every photo
# (centre crop) lookslike's top-1 (what /predict answers, background left out)
# is a class whose TFLite byte is the largest but background's (ties are
# decided by lookslike's float probabilities), never background itself,
# which TFLite ranks first for the cat, Grace Hopper, the sunflower and the
# hot dogs; and it names the owl and the parrot as TFLite does.
if [[ -f $tmp/inat_bird.keep ]]; then
  while read -r verdict text; do
    if [[ $verdict == ok ]]; then ok "inat_bird: $text"; else bad "inat_bird: $text"; fi
  done < <(python3 - "$tmp/inat_bird.keep" "$tmp/inat_bird.center.top1" "$model_dir/inat_bird.labels" \
                     "${photos[@]}" <<'EOF2'
import sys
data, tops, labels, photos = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
data, labels = open(data, 'rb').read(), open(labels).read().split('\n')
n = len(data) // (2 * len(photos))
background = labels.index('background')
ours = {line.split(': ')[0]: int(line.split(': ')[1].split()[0]) for line in open(tops) if ': ' in line}
for row, photo in enumerate(photos):
    v = data[row * n:(row + 1) * n]
    best = max(v[i] for i in range(n) if i != background)
    tflite_top = max(range(n), key=lambda i: (v[i], -i))
    mine = ours[photo]
    name = photo.split('/')[-1]
    good = mine != background and v[mine] == best
    print('ok' if good else 'not', f'{name}: lookslike answers {mine} ({labels[mine]}, TFLite byte {v[mine]}); '
          f"TFLite's largest byte but background's {best}, its top-1 {tflite_top}"
          f"{' (background)' if tflite_top == background else ''}")
    want = {'owl.jpg': 'Athene cunicularia (Burrowing Owl)', 'parrot.jpg': 'Ara macao (Scarlet Macaw)'}.get(name)
    if want and '/coral/' in photo:
        print('ok' if labels[mine] == want == labels[tflite_top] else 'not',
              f'names {name} {labels[mine]!r} (TFLite: {labels[tflite_top]!r}, expected {want!r})')
EOF2
)
fi
echo "# $pass passed, $fail failed"
[[ $fail == 0 ]]
