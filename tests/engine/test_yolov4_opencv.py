#!/usr/bin/python3
"""The maintained Darknet fork's YOLOv4 cfgs (mish, route groups, scale_x_y,
new_coords), which Debian's libdarknet cannot run, against their oracle:
OpenCV DNN (Debian's python3-opencv), which reads Darknet cfgs itself.
Random weights from make_random_weights (our own writer: libdarknet cannot
write them either), scaled to keep every layer near unit scale; one input tensor (a Darknet photo resized to the input
and scaled to 0..1, as a blob) into both. For every [yolo] head, OpenCV's
output of the layer before it (its convolution, with the activation), put through the fork's
forward_yolo_layer (the logistic of x, y, objectness and classes unless
new_coords, then x and y times scale_x_y minus (scale_x_y - 1) / 2), must
equal lookslike's head output within 1e-4 of its largest magnitude, on 1 and
2 threads. And the boxes: OpenCV's [yolo] layers decode them themselves (a
row per cell and anchor: centre and size relative to the input, objectness,
objectness x class probability); every detection lookslike's decoder reads
off its own outputs (detector_outputs --boxes: no NMS, confidence above a
threshold that leaves about 2000, the image the network's size, so no
letterbox correction) must be one of OpenCV's, its box within 1e-4 and its
confidence within 1e-4 of the row's class score, and as many as OpenCV's
scores above the threshold (scale_x_y,
new_coords' squared sizes and the anchors included). The one difference
seen: with new_coords=1 the fifth column of OpenCV's rows is not the fork's
objectness (its class scores, objectness x probability, are).

usage: test_yolov4_opencv.py MAKE_RANDOM_WEIGHTS DETECTOR_OUTPUTS WORK_DIR PHOTO.jpg CFG...
"""
import json
import os
import subprocess
import sys

import cv2
import numpy as np

MAKE, OUTPUTS, WORK, PHOTO = sys.argv[1:5]
# He's variance times 0.9^2: at 1, yolov4-csp's 115 convolutions and 23
# shortcuts grow its activations to ~10^4 (and a 4e-5 relative difference
# then moves a logistic by 7e-3); at 0.9 every layer stays near unit scale.
GAIN = "0.9"
CFGS = sys.argv[5:]
passed = failed = 0


def check(ok, what):
    global passed, failed
    passed, failed = passed + bool(ok), failed + (not ok)
    print(("ok - " if ok else "not ok - ") + what, flush=True)
    return ok


def logistic(v):
    return 1.0 / (1.0 + np.exp(-np.clip(v, -500, 500)))


def net_size(cfg):
    size = {}
    for line in open(cfg):
        key, _, value = line.partition("=")
        if key.strip() in ("width", "height") and key.strip() not in size:
            size[key.strip()] = int(value)
    return size["width"], size["height"]


def compare(cfg):
    name = os.path.splitext(os.path.basename(cfg))[0]
    weights = os.path.join(WORK, name + ".weights")
    subprocess.run([MAKE, cfg, weights, "7", GAIN], check=True)
    w, h = net_size(cfg)
    img = cv2.cvtColor(cv2.imread(PHOTO), cv2.COLOR_BGR2RGB)
    blob = (cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255).transpose(2, 0, 1)
    blob = np.ascontiguousarray(blob)
    x = os.path.join(WORK, name + ".in.f32")
    blob.tofile(x)

    net = cv2.dnn.readNetFromDarknet(cfg, weights)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setInput(blob[None])
    raws, worst_abs = None, 0.0
    for threads in (1, 2):
        y = os.path.join(WORK, name + ".out.f32")
        run = subprocess.run([OUTPUTS, cfg, weights, x, y, str(threads)], capture_output=True, text=True)
        if not check(run.returncode == 0, f"{name}: lookslike runs it ({run.stderr.strip()[:200]})"):
            return
        lines = [json.loads(line) for line in run.stdout.splitlines()]
        heads = [hd for hd in lines if "layer" in hd]
        ours = np.fromfile(y, dtype=np.float32)
        if raws is None:  # what OpenCV's [yolo] reads: the layer before its permute (a conv, or its activation)
            names = net.getLayerNames()
            raws = net.forward([names[names.index(f"permute_{hd['layer']}") - 1] for hd in heads])
        for hd, raw in zip(heads, raws):
            raw = raw.reshape(hd["boxes"], hd["classes"] + 5, hd["h"], hd["w"]).astype(np.float64)
            theirs = raw.copy()
            if not hd["new_coords"]:
                theirs[:, 0:2] = logistic(raw[:, 0:2])
                theirs[:, 4:] = logistic(raw[:, 4:])
            s = hd["scale_x_y"]
            theirs[:, 0:2] = theirs[:, 0:2] * s - 0.5 * (s - 1)
            mine = ours[hd["offset"]:hd["offset"] + raw.size].reshape(raw.shape)
            worst = np.abs(mine - theirs).max() / np.abs(theirs).max()
            worst_abs = max(worst_abs, float(np.abs(mine - theirs).max()))
            check(worst <= 1e-4, f"{name}, {threads} thread{'s' if threads > 1 else ''}: [yolo] layer {hd['layer']} "
                  f"({hd['c']}x{hd['h']}x{hd['w']}, scale_x_y {s:g}, new_coords {hd['new_coords']}) within 1e-4 "
                  f"of its largest value (worst {worst:.2e})")
    compare_boxes(name, cfg, weights, x, net, worst_abs)


def compare_boxes(name, cfg, weights, x, net, worst):
    rows = np.concatenate([o.reshape(-1, o.shape[-1]) for o in net.forward(net.getUnconnectedOutLayersNames())])
    # a threshold that leaves about 2000 of OpenCV's scores (random weights put them anywhere)
    scores = np.sort(rows[:, 5:].ravel())[::-1]
    t = float(np.clip(scores[min(2000, scores.size - 1)], 0.05, 0.9))
    run = subprocess.run([OUTPUTS, f"--boxes={t}", cfg, weights, x, os.path.join(WORK, name + ".out.f32")],
                         capture_output=True, text=True)
    ours = [json.loads(line) for line in run.stdout.splitlines() if '"box"' in line]
    # OpenCV's class scores above the threshold (a score is objectness x probability, so its objectness
    # passed too; its fifth column is not the fork's objectness where new_coords=1, so it is not read)
    theirs = int((rows[:, 5:] > t).sum())
    # What the heads' largest difference d allows: a size is exp(v) or (2v)^2 times its anchor, a score the
    # product of two head values.
    box_tol, score_tol = 1e-4 + 8 * worst, 1e-4 + 2 * worst
    matched = 0
    for d in ours:
        near = np.nonzero(np.all(np.abs(rows[:, :4] - np.array(d["box"]))
                                 <= box_tol * np.maximum(1, np.abs(rows[:, :4])), axis=1))[0]
        matched += any(abs(rows[i, 5 + d["class"]] - d["confidence"]) <= score_tol for i in near)
    check(run.returncode == 0 and len(ours) > 0 and matched == len(ours)
          and abs(theirs - len(ours)) <= 0.01 * len(ours) + 1,
          f"{name}: each of lookslike's {len(ours)} detections above {t:.3f} is one of OpenCV's decoded boxes, within "
          f"{box_tol:.1e} and score within {score_tol:.1e} ({matched} matched; OpenCV has {theirs} scores above it)")


def main():
    os.makedirs(WORK, exist_ok=True)
    for cfg in CFGS:
        compare(cfg)
    print(f"# {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
