#!/usr/bin/env bash
# Seed corpora for the fuzz targets, made from real files at run time:
# OUT/jpeg, OUT/body, OUT/model, and OUT/png, webp, gif, bmp (every variant of
# tests/image/format_cases.py, made with Debian's python3-pil, plus the Coral BMPs).
# usage: make_seeds.sh OUT MAKE_TEST_JPEGS SHARED_IMAGES_DIR
set -euo pipefail
out=$1 make_jpegs=$2 shared=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"/{jpeg,body,model,png,webp,gif,bmp,tmp}
"$make_jpegs" "$out/tmp"
for f in "$out"/tmp/*.jpg "$shared"/coral/*.jpg; do
  [[ -f $f ]] || continue
  name=$(basename "$f")
  cp "$f" "$out/jpeg/$name"
  { printf 'image/jpeg\n'; cat "$f"; } > "$out/body/raw-$name"
  { printf 'application/json\n{"image": "data:image/jpeg;base64,'; base64 -w0 "$f"; printf '"}'; } > "$out/body/json-$name"
done
printf 'application/json\n{"image": 5}' > "$out/body/json-not-string"
printf 'image/png\n\x89PNG' > "$out/body/png"
/usr/bin/python3 "$here/../image/format_cases.py" "$shared/coral/parrot.jpg" "$out"
cp "$shared"/coral/*.bmp "$out/bmp/"
for f in "$out"/png/* "$out"/gif/* "$out"/webp/*; do
  { printf 'image/png\n'; cat "$f"; } > "$out/body/raw-$(basename "$f")"
done
# Model seeds: every corpus cfg, plus a small valid model with exact weights.
for f in "$here"/../loader_corpus/*.cfg; do
  python3 - "$f" "$out/model/$(basename "$f")" <<'PY'
import struct, sys
cfg = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(struct.pack("<H", len(cfg)) + cfg)
PY
done
python3 - "$out/model/tiny-valid" <<'PY'
import struct, sys
cfg = (b"[net]\nwidth=4\nheight=4\nchannels=3\n[convolutional]\nfilters=2\nsize=3\nstride=2\npad_mode=tf_same\n"
       b"batch_normalize=1\nactivation=relu6\n[maxpool]\nsize=2\nstride=1\n[route]\nlayers=-1,-2\n"
       b"[shortcut]\nfrom=-1\n[connected]\noutput=3\nactivation=leaky\n[avgpool]\n[dropout]\n[softmax]\n")
params = (2 * 4 + 2 * 3 * 9) + (3 + 3 * 16)  # conv with batch norm; connected on a 4x2x2 input
weights = struct.pack("<3iQ", 0, 2, 0, 0) + struct.pack("<%df" % params, *([0.5] * params))
open(sys.argv[1], "wb").write(struct.pack("<H", len(cfg)) + cfg + weights)
PY
# A small Darknet-zoo-style model: [crop], a shortcut between sizes, ramp, [cost].
python3 - "$out/model/tiny-zoo" <<'PY'
import struct, sys
cfg = (b"[net]\nwidth=10\nheight=10\nchannels=3\npreprocess=darknet\n[crop]\ncrop_width=8\ncrop_height=8\nflip=1\n"
       b"[convolutional]\nfilters=2\nsize=3\npad=1\nactivation=ramp\n[convolutional]\nfilters=4\nsize=3\nstride=2\n"
       b"pad=1\nactivation=leaky\n[shortcut]\nfrom=-2\nactivation=leaky\n[avgpool]\n[softmax]\n[cost]\ntype=sse\n")
params = (2 + 2 * 3 * 9) + (4 + 4 * 2 * 9)
weights = struct.pack("<3iQ", 0, 2, 0, 0) + struct.pack("<%df" % params, *([0.5] * params))
open(sys.argv[1], "wb").write(struct.pack("<H", len(cfg)) + cfg + weights)
PY
# A small quantized model with weights on its grid (q - zero point = 1, biases 3).
python3 - "$out/model/tiny-quantized" <<'PY'
import struct, sys
cfg = (b"[net]\nwidth=6\nheight=6\nchannels=3\ninput_mean=128\ninput_scale=0.0078125\n"
       b"[convolutional]\nfilters=5\nsize=3\nstride=2\npad_mode=tf_same\nactivation=relu6\n"
       b"weight_scale=0.5\nweight_zero_point=100\noutput_scale=0.25\noutput_zero_point=0\n"
       b"[convolutional]\nfilters=5\nsize=3\nstride=1\ngroups=5\npadding=1\nactivation=linear\n"
       b"weight_scale=0.25,0.5,1,2,4\nweight_zero_point=1,2,3,4,250\noutput_scale=0.5\noutput_zero_point=7\n"
       b"[shortcut]\nfrom=-2\nactivation=relu\noutput_scale=0.75\noutput_zero_point=3\n"
       b"[avgpool]\n[softmax]\n")
w1 = [0.0078125 * 0.5 * 3] * 5 + [0.5] * (5 * 27)
w2 = [0.25 * 0.25 * 3, 0.25 * 0.5 * 3, 0.25 * 3, 0.25 * 2 * 3, 0.25 * 4 * 3]
w2 += [s for s in (0.25, 0.5, 1, 2, 4) for _ in range(9)]
weights = struct.pack("<3iQ", 0, 2, 0, 0) + struct.pack("<%df" % (len(w1) + len(w2)), *(w1 + w2))
open(sys.argv[1], "wb").write(struct.pack("<H", len(cfg)) + cfg + weights)
PY
rm -rf "$out/tmp"
