#!/usr/bin/env bash
# Seed corpora for the fuzz targets, made from real files at run time:
# OUT/jpeg, OUT/body, OUT/model, OUT/png, webp, gif, bmp (every variant of
# tests/image/format_cases.py, made with Debian's python3-pil, plus the Coral BMPs),
# OUT/infer (Open Inference Protocol requests: JSON and binary, both inputs)
# and OUT/tflite (the real .tflite files of ../shared/models and the hand-made
# hostile ones of tests/tools/tflite_build.py).
# usage: make_seeds.sh OUT MAKE_TEST_JPEGS SHARED_IMAGES_DIR
set -euo pipefail
out=$1 make_jpegs=$2 shared=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"/{jpeg,body,model,png,webp,gif,bmp,infer,tflite,tmp}
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
# Inference request seeds: 2 bytes of JSON header length (15 bits, 0: all JSON; the top bit: a detector), then the body.
python3 - "$out/infer" "$shared/coral/owl.jpg" <<'PY'
import base64, json, os, struct, sys
out, jpeg = sys.argv[1], open(sys.argv[2], "rb").read()
def seed(name, doc, binary=b"", detector=False):
    head = json.dumps(doc).encode()
    size = (len(head) if binary else 0) | (0x8000 if detector else 0)
    open(os.path.join(out, name), "wb").write(struct.pack("<H", size) + head + binary)
seed("bytes-json", {"id": "1", "parameters": {"crop": "full"},
                    "inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": [base64.b64encode(jpeg[:600]).decode()]}],
                    "outputs": [{"name": "probabilities", "parameters": {"classification": 3, "binary_data": True}}]})
element = struct.pack("<I", 600) + jpeg[:600]
seed("bytes-binary", {"inputs": [{"name": "image", "shape": [2, 1], "datatype": "BYTES",
                                  "parameters": {"binary_data_size": 2 * len(element)}}]}, element * 2)
seed("pixels-json", {"inputs": [{"name": "pixels", "shape": [1, 16, 16, 3], "datatype": "UINT8",
                                 "data": [[[[x % 256, y, 7] for x in range(16)] for y in range(16)]]}]})
seed("pixels-binary", {"inputs": [{"name": "pixels", "shape": [2, 16, 16, 3], "datatype": "UINT8",
                                   "parameters": {"binary_data_size": 1536}}]}, bytes(range(256)) * 6)
seed("detector", {"parameters": {"threshold": 0.3, "nms": 0.5, "max": 20, "classes": "dog,person"},
                  "inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": [base64.b64encode(jpeg[:600]).decode()]}],
                  "outputs": [{"name": "boxes", "parameters": {"binary_data": True}}, {"name": "count"}]}, detector=True)
PY
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
# A small detector: route groups, upsample, reorg, mish, a [yolo] head with the fork's keys and a [region] head.
python3 - "$out/model/tiny-detector" <<'PY'
import struct, sys
cfg = (b"[net]\nwidth=16\nheight=16\nchannels=3\nletter_box=0\n[convolutional]\nfilters=8\nsize=3\nstride=2\npad=1\n"
       b"activation=mish\n[route]\nlayers=-1\ngroups=2\ngroup_id=1\n[upsample]\nstride=2\n[reorg]\nstride=2\n"
       b"[convolutional]\nfilters=14\nsize=1\nactivation=logistic\n[yolo]\nmask=0,1\nanchors=2,3,10,14\nclasses=2\n"
       b"num=2\nscale_x_y=2\nnew_coords=1\nnms_kind=diounms\n[route]\nlayers=-3\n[convolutional]\nfilters=14\n"
       b"size=1\nactivation=linear\n[region]\nanchors=1,1,2,2\nclasses=2\nnum=2\ncoords=4\nsoftmax=1\n")
params = (8 + 8 * 3 * 9) + (14 + 14 * 16) + (14 + 14 * 16)
weights = struct.pack("<3iQ", 0, 2, 0, 0) + struct.pack("<%df" % params, *([0.5] * params))
open(sys.argv[1], "wb").write(struct.pack("<H", len(cfg)) + cfg + weights)
PY
# A small YOLOv1: a [local] (padded), a [connected] and a [detection] head.
python3 - "$out/model/tiny-yolov1" <<'PY'
import struct, sys
cfg = (b"[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfilters=4\nsize=3\nstride=2\npad=1\n"
       b"activation=leaky\n[local]\nsize=3\nstride=1\npad=1\nfilters=2\nactivation=leaky\n[dropout]\n"
       b"[connected]\noutput=28\nactivation=linear\n[detection]\nclasses=2\ncoords=4\nnum=1\nside=2\n"
       b"softmax=1\nsqrt=1\n")
params = (4 + 4 * 27) + (32 + 16 * 2 * 36) + (28 + 28 * 32)
weights = struct.pack("<3iQ", 0, 2, 0, 0) + struct.pack("<%df" % params, *([0.25] * params))
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
python3 "$here/../tools/tflite_build.py" "$out/tflite"
for f in "$shared"/../models/*/*.tflite; do
  [[ -f $f ]] && cp "$f" "$out/tflite/"
done
rm -rf "$out/tmp"
