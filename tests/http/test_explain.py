#!/usr/bin/env python3
"""Class activation maps over HTTP (docs/explanations.md): POST
/predict?explain=1 and the Open Inference Protocol's heatmap outputs.
- each of the top-k has a heatmap of the model's grid (MobileNet v1: 7 x 7),
  its values scaled to 0..1 (lowest cell 0, highest 1), its region the
  preprocessing's crop in the image's pixels and its box the cells at 0.5 or
  more, computed here from the documented arithmetic: TF-slim's centre crop
  and the full frame on square and non-square photos, a DCT-scaled 4032 x
  3024 photo (its region in the pixels of the image as sent), Darknet's
  resize-shorter-side-then-crop window for a model with preprocess=darknet;
- raw, multipart, JSON bodies and batches give each image its maps, the same
  as its own request's; ?explain=0 gives none; a bad value is 400;
- a model whose pool is followed by a nonlinear layer, that has no pool, or
  whose pool averages more than 1024 cells is refused with 400 naming the cfg
  line and the reason, on /predict and v2;
  /v1/models says which models have maps and their grid;
- v2: "heatmap" only when named, [N, K, H, W] with "classification" K, its
  companions heatmap_classes / heatmap_boxes / heatmap_regions; JSON and
  binary_data carry the same numbers, equal to /predict's.
usage: test_explain.py LOOKSLIKE MAKE_RANDOM_WEIGHTS CORAL_DIR BENCH_DIR"""
import base64
import json
import os
import struct
import subprocess
import sys
import tempfile

import harness
from harness import check, request

LOOKSLIKE, MAKE_WEIGHTS, CORAL, BENCH = sys.argv[1:5]

# A Darknet-preprocessed classifier of the zoo's shape (random weights): a
# 1x1 convolution to the classes after the pool, with batch norm folded in.
DARKNET_CFG = """[net]
width=64
height=64
channels=3

[convolutional]
filters=8
size=3
stride=2
pad=1
activation=leaky
batch_normalize=1

[convolutional]
filters=16
size=3
stride=2
pad=1
activation=leaky

[avgpool]

[convolutional]
filters=5
size=1
stride=1
batch_normalize=1
activation=linear

[softmax]
"""
# darknet19's kind: the classes' channels before the pool, nothing after it.
CHANNELS_CFG = DARKNET_CFG.replace("""[avgpool]

[convolutional]
filters=5
size=1
stride=1
batch_normalize=1
activation=linear
""", """[convolutional]
filters=5
size=1
stride=1
activation=linear

[avgpool]
""")
# A nonlinear head: refused for explain.
LEAKY_CFG = DARKNET_CFG.replace("batch_normalize=1\nactivation=linear", "activation=leaky")
# A pool over 64 x 64 cells: more than a class map may have (1024).
FINE_CFG = DARKNET_CFG.replace("stride=2", "stride=1")
NO_POOL_CFG = """[net]
width=32
height=32
channels=3

[convolutional]
filters=4
size=3
stride=2
pad=1
activation=relu

[connected]
output=5
activation=linear

[softmax]
"""


def post(port, body, ctype, query):
    status, _, data = request(port, "POST", "/predict?" + query, body, {"Content-Type": ctype}, timeout=120)
    try:
        return status, json.loads(data)
    except ValueError:
        return status, {}


def multipart(files):
    body = b""
    for i, data in enumerate(files):
        body += (b"--XyZ\r\nContent-Disposition: form-data; name=\"image%d\"; filename=\"f%d\"\r\n"
                 b"Content-Type: image/jpeg\r\n\r\n" % (i, i) + data + b"\r\n")
    return body + b"--XyZ--\r\n", "multipart/form-data; boundary=XyZ"


def tf_slim_region(w, h, crop):
    if crop == "full":
        return [0, 0, w, h]
    cw, ch = w * 7 // 8, h * 7 // 8
    return [(w - cw) // 2, (h - ch) // 2, cw, ch]


def darknet_region(w, h, side, crop):
    """resize_min (the shorter side to the input), then the centred window; in the image's pixels."""
    if crop == "full":
        return [0, 0, w, h]
    rw, rh = (side, h * side // w) if w < h else (w * side // h, side)
    return [(rw - side) // 2 * w / rw, (rh - side) // 2 * h / rh, side * w / rw, side * h / rh]


def box_of(values, gw, gh, region):
    """The cells at 0.5 or more, as a rectangle of the region."""
    xs = [i % gw for i, v in enumerate(values) if v >= 0.5]
    ys = [i // gw for i, v in enumerate(values) if v >= 0.5]
    cw, ch = region[2] / gw, region[3] / gh
    return [region[0] + min(xs) * cw, region[1] + min(ys) * ch, (max(xs) + 1 - min(xs)) * cw,
            (max(ys) + 1 - min(ys)) * ch]


def rect(d):
    return [d["x"], d["y"], d["width"], d["height"]]


def close(a, b, tol):
    return len(a) == len(b) and all(abs(x - y) <= tol for x, y in zip(a, b))


def check_maps(what, r, region, grid=(7, 7), k=3, tol=0.006):
    """Every prediction's heatmap: its grid, values 0..1 with both ends, the region, the box from the values."""
    preds = r.get("predictions", [])
    ok = len(preds) == k
    problems = []
    for p in preds:
        m = p.get("heatmap")
        if not m:
            ok, problems = False, problems + [f"{p.get('label')}: no heatmap"]
            continue
        v = m["values"]
        good = (m["width"], m["height"]) == grid and len(v) == grid[0] * grid[1] and min(v) == 0 and max(v) == 1 and \
            all(0 <= x <= 1 for x in v)
        good &= close(rect(m["region"]), region, tol)
        good &= close(rect(m["box"]), box_of(v, *grid, region), tol + 0.01)
        if not good:
            problems.append(f"{p['label']}: {m['width']}x{m['height']}, {len(v)} values in [{min(v)}, {max(v)}], "
                            f"region {rect(m['region'])} (expected {region}), box {rect(m['box'])} "
                            f"(expected {box_of(v, *grid, region)})")
        ok &= good
    return check(ok, f"{what}: {len(preds)} predictions, each with its map, region {region} and box "
                 f"{problems[:2]}")


def main():
    parrot = open(os.path.join(CORAL, "parrot.jpg"), "rb").read()  # 512 x 929
    owl = open(os.path.join(CORAL, "owl.jpg"), "rb").read()
    frame = open(os.path.join(BENCH, "parrot_640x480.jpg"), "rb").read()
    big = open(os.path.join(BENCH, "hot_dog_4032x3024.jpg"), "rb").read()
    tmp = tempfile.mkdtemp()
    for name, cfg in (("dn_linear", DARKNET_CFG), ("dn_channels", CHANNELS_CFG), ("dn_leaky", LEAKY_CFG),
                      ("no_pool", NO_POOL_CFG), ("fine", FINE_CFG)):
        open(os.path.join(tmp, name + ".cfg"), "w").write(cfg)
        subprocess.run([MAKE_WEIGHTS, os.path.join(tmp, name + ".cfg"), os.path.join(tmp, name + ".weights"), "7"],
                       check=True, stdout=subprocess.DEVNULL)
        open(os.path.join(tmp, name + ".labels"), "w").write("".join(f"class{i}\n" for i in range(5)))
    srv = harness.Server(LOOKSLIKE, "--max-batch", "8")
    dn = harness.Server(LOOKSLIKE, "--model-dir", tmp, "--model", "dn_linear,dn_channels,dn_leaky,no_pool,fine")
    try:
        port = srv.port
        # The formats and the region arithmetic of TF-slim's crop.
        for what, data, w, h in (("parrot.jpg (512x929)", parrot, 512, 929),
                                 ("parrot_640x480.jpg", frame, 640, 480)):
            for crop in ("center", "full"):
                status, r = post(port, data, "image/jpeg", f"explain=1&crop={crop}")
                check_maps(f"raw {what}, crop={crop}: {status}", r, tf_slim_region(w, h, crop))
        status, r = post(port, big, "image/jpeg", "explain=1&k=1")
        # decoded at 1/4 (1008 x 756): the crop of that, in the pixels of the image as sent
        check_maps(f"4032x3024, decoded at 1/4: {status}, image {r.get('image')}", r,
                   [4 * x for x in tf_slim_region(1008, 756, "center")], k=1)
        status, r = post(port, parrot, "image/jpeg", "explain=0")
        check(status == 200 and all("heatmap" not in p for p in r.get("predictions", [])), "explain=0: no heatmap")
        status, r = post(port, parrot, "image/jpeg", "k=3")
        check(status == 200 and all("heatmap" not in p for p in r.get("predictions", [])), "no explain: no heatmap")
        for bad in ("2", "yes", ""):
            status, r = post(port, parrot, "image/jpeg", f"explain={bad}")
            check(status == 400 and "explain must be 0 or 1" in r.get("error", {}).get("message", ""),
                  f"explain={bad!r}: 400 {r}")
        single = post(port, owl, "image/jpeg", "explain=1&k=2")[1]
        body = json.dumps({"image": "data:image/jpeg;base64," + base64.b64encode(owl).decode()}).encode()
        status, r = post(port, body, "application/json", "explain=1&k=2")
        check(status == 200 and r.get("predictions") == single["predictions"],
              "a JSON data URL's maps equal the raw upload's")
        status, r = post(port, *multipart([parrot, owl, frame]), "explain=1&k=2")
        res = r.get("results", [])
        check(status == 200 and len(res) == 3 and res[1].get("predictions") == single["predictions"],
              f"a multipart batch of 3: each image its maps, the owl's those of its own request ({status})")
        for i, (what, w, h) in enumerate((("parrot", 512, 929), ("owl", None, None), ("frame", 640, 480))):
            if w and i < len(res):
                check_maps(f"batch item {i} ({what})", res[i], tf_slim_region(w, h, "center"), k=2)
        body = json.dumps({"images": ["data:image/jpeg;base64," + base64.b64encode(x).decode()
                                      for x in (owl, owl)]}).encode()
        status, r = post(port, body, "application/json", "explain=1&k=2")
        check(status == 200 and [x.get("predictions") for x in r.get("results", [])] == [single["predictions"]] * 2,
              "a JSON batch of 2: the same maps as the single request's")
        status, _, data = request(port, "GET", "/v1/models")
        models = {m["name"]: m for m in json.loads(data)["models"]}
        check(models["mobilenet_v1"].get("heatmap") == {"width": 7, "height": 7},
              f"/v1/models: v1's maps are 7x7 ({models['mobilenet_v1'].get('heatmap')})")

        # v2: on request only; JSON and binary the same; equal to /predict's.
        image = {"name": "image", "shape": [2], "datatype": "BYTES",
                 "data": [base64.b64encode(x).decode() for x in (frame, parrot)]}
        status, doc, _ = harness.v2_infer(port, "mobilenet_v1", {"inputs": [image]})
        names = [o["name"] for o in doc.get("outputs", [])]
        check(status == 200 and names == ["probabilities", "features"], f"v2 by default: no heatmap ({names})")
        outputs = [{"name": "heatmap", "parameters": {"classification": 3}}, {"name": "heatmap_classes"},
                   {"name": "heatmap_boxes"}, {"name": "heatmap_regions"}]
        status, doc, _ = harness.v2_infer(port, "mobilenet_v1", {"inputs": [image], "outputs": outputs})
        out = {o["name"]: o for o in doc.get("outputs", [])}
        check(status == 200 and out["heatmap"]["shape"] == [2, 3, 7, 7] and out["heatmap"]["datatype"] == "FP32" and
              out["heatmap_classes"]["shape"] == [2, 3] and out["heatmap_classes"]["datatype"] == "INT32" and
              out["heatmap_boxes"]["shape"] == [2, 3, 4] and out["heatmap_regions"]["shape"] == [2, 4],
              f"v2 heatmap outputs by name: shapes and types ({status}, "
              f"{[(o['name'], o['shape'], o['datatype']) for o in out.values()]})")
        same = True
        for i, (data, w, h) in enumerate(((frame, 640, 480), (parrot, 512, 929))):
            r = post(port, data, "image/jpeg", "explain=1&k=3")[1]
            for j, p in enumerate(r["predictions"]):
                m = p["heatmap"]
                same &= out["heatmap_classes"]["data"][i * 3 + j] == p["index"]
                same &= out["heatmap"]["data"][(i * 3 + j) * 49:(i * 3 + j + 1) * 49] == m["values"]
                same &= close(out["heatmap_boxes"]["data"][(i * 3 + j) * 4:(i * 3 + j + 1) * 4], rect(m["box"]), 0.006)
            same &= close(out["heatmap_regions"]["data"][i * 4:(i + 1) * 4], tf_slim_region(w, h, "center"), 0)
        check(same, "v2's maps, classes, boxes and regions are /predict's")
        for o in outputs:
            o.setdefault("parameters", {})["binary_data"] = True
        status, doc, binary = harness.v2_infer(port, "mobilenet_v1", {"inputs": [image], "outputs": outputs})
        at, ok = 0, status == 200
        for o in doc.get("outputs", []):
            n = o["parameters"]["binary_data_size"]
            fmt = "<%d%s" % (n // 4, "i" if o["datatype"] == "INT32" else "f")
            # JSON has each float32's shortest text (9 digits): the same float32 once read back
            ok &= close([struct.unpack("<f", struct.pack("<f", x))[0] for x in out[o["name"]]["data"]],
                        list(struct.unpack(fmt, binary[at:at + n])), 0)
            at += n
        check(ok and at == len(binary), "binary_data: the same numbers as the JSON")
        status, doc, _ = harness.v2_infer(port, "mobilenet_v1", {"inputs": [image], "outputs": [
            {"name": "heatmap_boxes", "parameters": {"classification": 2}}]})
        check(status == 400, f"classification on heatmap_boxes: 400 {doc}")
        status, doc, _ = harness.v2_infer(port, "mobilenet_v1", {"inputs": [image], "outputs": [
            {"name": "heatmap", "parameters": {"classification": 1001}}]})
        check(status == 400 and "at most 20" in doc.get("error", ""),
              f"maps of 1001 classes an image (32 images: 1001 x 49 x 32 floats): 400 {doc}")

        # Darknet's preprocessing, a batch-normed linear head, the class channels, refusals.
        port = dn.port
        for crop in ("center", "full"):
            for data, w, h in ((frame, 640, 480), (parrot, 512, 929)):
                for model in ("dn_linear", "dn_channels"):
                    status, r = post(port, data, "image/jpeg", f"model={model}&explain=1&crop={crop}")
                    check_maps(f"{model} (Darknet preprocessing) {w}x{h} crop={crop}: {status}", r,
                               darknet_region(w, h, 64, crop), grid=(16, 16), tol=0.006)
        line = LEAKY_CFG.split("\n").index("[convolutional]", LEAKY_CFG.split("\n").index("[avgpool]")) + 1
        for model, why in (("dn_leaky", f"dn_leaky:{line}: the [convolutional] after the pool has activation leaky"),
                           ("no_pool", "no_pool: no global average pool"),
                           ("fine", "the pool averages a 64x64 grid, more than the 1024 cells a class map may have")):
            status, r = post(port, parrot, "image/jpeg", f"model={model}&explain=1")
            check(status == 400 and why in r.get("error", {}).get("message", ""),
                  f"{model}: explain refused naming why: {status} {r}")
            status, r = post(port, parrot, "image/jpeg", f"model={model}")
            check(status == 200, f"{model}: /predict without explain still answers ({status})")
            status, doc, _ = harness.v2_infer(port, model, {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES",
                                                          "data": [base64.b64encode(parrot).decode()]}],
                                              "outputs": [{"name": "heatmap"}]})
            check(status == 400 and why in doc.get("error", ""), f"{model}: v2 heatmap refused naming why: {doc}")
        status, _, data = request(port, "GET", "/v1/models")
        models = {m["name"]: m.get("heatmap") for m in json.loads(data)["models"]}
        check(models == {"dn_linear": {"width": 16, "height": 16}, "dn_channels": {"width": 16, "height": 16},
                         "dn_leaky": None, "no_pool": None, "fine": None}, f"/v1/models: which have maps ({models})")
        harness.check_no_sanitizer_reports(srv, "server")
        harness.check_no_sanitizer_reports(dn, "Darknet models' server")
    finally:
        srv.stop()
        dn.stop()
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
