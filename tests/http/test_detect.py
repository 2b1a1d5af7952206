#!/usr/bin/env python3
"""POST /detect end to end: a Darknet YOLO detector (yolov3-tiny at 320x320,
random weights libdarknet makes, calibrated on another photo: make_darknet_weights) with Darknet's
coco.names beside it as NAME.names, served next to a classifier. Every
answer is compared with libdarknet's own detections of the same image
(darknet_detect: letterbox, get_network_boxes, do_nms_sort): the same boxes
(class, confidence within 1e-4, box within 0.5 px), at the default and other
thresholds and NMS; the class filter, max, batches, a PNG, /v1/models'
task, the Open Inference Protocol's detector outputs (against /detect's
answers), and the errors (bad parameters, a classifier asked to detect, a
detector asked to classify).

usage: test_detect.py LOOKSLIKE MAKE_DARKNET_WEIGHTS DARKNET_DETECT MODEL_DIR DARKNET_SHARE
(DARKNET_SHARE: /usr/share/darknet, with cfg/yolov3-tiny.cfg, data/coco.names and the photos)
"""
import base64
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import uuid

from harness import Server, check, request, summary

LOOKSLIKE, MAKE, ORACLE, MODEL_DIR, SHARE = sys.argv[1:6]
PHOTOS = ["dog", "person", "horses"]
Q = "?threshold=0.4&max=1000"


def oracle(work, image, thresh=0.25, nms=0.45):
    out = subprocess.run([ORACLE, os.path.join(work, "yolo.cfg"), os.path.join(work, "yolo.weights"), image,
                          str(thresh), str(nms)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def same(ours, theirs):
    """How many of libdarknet's detections have one of ours alike, and how many of ours are left over."""
    left = list(ours)
    found = 0
    for t in theirs:
        for o in left:
            b = o["box"]
            if (o["index"] == t["index"] and abs(o["confidence"] - t["confidence"]) <= 1e-4
                    and all(abs(x - y) <= 0.5 for x, y in zip([b["x"], b["y"], b["width"], b["height"]], t["box"]))):
                left.remove(o)
                found += 1
                break
    return found, len(left)


def agrees(ours, theirs, what):
    found, extra = same(ours, theirs)
    missing = len(theirs) - found
    # the boxes whose confidence or overlap the engines' rounding puts on the other side of a threshold
    check(missing + extra <= 0.02 * len(theirs) + 1 and len(theirs) > 0,
          f"{what}: {found} of libdarknet's {len(theirs)} detections alike ({missing} missing, {extra} extra)")


def multipart(files):
    boundary = uuid.uuid4().hex
    body = b""
    for i, (data, ctype) in enumerate(files):
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"f{i}\"\r\n"
                 f"Content-Type: {ctype}\r\n\r\n").encode() + data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def detect(port, query, body, ctype="image/jpeg"):
    headers = ctype if isinstance(ctype, dict) else {"Content-Type": ctype}
    status, _, raw = request(port, "POST", "/detect" + query, body, headers)
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, {"raw": raw[:200]}


def v2_infer(port, doc, binary=b""):
    body = json.dumps(doc).encode()
    headers = {"Content-Type": "application/json"}
    if binary:
        headers["Inference-Header-Content-Length"] = str(len(body))
    status, hdrs, raw = request(port, "POST", "/v2/models/yolo/infer", body + binary, headers)
    n = int(hdrs.get("inference-header-content-length", len(raw)) if status == 200 else len(raw))
    try:
        return status, json.loads(raw[:n]), raw[n:]
    except ValueError:
        return status, {"raw": raw[:200]}, b""


def as_detections(outputs, image):
    """The Open Inference Protocol's detector outputs of one image (index `image` of the batch) as /detect lists them."""
    out = {o["name"]: o for o in outputs}
    most = out["boxes"]["shape"][1]
    count = out["count"]["data"][image]
    dets = []
    for j in range(count):
        at = image * most + j
        box = out["boxes"]["data"][4 * at:4 * at + 4]
        dets.append({"label": out["labels"]["data"][at], "index": out["classes"]["data"][at],
                     "confidence": out["scores"]["data"][at],
                     "box": dict(zip(["x", "y", "width", "height"], box))})
    padding = [(out["classes"]["data"][image * most + j], out["labels"]["data"][image * most + j],
                out["scores"]["data"][image * most + j]) for j in range(count, most)]
    return dets, all(p == (-1, "", 0) for p in padding)


def alike(ours, theirs):
    """/detect's rounded figures (2 decimals for pixels, 6 for confidences) against the protocol's floats."""
    return len(ours) == len(theirs) and all(
        o["label"] == t["label"] and o["index"] == t["index"] and abs(o["confidence"] - t["confidence"]) <= 1e-6
        and all(abs(o["box"][k] - t["box"][k]) <= 0.006 for k in t["box"]) for o, t in zip(ours, theirs))


def oip(port, dog, person, dog_dets, person_dets):
    """The Open Inference Protocol's detector outputs: metadata, a batch against /detect's answers, binary data,
    the parameters and their errors."""
    status, _, raw = request(port, "GET", "/v2/models/yolo")
    meta = json.loads(raw) if status == 200 else {}
    shapes = {o["name"]: (o["datatype"], o["shape"]) for o in meta.get("outputs", [])}
    check(shapes == {"boxes": ("FP32", [-1, -1, 4]), "scores": ("FP32", [-1, -1]), "classes": ("INT32", [-1, -1]),
                     "labels": ("BYTES", [-1, -1]), "count": ("INT32", [-1])}
          and meta.get("parameters") == {"task": "detection"},
          f"v2 metadata of a detector: its five outputs and task ({shapes}, {meta.get('parameters')})")
    status, _, raw = request(port, "GET", "/v2/models/mobilenet_v1")
    check(status == 200 and json.loads(raw).get("parameters") == {"task": "classification"},
          "v2 metadata of a classifier: task classification")

    images = {"name": "image", "datatype": "BYTES", "shape": [2],
              "data": [base64.b64encode(dog).decode(), base64.b64encode(person).decode()]}
    status, r, _ = v2_infer(port, {"id": "d1", "inputs": [images], "parameters": {"threshold": 0.4, "max": 1000}})
    outs = {o["name"]: o for o in r.get("outputs", [])}
    most = max(len(dog_dets), len(person_dets))
    check(status == 200 and r.get("id") == "d1" and list(outs) == ["boxes", "scores", "classes", "labels", "count"]
          and outs["boxes"]["shape"] == [2, most, 4] and outs["scores"]["shape"] == [2, most]
          and outs["count"]["data"] == [len(dog_dets), len(person_dets)],
          f"v2 inference of a detector, a batch of two: every output, [2, {most}, 4] boxes ({status}, "
          f"{[(n, o['shape']) for n, o in outs.items()]})")
    if status == 200:
        for i, (what, want) in enumerate([("dog", dog_dets), ("person", person_dets)]):
            dets, padded = as_detections(r["outputs"], i)
            check(alike(want, dets) and padded,
                  f"v2 {what}: the {len(dets)} detections /detect answers, the rows after them padding")

    wanted = sorted({d["label"] for d in dog_dets})[:2]
    one = dict(images, shape=[1], data=images["data"][:1])
    status, r, binary = v2_infer(port, {"inputs": [one], "parameters": {"threshold": 0.4, "max": 1000,
                                                                         "classes": ",".join(wanted)},
                                        "outputs": [{"name": "boxes", "parameters": {"binary_data": True}},
                                                    {"name": "labels", "parameters": {"binary_data": True}},
                                                    {"name": "count"}]})
    want = [d for d in dog_dets if d["label"] in wanted]
    outs = r.get("outputs", [])
    ok = status == 200 and [o["name"] for o in outs] == ["boxes", "labels", "count"] and outs[2]["data"] == [len(want)]
    if ok:
        n = outs[0]["parameters"]["binary_data_size"]
        boxes = struct.unpack(f"<{n // 4}f", binary[:n])
        labels, at = [], n
        while at < len(binary):
            size = int.from_bytes(binary[at:at + 4], "little")
            labels.append(binary[at + 4:at + 4 + size].decode())
            at += 4 + size
        ok = (n == 16 * len(want) and outs[1]["parameters"]["binary_data_size"] == len(binary) - n
              and labels == [d["label"] for d in want]
              and all(abs(boxes[4 * j + c] - d["box"][k]) <= 0.006
                      for j, d in enumerate(want) for c, k in enumerate(["x", "y", "width", "height"])))
    check(ok, f"v2 classes={','.join(wanted)}, boxes and labels as binary data: /detect's {len(want)} ({status})")

    for params, what in [({"threshold": 0}, "threshold 0"), ({"max": 1001}, "max above 1000"),
                         ({"nms": "0.5"}, "nms as a string"), ({"classes": "unicorn"}, "a class the model has not"),
                         ({"crop": "full"}, "a classifier's crop")]:
        status, r, _ = v2_infer(port, {"inputs": [one], "parameters": params})
        check(status == 400 and isinstance(r.get("error"), str), f"v2, {what}: 400 {r.get('error')}")
    status, r, _ = v2_infer(port, {"inputs": [one], "outputs": [{"name": "probabilities"}]})
    check(status == 400 and "boxes" in r.get("error", ""), f"v2, a detector asked for probabilities: {r.get('error')}")


def main():
    work = tempfile.mkdtemp(prefix="lookslike-detect-")
    subprocess.run([MAKE, os.path.join(SHARE, "cfg", "yolov3-tiny.cfg"), os.path.join(work, "yolo"), "320",
                    os.path.join(SHARE, "data", "eagle.jpg")],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The last class renamed "background": to a detector a class like the
    # others (a classifier's "background" is left out of its classes; YOLO9000
    # has one among its 9418), so /v1/models must still count 80.
    names = open(os.path.join(SHARE, "data", "coco.names")).read().splitlines()
    names[-1] = "background"
    with open(os.path.join(work, "yolo.names"), "w") as f:
        f.write("\n".join(names) + "\n")
    for ext in ("cfg", "weights", "labels"):
        os.symlink(os.path.join(os.path.abspath(MODEL_DIR), "mobilenet_v1." + ext),
                   os.path.join(work, "mobilenet_v1." + ext))
    photos = {p: os.path.join(SHARE, "data", p + ".jpg") for p in PHOTOS}

    srv = Server(LOOKSLIKE, "--model-dir", work, "--model", "yolo,mobilenet_v1", "--access-log", "0")
    try:
        status, _, body = request(srv.port, "GET", "/v1/models")
        models = {m["name"]: m for m in json.loads(body)["models"]} if status == 200 else {}
        check(models.get("yolo", {}).get("task") == "detection" and models["yolo"].get("classes") == 80
              and models["yolo"].get("input") == {"width": 320, "height": 320, "channels": 3}
              and models.get("mobilenet_v1", {}).get("task") == "classification",
              "/v1/models gives each model's task: "
              f"{[(n, m.get('task'), m.get('classes')) for n, m in models.items()]}")

        # Random weights find more than a trained detector: a threshold of 0.4
        # keeps dog's and person's answers complete within max=1000; horses
        # has the defaults.
        answers = {}
        for p, path in list(photos.items())[:2]:
            jpeg = open(path, "rb").read()
            status, r = detect(srv.port, Q, jpeg)
            dets = r.get("detections", [])
            answers[p] = r
            check(status == 200 and r.get("model") == "yolo" and r.get("model_version")
                  and r.get("request_id") and r.get("image", {}).get("width") > 0
                  and r.get("total_detections") == len(dets)
                  and all(d["label"] == names[d["index"]] for d in dets)
                  and all(dets[i]["confidence"] >= dets[i + 1]["confidence"] for i in range(len(dets) - 1)),
                  f"POST /detect {p}.jpg: 200, {len(dets)} detections, named from coco.names, most confident first")
            w, h = r["image"]["width"], r["image"]["height"]
            check(all(0 <= d["box"]["x"] and d["box"]["x"] + d["box"]["width"] <= w + 0.01 and 0 <= d["box"]["y"]
                      and d["box"]["y"] + d["box"]["height"] <= h + 0.01 for d in dets),
                  f"{p}: every box inside the {w}x{h} image")
            agrees(dets, oracle(work, path, 0.4), f"{p}: threshold 0.4, the default NMS 0.45")
        horses = open(photos["horses"], "rb").read()
        status, r = detect(srv.port, "?max=1000", horses)
        agrees(r.get("detections", []), oracle(work, photos["horses"]),
               "horses: the default threshold 0.25 and NMS 0.45")
        status, d = detect(srv.port, "", horses)
        check(status == 200 and d["detections"] == r["detections"][:100]
              and d["total_detections"] == len(r["detections"]),
              f"horses, every default: the 100 most confident of {d.get('total_detections')}")

        dog = open(photos["dog"], "rb").read()
        full = answers["dog"]["detections"]
        status, r = detect(srv.port, "?threshold=0.5&nms=0.3&max=1000", dog)
        agrees(r.get("detections", []), oracle(work, photos["dog"], 0.5, 0.3), "dog: threshold=0.5&nms=0.3")
        status, r = detect(srv.port, Q + "&nms=0", dog)
        check(status == 200 and len(r["detections"]) >= len(full), f"nms=0 keeps every box: {len(r['detections'])}")
        agrees(r.get("detections", []), oracle(work, photos["dog"], 0.4, 0), "dog: nms=0 (no suppression)")

        status, r = detect(srv.port, "?threshold=0.4&max=3", dog)
        check(status == 200 and r["detections"] == full[:3] and 3 <= r["total_detections"] <= len(full)
              and r["total_is_lower_bound"] and not answers["dog"]["total_is_lower_bound"],
              f"max=3: the 3 most confident of {len(full)}; a class stopped at 3, so total_detections "
              f"{r.get('total_detections')} is a lower bound")
        wanted = sorted({d["label"] for d in full})[:2]
        status, r = detect(srv.port, Q + "&classes=" + ",".join(wanted), dog)
        check(status == 200 and r["detections"] == [d for d in full if d["label"] in wanted],
              f"classes={','.join(wanted)}: those classes' detections, as without the filter")

        body, headers = multipart([(dog, "image/jpeg"), (open(photos["person"], "rb").read(), "image/jpeg")])
        status, r = detect(srv.port, Q, body, headers)
        res = r.get("results", [])
        check(status == 200 and len(res) == 2 and res[0]["detections"] == full
              and res[1]["detections"] == answers["person"]["detections"],
              f"a batch of two in one multipart request: each as alone ({status})")

        png = os.path.join(work, "dog.png")
        conv = subprocess.run(["/usr/bin/python3", "-c", "import sys; from PIL import Image; "
                               "Image.open(sys.argv[1]).save(sys.argv[2])", photos["dog"], png])
        if conv.returncode == 0:
            status, r = detect(srv.port, Q, open(png, "rb").read(), "image/png")
            agrees(r.get("detections", []), oracle(work, png, 0.4), "a PNG")
        else:
            print("ok - # SKIP a PNG: Debian's python3-pil is missing")

        for query, what in [("?threshold=0", "threshold 0"), ("?threshold=1.5", "threshold above 1"),
                            ("?threshold=abc", "threshold not a number"), ("?nms=-0.1", "nms below 0"),
                            ("?max=0", "max 0"), ("?max=1001", "max above 1000"),
                            ("?classes=unicorn", "a class the model has not")]:
            status, r = detect(srv.port, query, dog)
            check(status == 400 and r.get("error", {}).get("code") == "invalid_parameter",
                  f"{what} ({query}): 400 invalid_parameter: {r.get('error', {}).get('message')}")
        status, r = detect(srv.port, "?model=mobilenet_v1", dog)
        check(status == 400 and r.get("error", {}).get("code") == "wrong_task" and "/predict" in r["error"]["message"],
              f"a classifier asked to detect: 400 wrong_task naming /predict ({r.get('error')})")
        status, _, raw = request(srv.port, "POST", "/predict?model=yolo", dog, {"Content-Type": "image/jpeg"})
        check(status == 400 and b"wrong_task" in raw and b"/detect" in raw,
              f"a detector asked to classify: 400 wrong_task naming /detect ({raw[:120]!r})")
        oip(srv.port, dog, open(photos["person"], "rb").read(), full, answers["person"]["detections"])
        # Hostile bodies get /predict's answers: each a JSON error with its status, the server unharmed.
        png_header = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (100000).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00"
        hostile = [(b"not an image", "image/jpeg", 400, "invalid_image"),
                   (dog[:2000], "image/jpeg", 400, "invalid_image"),
                   (b"", "image/jpeg", 400, "empty_body"), (dog, "image/tiff", 415, "unsupported_media_type"),
                   (png_header + b"\x00" * 64, "image/png", 422, "image_too_large"),
                   (b"{\"image\": 7}", "application/json", 400, "bad_request"),
                   (b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno file\r\n--x--\r\n",
                    "multipart/form-data; boundary=x", 400, "bad_multipart")]
        for body, ctype, want, code in hostile:
            status, r = detect(srv.port, "", body, ctype)
            check(status == want and r.get("error", {}).get("code") == code,
                  f"{ctype}, {len(body)} bytes: {want} {code} ({status} {r.get('error', {}).get('code')})")
        status, _, raw = request(srv.port, "GET", "/readyz")
        check(status == 200, "still ready after the hostile bodies")
        status, _, raw = request(srv.port, "GET", "/detect")
        check(status == 405, f"GET /detect: 405 ({status})")
        status, _, raw = request(srv.port, "GET", "/metrics")
        check(status == 200 and b'route="detect"' in raw, "/metrics counts /detect under its own route label")
    finally:
        check(srv.stop() == 0, "server exits 0")
    direct_kernels(work, photos, answers)
    shutil.rmtree(work)
    return summary()


def direct_kernels(work, photos, answers):
    """--winograd 0 (the default auto runs a YOLO's 3x3 convolutions as
    Winograd's where oneDNN has them): the same detections as libdarknet's
    within the rounding's 2 %, a batch's answers those of each image alone (a
    1-thread run equals a 2-thread one), and not the default's bytes where
    oneDNN has Winograd's kernels (AVX-512: else it compared nothing)."""
    srv = Server(LOOKSLIKE, "--model-dir", work, "--model", "yolo", "--access-log", "0", "--winograd", "0")
    try:
        dog, person = (open(photos[p], "rb").read() for p in ("dog", "person"))
        status, r = detect(srv.port, Q, dog)
        alone = r.get("detections", [])
        agrees(alone, oracle(work, photos["dog"], 0.4), "--winograd 0, dog: threshold 0.4")
        status, r2 = detect(srv.port, Q, person)
        body, headers = multipart([(dog, "image/jpeg"), (person, "image/jpeg")])
        status, r = detect(srv.port, Q, body, headers)
        res = r.get("results", [])
        check(status == 200 and len(res) == 2 and res[0]["detections"] == alone
              and res[1]["detections"] == r2.get("detections"),
              f"--winograd 0: a batch of two, each as alone ({status})")
        avx512 = "avx512f" in open("/proc/cpuinfo").read()
        differs = alone != answers["dog"]["detections"]
        if avx512:
            check(differs, "--winograd 0 changes the confidences' last bits (the default ran Winograd's kernels)")
        else:
            print(f"ok - # SKIP the default ran Winograd's kernels: no AVX-512 here (answers differ: {differs})")
    finally:
        check(srv.stop() == 0, "--winograd 0 server exits 0")
    r = subprocess.run([LOOKSLIKE, "--port", "0", "--model-dir", work, "--model", "yolo", "--winograd", "yes"],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode != 0 and "--winograd must be auto, 1 or 0, not yes" in r.stderr,
          f"--winograd yes stops start-up naming the modes ({r.returncode}: {r.stderr.strip()[:120]})")


if __name__ == "__main__":
    sys.exit(main())
