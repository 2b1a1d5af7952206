#!/usr/bin/env python3
"""The Open Inference Protocol (KServe v2) REST routes against the real server:
health, server and model metadata as the protocol's examples shape them; an
inference with a BYTES input of encoded images (JSON base64, and the binary
tensor data extension with Inference-Header-Content-Length) or a UINT8
[N, H, W, 3] input of RGB frames (JSON numbers, binary); the FP32 output,
the classification extension and binary outputs; errors as {"error": "..."}.
Every answer is checked against /predict for the same image: the same
classes and probabilities (the pixels of a decoded JPEG, sent as UINT8, too).
Needs Debian's python3-pil (the RGB frames): run with /usr/bin/python3.

usage: test_v2.py LOOKSLIKE CORAL_DIR
"""
import base64
import hashlib
import io
import json
import os
import re
import struct
import sys
import tempfile
import threading
import time

from PIL import Image

from harness import Server, check, request, summary

LOOKSLIKE, CORAL, MODEL_DIR = sys.argv[1:4]
MODEL = "mobilenet_v1"


def version_of(name):
    """A model's version, as an operator gets it: cat NAME.cfg NAME.weights NAME.labels | sha256sum."""
    h = hashlib.sha256()
    for ext in ("cfg", "weights", "labels"):
        h.update(open(os.path.join(MODEL_DIR, f"{name}.{ext}"), "rb").read())
    return h.hexdigest()[:12]


VERSION = version_of(MODEL)


def get(port, path):
    status, headers, body = request(port, "GET", path)
    try:
        return status, json.loads(body)
    except ValueError:
        return status, None


def infer(port, doc, binary=b"", headers=None, model=MODEL):
    body = json.dumps(doc).encode()
    h = {"Content-Type": "application/json" if not binary else "application/octet-stream"}
    if binary:
        h["Inference-Header-Content-Length"] = str(len(body))
    h.update(headers or {})
    status, rh, data = request(port, "POST", f"/v2/models/{model}/infer", body + binary, h)
    n = int(rh.get("inference-header-content-length", len(data)))
    try:
        return status, json.loads(data[:n]), data[n:], rh
    except ValueError:
        return status, None, b"", rh


def predict(port, data, query="k=3"):
    status, _, body = request(port, "POST", "/predict?" + query, data, {"Content-Type": "image/jpeg"})
    return [(p["index"], p["probability"]) for p in json.loads(body)["predictions"]]


def classes(out):
    """"0.999811:89:macaw" -> (89, 0.999811)"""
    return [(int(s.split(":")[1]), float(s.split(":")[0])) for s in out]


def version_names_the_bytes_read():
    """The version is the hash of the bytes the loader read, not of the files read again afterwards (which
    may have been replaced meanwhile): the labels come from a FIFO, which gives its bytes once. Read a
    second time, it would wait for a writer: after 10 s one opens and closes it, so that a second reader
    gets an empty file (and another version) rather than waiting forever."""
    with tempfile.TemporaryDirectory() as models:
        for ext in ("cfg", "weights"):
            os.symlink(os.path.join(MODEL_DIR, f"{MODEL}.{ext}"), os.path.join(models, f"{MODEL}.{ext}"))
        fifo = os.path.join(models, f"{MODEL}.labels")
        os.mkfifo(fifo)
        labels = open(os.path.join(MODEL_DIR, f"{MODEL}.labels"), "rb").read()

        def feed():
            with open(fifo, "wb") as f:
                f.write(labels)
            time.sleep(10)
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass  # no second reader: as it should be

        threading.Thread(target=feed, daemon=True).start()
        srv = Server(LOOKSLIKE, "--model-dir", models, "--model", MODEL, "--access-log", "0")
        try:
            status, doc = get(srv.port, "/v1/models")
            got = doc["models"][0]["version"] if status == 200 else None
            check(got == VERSION, f"the version hashes the bytes the loader read, once: labels from a FIFO give "
                                  f"{got}, the files' {VERSION}")
        finally:
            srv.stop()


def main():
    photos = [open(os.path.join(CORAL, n), "rb").read() for n in ("parrot.jpg", "owl.jpg", "hot_dog.jpg")]
    keys = tempfile.NamedTemporaryFile("w", suffix=".keys", delete=False)
    keys.write("v2-test-key-0123456789\n")
    keys.close()
    srv = Server(LOOKSLIKE, "--max-batch", "4", "--access-log", "0")
    port = srv.port
    try:
        status, doc = get(port, "/v2")
        check(status == 200 and doc.get("name") == "lookslike" and doc.get("version") and
              set(doc.get("extensions", [])) >= {"classification", "binary_tensor_data"}, f"server metadata: {doc}")
        check(get(port, "/v2/health/live") == (200, {"live": True}), "GET /v2/health/live")
        check(get(port, "/v2/health/ready") == (200, {"ready": True}), "GET /v2/health/ready")
        for path in (f"/v2/models/{MODEL}", f"/v2/models/{MODEL}/versions/{VERSION}"):
            status, doc = get(port, path)
            ins = {i["name"]: i for i in doc.get("inputs", [])}
            check(status == 200 and doc["name"] == MODEL and doc["versions"] == [VERSION] and
                  ins["image"]["datatype"] == "BYTES" and ins["pixels"] == {"name": "pixels", "datatype": "UINT8",
                                                                             "shape": [-1, -1, -1, 3]} and
                  doc["outputs"] == [{"name": "probabilities", "datatype": "FP32", "shape": [-1, 1001]},
                                     {"name": "features", "datatype": "FP32", "shape": [-1, 1024]},
                                     {"name": "heatmap", "datatype": "FP32", "shape": [-1, -1, 7, 7]},
                                     {"name": "heatmap_classes", "datatype": "INT32", "shape": [-1, -1]},
                                     {"name": "heatmap_boxes", "datatype": "FP32", "shape": [-1, -1, 4]},
                                     {"name": "heatmap_regions", "datatype": "FP32", "shape": [-1, 4]}],
                  f"model metadata at {path}: {doc}")
        check(get(port, f"/v2/models/{MODEL}/ready") == (200, {"name": MODEL, "ready": True}), "model ready")
        for path in ("/v2/models/nope", "/v2/models/nope/ready", f"/v2/models/{MODEL}/versions/1",
                     f"/v2/models/{MODEL}/versions/{VERSION}x/ready", "/v2/other"):
            status, doc = get(port, path)
            check(status == 404 and isinstance(doc.get("error"), str), f"GET {path}: 404 {{\"error\": \"...\"}} ({doc})")

        # the version: the hash of the model's files, everywhere a model is described
        status, doc = get(port, "/v1/models")
        described = doc["models"][0] if status == 200 else {}
        check(described.get("version") == VERSION and
              re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", described.get("loaded_at", "")),
              f"/v1/models: version {described.get('version')} (sha256 of the files: {VERSION}), "
              f"loaded at {described.get('loaded_at')}")
        status, _, body = request(port, "GET", "/metrics")
        check(f'lookslike_model_info{{model="{MODEL}",version="{VERSION}"' in body.decode(),
              "lookslike_model_info names the version")
        status, _, body = request(port, "POST", "/predict", photos[0], {"Content-Type": "image/jpeg"})
        check(status == 200 and json.loads(body).get("model_version") == VERSION, "/predict's answer names it")
        req = {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES",
                           "data": [base64.b64encode(photos[0]).decode()]}]}
        status, doc, _, _ = infer(port, req, model=f"{MODEL}/versions/{VERSION}")
        check(status == 200 and doc["model_version"] == VERSION, f"infer at /versions/{VERSION}: 200 ({status})")
        status, doc, _, _ = infer(port, req, model=f"{MODEL}/versions/000000000000")
        check(status == 404 and VERSION in doc.get("error", ""),
              f"infer at another version: 404 naming the one served ({status}, {doc})")

        # BYTES, JSON: the classification extension, against /predict
        want = [predict(port, p) for p in photos]
        b64 = [base64.b64encode(p).decode() for p in photos]
        req = {"id": "req-1", "inputs": [{"name": "image", "shape": [3], "datatype": "BYTES", "data": b64}],
               "outputs": [{"name": "probabilities", "parameters": {"classification": 3}}]}
        status, doc, _, _ = infer(port, req)
        out = doc["outputs"][0] if status == 200 else {}
        check(status == 200 and doc["model_name"] == MODEL and doc["model_version"] == VERSION and doc["id"] == "req-1"
              and out.get("datatype") == "BYTES" and out.get("shape") == [3, 3],
              f"BYTES [3] with classification 3: {status} {str(doc)[:200]}")
        got = [classes(out["data"][3 * i:3 * i + 3]) for i in range(3)] if status == 200 else []
        check(got == want, f"each image's top 3 equals /predict's: {got[:1]} vs {want[:1]}")
        labels = out.get("data", [""])[0].split(":")[2:]
        check(labels == ["macaw"], f"classification strings carry the label: {out.get('data', [''])[0]}")

        req = {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": b64[:1]}],
               "outputs": [{"name": "probabilities", "parameters": {"classification": 1001}}]}
        status, doc, _, _ = infer(port, req)
        every = classes(doc["outputs"][0]["data"]) if status == 200 else []
        check(len(every) == 1001 and sorted(i for i, _ in every) == list(range(1001)) and
              all(a[1] >= b[1] for a, b in zip(every, every[1:])) and every[:3] == want[0],
              f"classification 1001: every class once, highest first ({status}, {len(every)})")

        # the stage histograms of /metrics count Open Inference Protocol inferences as /predict's
        def stage_counts():
            _, _, text = request(port, "GET", "/metrics")
            return {m[1]: int(m[2]) for m in
                    re.finditer(r'lookslike_stage_duration_seconds_count\{stage="(\w+)"\} (\d+)', text.decode())}
        before = stage_counts()
        for _ in range(50):  # the total of the inference before is counted once its answer was sent: let it land
            time.sleep(0.05)
            again = stage_counts()
            if again == before:
                break
            before = again
        status, _, _, _ = infer(port, {"inputs": [{"name": "image", "shape": [2], "datatype": "BYTES", "data": b64[:2]}]})
        for _ in range(50):  # the total is counted once the answer is sent: maybe just after we read it
            after = stage_counts()
            if after.get("total", 0) > before.get("total", 0):
                break
            time.sleep(0.02)
        grown = {s: after.get(s, 0) - before.get(s, 0) for s in ("queue", "decode", "preprocess", "inference", "total")}
        check(status == 200 and grown == {"queue": 2, "decode": 2, "preprocess": 2, "inference": 2, "total": 1},
              f"a v2 inference of 2 images feeds the stage histograms: {grown}")

        # FP32 output, JSON and binary
        req = {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": b64[:1]}]}
        status, doc, _, _ = infer(port, req)
        probs = doc["outputs"][0]["data"] if status == 200 else []
        check(status == 200 and doc["outputs"][0]["shape"] == [1, 1001] and len(probs) == 1001 and
              abs(sum(probs) - 1) < 1e-4 and max(range(1001), key=probs.__getitem__) == want[0][0][0] and
              abs(max(probs) - want[0][0][1]) < 1e-6, f"FP32 [1, 1001]: the probabilities, argmax {want[0][0]}")
        req["outputs"] = [{"name": "probabilities", "parameters": {"binary_data": True}}]
        status, doc, tail, rh = infer(port, req)
        floats = list(struct.unpack("<1001f", tail)) if len(tail) == 4004 else []
        check(status == 200 and rh.get("content-type") == "application/octet-stream" and
              doc["outputs"][0]["parameters"]["binary_data_size"] == 4004 and "data" not in doc["outputs"][0] and
              all(abs(a - b) <= 1e-9 * max(1, abs(b)) for a, b in zip(floats, probs)) and len(floats) == 1001,
              f"binary output: 4004 bytes after the JSON header, the same floats ({status}, {rh.get('content-type')})")

        # BYTES, binary extension in; classification out as binary
        elements = b"".join(struct.pack("<I", len(p)) + p for p in photos[:2])
        req = {"inputs": [{"name": "image", "shape": [2], "datatype": "BYTES",
                           "parameters": {"binary_data_size": len(elements)}}],
               "outputs": [{"name": "probabilities", "parameters": {"classification": 3, "binary_data": True}}]}
        status, doc, tail, _ = infer(port, req, elements)
        strings, at = [], 0
        while at + 4 <= len(tail):
            n = struct.unpack_from("<I", tail, at)[0]
            strings.append(tail[at + 4:at + 4 + n].decode())
            at += 4 + n
        check(status == 200 and [classes(strings[:3]), classes(strings[3:6])] == want[:2],
              f"binary BYTES in and binary classification out: the same top 3 ({status}, {strings[:1]})")

        # UINT8 frames: the decoded JPEG's pixels give the JPEG's answer
        rgb = Image.open(io.BytesIO(photos[0])).convert("RGB")
        w, h = rgb.size
        req = {"inputs": [{"name": "pixels", "shape": [1, h, w, 3], "datatype": "UINT8",
                           "parameters": {"binary_data_size": w * h * 3}}],
               "outputs": [{"name": "probabilities", "parameters": {"classification": 3}}]}
        status, doc, _, _ = infer(port, req, rgb.tobytes())
        check(status == 200 and classes(doc["outputs"][0]["data"]) == want[0],
              f"UINT8 [1, {h}, {w}, 3] binary: the JPEG's top 3 ({status})")
        small = rgb.resize((40, 30))
        buf = io.BytesIO()
        small.save(buf, "PNG")
        flat = list(small.tobytes())
        req = {"parameters": {"crop": "full"},
               "inputs": [{"name": "pixels", "shape": [1, 30, 40, 3], "datatype": "UINT8",
                           "data": [flat[i:i + 120] for i in range(0, len(flat), 120)]}],
               "outputs": [{"name": "probabilities", "parameters": {"classification": 3}}]}
        status, doc, _, _ = infer(port, req)
        status2, _, body = request(port, "POST", "/predict?crop=full", buf.getvalue(), {"Content-Type": "image/png"})
        want_small = [(p["index"], p["probability"]) for p in json.loads(body)["predictions"]]
        check(status == 200 and classes(doc["outputs"][0]["data"]) == want_small,
              f"UINT8 as nested JSON numbers, crop full: the PNG's top 3 from /predict ({status})")

        # errors, as the protocol has them
        cases = [
            ("not JSON", b"{", 400), ("no inputs", {"inputs": []}, 400),
            ("the protocol's FP32 example", {"inputs": [{"name": "input-0", "shape": [2, 2], "datatype": "FP32",
                                                         "data": [[1, 2], [3, 4]]}]}, 400),
            ("two inputs", {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": b64[:1]}] * 2}, 400),
            ("shape and data disagree", {"inputs": [{"name": "image", "shape": [2], "datatype": "BYTES",
                                                     "data": b64[:1]}]}, 400),
            ("not base64", {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": ["@@@"]}]}, 400),
            ("not an image", {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES",
                                          "data": [base64.b64encode(b"hello").decode()]}]}, 400),
            ("pixels out of range", {"inputs": [{"name": "pixels", "shape": [1, 16, 16, 3], "datatype": "UINT8",
                                                 "data": [300] * 768}]}, 400),
            ("a frame under 16 pixels", {"inputs": [{"name": "pixels", "shape": [1, 8, 8, 3], "datatype": "UINT8",
                                                     "data": [0] * 192}]}, 422),
            ("unknown output", {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": b64[:1]}],
                                "outputs": [{"name": "logits"}]}, 400),
            ("classification 0", {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": b64[:1]}],
                                  "outputs": [{"name": "probabilities", "parameters": {"classification": 0}}]}, 400),
            ("5 images over --max-batch 4", {"inputs": [{"name": "image", "shape": [5], "datatype": "BYTES",
                                                         "data": b64[:1] * 5}]}, 413),
        ]
        for name, doc, want_status in cases:
            body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
            status, rh, data = request(port, "POST", f"/v2/models/{MODEL}/infer", body,
                                       {"Content-Type": "application/json"})
            try:
                err = json.loads(data).get("error")
            except ValueError:
                err = None
            check(status == want_status and isinstance(err, str), f"{name}: {status} {{\"error\": \"{err}\"}}")
        status, doc, _, _ = infer(port, {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES",
                                                     "parameters": {"binary_data_size": 1e300}}]}, b"x")
        check(status == 400, f"binary_data_size 1e300: 400 ({status})")
        check(get(port, "/v2/health/ready")[0] == 200, "ready after the overflowing shapes")
        status, doc, _, _ = infer(port, {"inputs": []}, model="nope")
        check(status == 404 and isinstance(doc.get("error"), str), f"infer on an unknown model: 404 ({status})")
        status, _, _ = request(port, "GET", f"/v2/models/{MODEL}/infer")
        check(status == 405, f"GET on infer: 405 ({status})")
    finally:
        srv.stop()

    # A model of more classes than any fixed list would hold: 1500 outputs, all ranked.
    with tempfile.TemporaryDirectory() as models:
        outputs = 1500
        with open(os.path.join(models, "wide.cfg"), "w") as f:
            f.write(f"[net]\nwidth=16\nheight=16\nchannels=3\n[avgpool]\n[connected]\noutput={outputs}\n"
                    "activation=linear\n[softmax]\n")
        weights = [((i * 7919) % 1000) / 1000.0 for i in range(outputs)] + [((i * 104729) % 997) / 997.0 - 0.5
                                                                       for i in range(outputs * 3)]
        with open(os.path.join(models, "wide.weights"), "wb") as f:
            f.write(struct.pack("<3iQ", 0, 2, 0, 0) + struct.pack(f"<{len(weights)}f", *weights))
        with open(os.path.join(models, "wide.labels"), "w") as f:
            f.write("".join(f"class {i}\n" for i in range(outputs)))
        srv = Server(LOOKSLIKE, "--model-dir", models, "--model", "wide", "--access-log", "0")
        try:
            req = {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": b64[:1]}],
                   "outputs": [{"name": "probabilities", "parameters": {"classification": outputs}}]}
            status, doc, _, _ = infer(srv.port, req, model="wide")
            every = classes(doc["outputs"][0]["data"]) if status == 200 else []
            top = predict(srv.port, photos[0], "k=3")
            check(len(every) == outputs and sorted(i for i, _ in every) == list(range(outputs)) and
                  all(a[1] >= b[1] for a, b in zip(every, every[1:])) and every[:3] == top,
                  f"a {outputs}-class model, classification {outputs}: every class once, highest first, "
                  f"the top 3 /predict's ({status}, {len(every)})")
        finally:
            srv.stop()

    version_names_the_bytes_read()

    srv = Server(LOOKSLIKE, "--api-key-file", keys.name, "--access-log", "0")
    try:
        req = {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": b64[:1]}]}
        status, doc, _, rh = infer(srv.port, req)
        check(status == 401 and isinstance(doc.get("error"), str) and "www-authenticate" in rh,
              f"with keys on, infer without one: 401 ({status} {doc})")
        key = {"Authorization": "Bearer v2-test-key-0123456789"}
        status, doc, _, _ = infer(srv.port, req, headers=key)
        check(status == 200, f"with the key: {status}")
        # N * H * W * 3 wraps around 2^64 to 16800 (N within the default --max-batch 32, each size within the
        # shape's bounds): once taken as 16800 bytes of 32 frames of 1.7 EB each, the worker ran off the buffer.
        huge = {"inputs": [{"name": "pixels", "shape": [32, 578832189, 995903067, 3], "datatype": "UINT8",
                            "parameters": {"binary_data_size": 16800}}]}
        status, doc, _, _ = infer(srv.port, huge, bytes(16800), headers=key)
        check(status == 400 and isinstance(doc.get("error"), str), f"a shape whose size overflows: 400 ({status} {doc})")
        check(get(srv.port, "/v2/health/ready")[0] == 200, "health needs no key")
    finally:
        srv.stop()
        os.unlink(keys.name)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
